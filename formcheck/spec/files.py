"""Spec files on disk: load one, load a folder, find one by id."""

from __future__ import annotations

from pathlib import Path

from formcheck.errors import SpecError
from formcheck.spec.fields import allowed
from formcheck.spec.model import ExerciseSpec
from formcheck.spec.parse import parse_spec
from formcheck.tomlfile import read_toml

SPEC_DIR = Path(__file__).resolve().parent.parent.parent / "exercise_specs"


def load_spec(path: str | Path) -> ExerciseSpec:
    """Read and validate one spec file; raises SpecError with file, field and allowed values."""
    p = Path(path)
    data = read_toml(p, what="spec")
    spec = parse_spec(data, file=p.name, path=p)
    if spec.id != p.stem:
        raise SpecError(f"{p.name}: id {spec.id!r} must match the file name {p.stem!r}")
    return spec


def _spec_dir(directory: str | Path) -> Path:
    d = Path(directory)
    if not d.is_dir():
        raise SpecError(f"spec folder not found: {d} (give --specs an existing folder)")
    return d


def load_specs(directory: str | Path = SPEC_DIR) -> dict[str, ExerciseSpec]:
    """Every ``*.toml`` spec in ``directory``, by id, sorted."""
    d = _spec_dir(directory)
    return {s.id: s for s in (load_spec(p) for p in sorted(d.glob("*.toml")))}


def get_spec(exercise_id: str, directory: str | Path = SPEC_DIR) -> ExerciseSpec:
    """The spec with this id; SpecError listing the known ids when there is none.

    Only an id is accepted, never a path: ``../x`` or ``a/b`` is refused.
    """
    d = _spec_dir(directory)
    known = sorted(q.stem for q in d.glob("*.toml"))
    ok_id = exercise_id.isidentifier() and exercise_id == exercise_id.lower()
    if not ok_id or exercise_id not in known:
        what = "is not an exercise id" if not ok_id else "is not a known exercise"
        raise SpecError(
            f"{exercise_id!r} {what}; known: {allowed(known)} (run `formcheck exercises`)"
        )
    return load_spec(d / f"{exercise_id}.toml")
