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
