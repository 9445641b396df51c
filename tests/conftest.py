from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_CLIPS = ROOT.parent / "shared" / "clips"
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def dev_clips() -> Path:
    d = SHARED_CLIPS / "dev"
    if not (d / "labels.csv").is_file():
        pytest.skip("../shared/clips/dev is not available")
    return d


@pytest.fixture(autouse=True)
def history_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test's history database lives in its own temporary folder, never the user's."""
    home = tmp_path_factory.mktemp("formcheck-home")
    monkeypatch.setenv("FORMCHECK_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def filled_history_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three weeks of sessions written through the real engine (tests/historykit.py), made
    once; copy it (see ``filled_history``) before changing it."""
    from historykit import fill

    path = tmp_path_factory.mktemp("filled") / "history.db"
    fill(path).close()
    return path


@pytest.fixture()
def filled_history(filled_history_file: Path, tmp_path: Path) -> Path:
    """A copy of the filled history in this test's own folder."""
    import shutil

    dst = tmp_path / "history.db"
    shutil.copyfile(filled_history_file, dst)
    return dst
