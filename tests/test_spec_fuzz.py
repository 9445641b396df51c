"""Malformed specs: one clean SpecError line, never a traceback, never silently accepted.

Mutations come from the catalogue in benchmarks/fuzz_specs.py (each mutation
class says whether its mutants MUST be rejected or MAY be accepted):

* a property test draws mutations of the shipped specs with hypothesis;
* a sweep runs every mutant of the catalogue once (the fuzzer's own set);
* table-driven cases pin each bug measured in issue 7.

The messages are checked loosely: one line, starting with the file name, naming
the field (or its table), and for the issue-7 cases showing the bad value.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from formcheck.errors import SpecError
from formcheck.spec import get_spec, load_spec

ROOT = Path(__file__).resolve().parents[1]
SPEC_DIR = ROOT / "exercise_specs"


def _load_fuzzer() -> Any:
    name = "fuzz_specs"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "fuzz_specs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


fuzz = _load_fuzzer()
BASES = [fuzz.Base.load(p) for p in sorted(SPEC_DIR.glob("*.toml"))]
BY_ID = {b.stem: b for b in BASES}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("spec_fuzz")


def check_rejection(msg: str, path: Path, fields: Sequence[str]) -> None:
    """One line, starting with the file, naming one of ``fields`` (or its table)."""
    # Plain raises: pytest's assertion rewriting would dump whole mutants into the report.
    if "\n" in msg.strip() or "Traceback" in msg:
        raise AssertionError(f"not one line: {msg!r}")
    if not msg.startswith((path.name, str(path))):
        raise AssertionError(f"does not start with the file name {path.name}: {msg}")
    if not fuzz.names_field(msg, fields):
        raise AssertionError(f"names none of {', '.join(fields)}: {msg}")


def outcome(mutant: Any, path: Path) -> None:
    """Load ``mutant`` from ``path``: a clean rejection, or an acceptance it was allowed."""
    path.write_bytes(mutant.content)
    try:
        load_spec(path)
    except SpecError as err:
        check_rejection(str(err), path, mutant.fields)
    else:
        if mutant.must_reject:
            raise AssertionError(f"nonsense accepted: {mutant.label}")


# ---------------------------------------------------------------------------
# Property: any drawn mutation
# ---------------------------------------------------------------------------


class DrawPick:
    """The fuzzer's value picker, drawn by hypothesis (so failures shrink)."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def choice(self, options: Sequence[Any]) -> Any:
        return self.data.draw(st.sampled_from(list(options)))

    def integer(self, lo: int, hi: int) -> int:
        return self.data.draw(st.integers(lo, hi))

    def real(self, lo: float, hi: float) -> float:
        return self.data.draw(st.floats(lo, hi, allow_nan=False, allow_infinity=False))


@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,  # nothing written into the shared tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=st.data())
def test_a_mutated_spec_is_rejected_in_one_line_or_was_allowed(data, workdir: Path):
    base = BY_ID[data.draw(st.sampled_from(sorted(BY_ID)), label="spec")]
    cls = fuzz.CLASSES[data.draw(st.sampled_from(sorted(fuzz.CLASSES)), label="class")]
    targets = cls.targets(base)
    assume(targets)
    target = data.draw(st.sampled_from(targets), label="target")
    mutant = cls.mutant(base, target, DrawPick(data))
    note(f"{mutant.label} ({'MUST be rejected' if mutant.must_reject else 'may be accepted'})")
    outcome(mutant, workdir / f"{base.stem}.toml")


# ---------------------------------------------------------------------------
# Sweep: every mutant of the catalogue, once (what benchmarks/fuzz_specs.py runs)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("cls", sorted(fuzz.CLASSES))
def test_every_mutant_of_the_catalogue(cls: str, workdir: Path):
    failures = []
    for m in fuzz.all_mutants(BASES, seed=0, only=[cls]):
        try:
            outcome(m, workdir / f"{m.spec}.toml")
        except AssertionError as exc:  # collect them all, one line each
            failures.append(str(exc))
        except Exception as exc:
            text = " ".join(str(exc).split())[:200]
            failures.append(f"{m.label}: escaped: {type(exc).__name__}: {text}")
    if failures:
        pytest.fail(f"{len(failures)} failing mutants:\n" + "\n".join(failures), pytrace=False)


def test_every_class_applies_to_a_shipped_spec():
    for name, cls in fuzz.CLASSES.items():
        if name in (
            "side_refs_without_sides",
            "side_refs_with_sides",
            "sides_removed",
            "sides_repeated",
        ):
            continue  # each needs one spec shape; checked below
        assert any(cls.targets(b) for b in BASES), name
    assert fuzz.CLASSES["side_refs_without_sides"].targets(BY_ID["glute_bridge"])
    assert fuzz.CLASSES["sides_removed"].targets(BY_ID["standing_hip_hike"])


@pytest.mark.parametrize("base", BASES, ids=[b.stem for b in BASES])
def test_the_fuzzers_toml_writer_round_trips(base: Any, workdir: Path):
    import tomllib

    text = fuzz.dumps(base.data)
    assert tomllib.loads(text) == base.data
    path = workdir / f"{base.stem}.toml"
    path.write_text(text, encoding="utf-8")
    assert load_spec(path).id == base.stem


# ---------------------------------------------------------------------------
# Issue 7: one case per measured bug
# ---------------------------------------------------------------------------

Change = Callable[[dict[str, Any]], None]


def put(path: tuple, value: Any) -> Change:
    return lambda d: fuzz.set_at(d, path, value)


def both(*changes: Change) -> Change:
    def run(d: dict[str, Any]) -> None:
        for c in changes:
            c(d)

    return run


def add_rule(**rule: Any) -> Change:
    return lambda d: d["rules"].append(rule)


OSCILLATION = {
    "id": "no_bounce",
    "kind": "oscillation",
    "feature": "hip_extension",
    "cue": "Don't bounce",
    "description": "No bouncing at the top.",
    "phases": ["top"],
    "window_s": 2.0,
    "min_amplitude": 3.0,
    "max_reversals": 3,
}
NESTED_ARRAY = fuzz.Raw("[" * 600 + "1" + "]" * 600)


def dotted_reps(d: dict[str, Any]) -> None:
    presc = d["prescription"]
    del presc["reps"]
    presc[fuzz.RawKey("reps" + ".a" * 3000)] = fuzz.Raw("1")


# (id, spec, change, what the message must contain: strings, or tuples of alternatives)
ISSUE_7: list[tuple[str, str, Change, list[str | tuple[str, ...]]]] = [
    # Tracebacks on today's main.
    (
        "reps-nan",
        "glute_bridge",
        put(("prescription", "reps"), math.nan),
        ["prescription.reps", "nan"],
    ),
    (
        "reps-inf",
        "glute_bridge",
        put(("prescription", "reps"), math.inf),
        ["prescription.reps", "inf"],
    ),
    (
        "reps-pair-nan",
        "standing_hip_hike",
        put(("prescription", "reps"), [math.nan, 20]),
        ["prescription.reps", "nan"],
    ),
    (
        "5000-digit-integer",
        "glute_bridge",
        put(("prescription", "sets"), fuzz.Raw("9" * 5000)),
        ["sets"],
    ),
    ("int-too-large-for-float", "glute_bridge", put(("hold", "min_s"), 10**400), ["hold.min_s"]),
    (
        "int-too-large-for-float-threshold",
        "glute_bridge",
        put(("reps", 0, "enter"), {"above": 10**400}),
        ["reps[0].enter"],
    ),
    ("deep-nesting-arrays", "glute_bridge", put(("prescription", "reps"), NESTED_ARRAY), []),
    ("deep-nesting-dotted-keys", "glute_bridge", dotted_reps, []),
    # Nonsense accepted on today's main.
    (
        "enter-nan-counted-0-reps",
        "glute_bridge",
        put(("reps", 0, "enter"), {"above": math.nan}),
        ["reps[0].enter", "nan"],
    ),
    (
        "exit-neg-inf",
        "glute_bridge",
        put(("reps", 0, "exit"), {"below": -math.inf}),
        [("reps[0].exit", "reps[0].enter"), "inf"],
    ),
    (
        "hold-min_s-nan",
        "standing_hip_hike",
        put(("hold", "min_s"), math.nan),
        ["hold.min_s", "nan"],
    ),
    ("range-max-inf", "glute_bridge", put(("rules", 0, "max"), math.inf), ["rules[0].max", "inf"]),
    (
        "reach-value-nan",
        "glute_bridge",
        put(("rules", 2, "value"), math.nan),
        ["rules[2].value", "nan"],
    ),
    (
        "tempo-min_s-inf",
        "glute_bridge",
        put(("rules", 1, "min_s"), math.inf),
        ["rules[1].min_s", "inf"],
    ),
    (
        "hold-tolerance_s-inf",
        "standing_hip_hike",
        put(("hold", "tolerance_s"), math.inf),
        ["hold.tolerance_s", "inf"],
    ),
    (
        "negative-tempo-duration",
        "glute_bridge",
        put(("rules", 1, "min_s"), -0.7),
        ["rules[1].min_s", "-0.7"],
    ),
    ("zero-hold-duration", "glute_bridge", put(("hold", "min_s"), 0.0), ["hold.min_s", "0"]),
    ("negative-speed", "glute_bridge", put(("hold", "max_speed"), -5.0), ["hold.max_speed", "-5"]),
    ("zero-speed", "standing_hip_hike", put(("hold", "max_speed"), 0.0), ["hold.max_speed", "0"]),
    (
        "zero-window",
        "glute_bridge",
        add_rule(**dict(OSCILLATION, window_s=0.0)),
        ["rules[3].window_s", "0"],
    ),
    (
        "negative-window",
        "glute_bridge",
        add_rule(**dict(OSCILLATION, window_s=-2.0)),
        ["rules[3].window_s", "-2"],
    ),
    (
        "zero-count",
        "glute_bridge",
        add_rule(**dict(OSCILLATION, max_reversals=0)),
        ["rules[3].max_reversals", "0"],
    ),
    (
        "negative-amplitude",
        "glute_bridge",
        add_rule(**dict(OSCILLATION, min_amplitude=-3.0)),
        ["rules[3].min_amplitude", "-3"],
    ),
    (
        "reps-12.7",
        "glute_bridge",
        put(("prescription", "reps"), 12.7),
        ["prescription.reps", "12.7"],
    ),
    (
        "reps-pair-12.7",
        "standing_hip_hike",
        put(("prescription", "reps"), [12.7, 20]),
        ["prescription.reps", "12.7"],
    ),
    (
        "reps-pair-bool",
        "glute_bridge",
        put(("prescription", "reps"), [True, 15]),
        ["prescription.reps", ("True", "true")],
    ),
    (
        "tempo-min-above-max",
        "glute_bridge",
        put(("rules", 1, "max_s"), 0.35),
        [("rules[1].min_s", "rules[1].max_s", "rules[1]"), ("0.35", "0.7")],
    ),
    (
        "absolute-with-negative-max",
        "standing_hip_hike",
        both(put(("rules", 0, "absolute"), True), put(("rules", 0, "max"), -1.0)),
        [("rules[0].max", "rules[0].absolute"), "-1"],
    ),
    (
        "working-point-without-sides",
        "glute_bridge",
        put(("features", "hip_extension", "points", 1), "working:hip"),
        [("features.hip_extension.points", "prescription.sides"), "working:hip"],
    ),
    (
        "free-point-without-sides",
        "glute_bridge",
        put(("features", "pelvis_tilt", "points", 0), "free:hip"),
        [("features.pelvis_tilt.points", "prescription.sides"), "free:hip"],
    ),
    (
        "joint-angle-point-repeated",
        "glute_bridge",
        put(("features", "hip_extension", "points"), ["near:hip", "near:hip", "near:knee"]),
        ["features.hip_extension.points", "near:hip"],
    ),
    (
        "joint-angle-end-points-equal",
        "standing_hip_hike",
        put(("features", "working_knee", "points"), ["working:hip", "working:knee", "working:hip"]),
        ["features.working_knee.points", "working:hip"],
    ),
]


@pytest.mark.parametrize(
    ("spec_id", "change", "expect"), [c[1:] for c in ISSUE_7], ids=[c[0] for c in ISSUE_7]
)
def test_issue_7_each_bad_spec_gets_one_clean_line(
    tmp_path: Path, spec_id: str, change: Change, expect: list
):
    data = BY_ID[spec_id].copy()
    change(data)
    path = tmp_path / f"{spec_id}.toml"
    path.write_text(fuzz.dumps(data), encoding="utf-8")
    with pytest.raises(SpecError) as exc:
        load_spec(path)
    msg = str(exc.value)
    check_rejection(msg, path, [])
    for part in expect:
        options = part if isinstance(part, tuple) else (part,)
        assert any(o in msg for o in options), f"{' or '.join(options)} not in: {msg}"


@pytest.mark.parametrize(
    "ident", ["../outside", "sub/../../outside", "glute_bridge/../../outside", "<absolute>"]
)
def test_issue_7_exercise_id_never_loads_a_spec_from_outside_the_folder(tmp_path: Path, ident: str):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "glute_bridge.toml").write_bytes((SPEC_DIR / "glute_bridge.toml").read_bytes())
    (specs / "glute_bridge").mkdir()  # so that glute_bridge/../ resolves
    outside = dict(BY_ID["glute_bridge"].copy(), id="outside")
    (tmp_path / "outside.toml").write_text(fuzz.dumps(outside), encoding="utf-8")
    assert load_spec(tmp_path / "outside.toml").id == "outside"  # a valid spec, just elsewhere
    if ident == "<absolute>":
        ident = str(tmp_path / "outside")
    with pytest.raises(SpecError) as exc:
        get_spec(ident, specs)
    msg = str(exc.value)
    assert "\n" not in msg and ident in msg, msg
