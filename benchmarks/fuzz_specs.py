"""Mutation fuzzer for exercise specs: every malformed spec must get one clean line.

    python benchmarks/fuzz_specs.py [--seed 0] [--variants N] [--only CLASS ...] [-v] [SPEC ...]

Every shipped spec (exercise_specs/*.toml, or the files given) is mutated by
each mutation class below, over every field the class applies to. Each mutant
is written to a temporary folder under the spec's own file name and run through
``formcheck.cli.main(["check-spec", FILE])`` in-process, then classified:

* clean error: exit 2 with exactly one line on stderr and no traceback;
* traceback: an exception escaped ``main``, or the error was not one line;
* nonsense accepted: exit 0 on a mutant whose class MUST be rejected;
* fine: exit 0 on a mutant whose class may be accepted.

Clean errors that do not start with the file name, or do not name the mutated
field (or its parent table), are counted apart as "vague" (shown with -v).

A last section asks ``formcheck.spec.get_spec`` for exercise ids that are
paths (``../outside``), which must never load a spec from outside the folder.

Each mutation class carries its expectation (MUST be rejected, or MAY be
accepted); ``--list`` prints them. Deterministic for a given ``--seed``; runs
in a few seconds. Exit status 1 when anything escaped or nonsense was accepted.

The mutation catalogue is importable (``tests/test_spec_fuzz.py`` draws from it
with hypothesis): a class's ``targets(base)`` lists where it applies and
``make(base, target, pick)`` builds one mutant, drawing its values from
``pick`` (seeded :class:`RandomPick` here, hypothesis' ``data.draw`` there).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import math
import re
import shutil
import sys
import tempfile
import time
import tomllib
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

ROOT = Path(__file__).resolve().parents[1]
SPEC_DIR = ROOT / "exercise_specs"

T = TypeVar("T")
Key = str | int
FieldPath = tuple[Key, ...]

MUST = True  # a mutant of this class is nonsense: it must be rejected
MAY = False  # a mutant of this class may be accepted (it must still never crash)


# ---------------------------------------------------------------------------
# Drawing values: seeded here, hypothesis in the tests
# ---------------------------------------------------------------------------


class Pick(Protocol):
    def choice(self, options: Sequence[T]) -> T: ...
    def integer(self, lo: int, hi: int) -> int: ...
    def real(self, lo: float, hi: float) -> float: ...


class RandomPick:
    """:class:`Pick` from a seeded :class:`random.Random` (string seeds are stable)."""

    def __init__(self, seed: str) -> None:
        import random

        self.rng = random.Random(seed)

    def choice(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def real(self, lo: float, hi: float) -> float:
        x = round(self.rng.uniform(lo, hi), 3)
        return x if lo <= x <= hi else lo


# ---------------------------------------------------------------------------
# A small TOML writer (stdlib has only a reader)
# ---------------------------------------------------------------------------


class Raw(str):
    """A value written verbatim (e.g. a 5000-digit integer, which str() refuses)."""


class RawKey(str):
    """A key written verbatim (e.g. a dotted chain ``reps.a.a.a``)."""


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _key(k: Any) -> str:
    if isinstance(k, RawKey):
        return str(k)
    k = str(k)
    return k if _BARE_KEY.fullmatch(k) else _string(k)


def _string(s: str) -> str:
    out = []
    for ch in s:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _value(v: Any) -> str:
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        if not v:
            return "{}"
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def _is_table_array(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def dumps(data: dict[str, Any]) -> str:
    """``data`` as TOML: top-level tables as ``[name]``/``[[name]]``, everything below inline."""
    lines = [
        f"{_key(k)} = {_value(v)}"
        for k, v in data.items()
        if not isinstance(v, dict) and not _is_table_array(v)
    ]
    for k, v in data.items():
        if isinstance(v, dict):
            lines += ["", f"[{_key(k)}]"] + [f"{_key(kk)} = {_value(vv)}" for kk, vv in v.items()]
        elif _is_table_array(v):
            for t in v:
                lines += ["", f"[[{_key(k)}]]"]
                lines += [f"{_key(kk)} = {_value(vv)}" for kk, vv in t.items()]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Specs, paths and mutants
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Base:
    """A shipped spec: its file, text and parsed table (never mutated: copy first)."""

    path: Path
    text: str
    data: dict[str, Any]

    @property
    def stem(self) -> str:
        return self.path.stem

    @classmethod
    def load(cls, path: Path) -> Base:
        text = path.read_text(encoding="utf-8")
        return cls(path=path, text=text, data=tomllib.loads(text))

    def copy(self) -> dict[str, Any]:
        return copy.deepcopy(self.data)


@dataclass(frozen=True)
class Mutant:
    spec: str  # the spec's id (= file stem)
    cls: str  # mutation class
    detail: str  # what was changed, for humans
    content: bytes  # the file
    must_reject: bool
    # An error should name one of these fields (or its parent); empty: any field will do.
    fields: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.spec} {self.cls}: {self.detail}"


def path_text(path: FieldPath) -> str:
    """``("rules", 1, "min_s")`` -> ``rules[1].min_s``."""
    out = ""
    for k in path:
        out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else str(k))
    return out


def field_name(path: FieldPath) -> str:
    """The field an error should name: :func:`path_text` without trailing list indices
    (``prescription.reps[0]`` -> ``prescription.reps``)."""
    p = list(path)
    while p and isinstance(p[-1], int):
        p.pop()
    return path_text(tuple(p))


def _parent_field(name: str) -> str:
    m = re.match(r"^(.*?)(\.[^.\[\]]+|\[\d+\])$", name)
    return m.group(1) if m else ""


def names_field(message: str, fields: Sequence[str]) -> bool:
    """``message`` names one of ``fields`` (or one's parent table); True when none are given."""
    if not fields:
        return True
    for f in fields:
        for cand in (f, _parent_field(f)):
            if cand and re.search(rf"(?<![\w.\]]){re.escape(cand)}(?!\w)", message):
                return True
    return False


def get_at(d: Any, path: FieldPath) -> Any:
    for k in path:
        d = d[k]
    return d


def has_at(d: Any, path: FieldPath) -> bool:
    try:
        get_at(d, path)
    except (KeyError, IndexError, TypeError):
        return False
    return True


def set_at(d: Any, path: FieldPath, value: Any) -> None:
    get_at(d, path[:-1])[path[-1]] = value


def del_at(d: Any, path: FieldPath) -> None:
    del get_at(d, path[:-1])[path[-1]]


def show(v: Any) -> str:
    """A value as TOML, short: long literals and huge integers are summarised."""
    if isinstance(v, Raw) and len(v) > 40:
        return f"<{len(v)}-character literal {v[:12]}...>"
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 10**20:
        return f"<{len(str(abs(v)))}-digit integer>"
    text = _value(v)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------------------
# Where things are in a spec
# ---------------------------------------------------------------------------


def motion_paths(data: dict[str, Any]) -> list[FieldPath]:
    """``reps`` (a table), ``reps[i]`` (an array of tables) and ``hold`` with its own motion."""
    out: list[FieldPath] = []
    reps = data.get("reps")
    if isinstance(reps, dict):
        out.append(("reps",))
    elif isinstance(reps, list):
        out += [("reps", i) for i, t in enumerate(reps) if isinstance(t, dict)]
    hold = data.get("hold")
    if isinstance(hold, dict) and "feature" in hold:
        out.append(("hold",))
    return out


def rule_paths(data: dict[str, Any]) -> list[tuple[FieldPath, dict[str, Any]]]:
    rules = data.get("rules")
    if not isinstance(rules, list):
        return []
    return [(("rules", i), r) for i, r in enumerate(rules) if isinstance(r, dict)]


def feature_items(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    feats = data.get("features")
    if not isinstance(feats, dict):
        return []
    return [(n, t) for n, t in feats.items() if isinstance(t, dict)]


def has_sides(data: dict[str, Any]) -> bool:
    p = data.get("prescription")
    return isinstance(p, dict) and bool(p.get("sides"))


@dataclass(frozen=True)
class Num:
    """A numeric field: where, int or float, and its sign rule.

    ``sign``: ``any`` (thresholds, range bounds), ``nonneg`` (may be 0),
    ``positive`` (durations, windows, speeds, counts, targets), ``fraction`` (0..1).
    """

    path: FieldPath
    kind: str  # "int" | "float"
    sign: str
    present: bool
    # Fields an error may name instead (a bound's partner: min/max, enter/exit).
    also: tuple[str, ...] = ()


_RULE_NUMS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "range": (("min", "float", "any"), ("max", "float", "any")),
    "tempo": (
        ("min_s", "float", "positive"),
        ("max_s", "float", "positive"),
        ("from_frac", "float", "fraction"),
        ("to_frac", "float", "fraction"),
    ),
    "reach": (("value", "float", "any"),),
    "oscillation": (
        ("window_s", "float", "positive"),
        ("min_amplitude", "float", "positive"),
        ("max_reversals", "int", "positive"),
    ),
    "drift": (("max_change", "float", "nonneg"),),
    "hold_duration": (("min_s", "float", "positive"),),
}
_MOTION_NUMS = (
    ("min_range", "float", "nonneg"),
    ("min_duration_s", "float", "nonneg"),
    ("baseline_s", "float", "positive"),
)
_HOLD_NUMS = (
    ("min_s", "float", "positive"),
    ("tolerance_s", "float", "nonneg"),
    ("max_speed", "float", "positive"),
)
_PARTNER = {
    "min": "max",
    "max": "min",
    "min_s": "max_s",
    "max_s": "min_s",
    "from_frac": "to_frac",
    "to_frac": "from_frac",
}


def numeric_fields(data: dict[str, Any]) -> list[Num]:
    """Every numeric field of the spec, present or insertable (optional ones)."""
    out: list[Num] = []

    def add(table_path: FieldPath, table: dict[str, Any], specs: Sequence[tuple[str, str, str]]):
        for key, kind, sign in specs:
            also = (path_text((*table_path, _PARTNER[key])),) if key in _PARTNER else ()
            out.append(Num((*table_path, key), kind, sign, key in table, also))

    add((), data, (("schema_version", "int", "positive"), ("min_visibility", "float", "fraction")))
    presc = data.get("prescription")
    if isinstance(presc, dict):
        add(
            ("prescription",),
            presc,
            (
                ("reps", "int", "positive"),
                ("sets", "int", "positive"),
                ("hold_s", "float", "positive"),
            ),
        )
        for key, kind in (("reps", "int"), ("hold_s", "float")):
            if isinstance(presc.get(key), list):
                out += [
                    Num(("prescription", key, i), kind, "positive", True)
                    for i in range(len(presc[key]))
                ]
    for mp in motion_paths(data):
        m = get_at(data, mp)
        for end in ("enter", "exit"):
            th = m.get(end)
            if isinstance(th, dict):
                also = (path_text((*mp, "enter")), path_text((*mp, "exit")))
                out += [Num((*mp, end, d), "float", "any", True, also) for d in th]
        add(mp, m, _MOTION_NUMS)
    hold = data.get("hold")
    if isinstance(hold, dict):
        add(("hold",), hold, _HOLD_NUMS)
    for rp, r in rule_paths(data):
        add(rp, r, (("grace_s", "float", "nonneg"), *_RULE_NUMS.get(str(r.get("kind")), ())))
    return out


# ---------------------------------------------------------------------------
# Mutation classes
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """What a class's ``make`` returns: a new table (written with :func:`dumps`) or raw bytes."""

    detail: str
    data: dict[str, Any] | None = None
    content: bytes | None = None
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class MutationClass:
    name: str
    must_reject: bool
    doc: str
    targets: Callable[[Base], list[Any]]
    make: Callable[[Base, Any, Pick], Change]

    def mutant(self, base: Base, target: Any, pick: Pick) -> Mutant:
        ch = self.make(base, target, pick)
        content = ch.content if ch.content is not None else dumps(ch.data or {}).encode("utf-8")
        return Mutant(base.stem, self.name, ch.detail, content, self.must_reject, ch.fields)


CLASSES: dict[str, MutationClass] = {}


def mutation(name: str, must_reject: bool, doc: str, targets: Callable[[Base], list[Any]]):
    def deco(make: Callable[[Base, Any, Pick], Change]) -> Callable[[Base, Any, Pick], Change]:
        CLASSES[name] = MutationClass(name, must_reject, doc, targets, make)
        return make

    return deco


def _set_value(base: Base, num: Num, value: Any) -> Change:
    d = base.copy()
    set_at(d, num.path, value)
    verb = "=" if num.present else "added ="
    return Change(
        f"{path_text(num.path)} {verb} {show(value)}",
        data=d,
        fields=(field_name(num.path), *num.also),
    )


def _nums(pred: Callable[[Num], bool]) -> Callable[[Base], list[Num]]:
    return lambda base: [n for n in numeric_fields(base.data) if pred(n)]


def _value_class(
    name: str,
    must: bool,
    doc: str,
    pred: Callable[[Num], bool],
    value: Callable[[Num, Any, Pick], Any],
) -> None:
    def make(base: Base, num: Num, pick: Pick) -> Change:
        old = get_at(base.data, num.path) if num.present else None
        return _set_value(base, num, value(num, old, pick))

    mutation(name, must, doc, _nums(pred))(make)


_ALL = lambda n: True  # noqa: E731
_SIGNED = lambda n: n.sign == "any"  # noqa: E731
_UNSIGNED = lambda n: n.sign != "any"  # noqa: E731


def _neg(n: Num, old: Any, pick: Pick) -> Any:
    return -pick.integer(1, 1000) if n.kind == "int" else -pick.real(0.001, 1000.0)


def _huge(n: Num, old: Any, pick: Pick) -> Any:
    e = pick.integer(9, 300)
    return 10**e if pick.choice(("int", "float")) == "int" else float(f"1e{e}")


def _zero(n: Num, old: Any, pick: Pick) -> Any:
    return 0 if n.kind == "int" else 0.0


_value_class("nan", MUST, "NaN in any numeric field", _ALL, lambda n, o, p: math.nan)
_value_class("inf", MUST, "inf in any numeric field", _ALL, lambda n, o, p: math.inf)
_value_class("neg_inf", MUST, "-inf in any numeric field", _ALL, lambda n, o, p: -math.inf)
_value_class(
    "negative",
    MUST,
    "negative duration, speed, window, count, target, fraction or min_range",
    _UNSIGNED,
    _neg,
)
_value_class(
    "negative_signed",
    MAY,
    "negative threshold / range bound / reach value (tilts are signed)",
    _SIGNED,
    _neg,
)
_value_class(
    "zero",
    MUST,
    "zero where it must be > 0: time constants, windows, speeds, counts, targets, "
    "hold min_s, tempo min_s/max_s, min_amplitude",
    lambda n: n.sign == "positive",
    _zero,
)
_value_class(
    "zero_allowed",
    MAY,
    "zero where 0 can be meant (min_range, grace_s, tolerance_s, bounds, fractions)",
    lambda n: n.sign != "positive",
    _zero,
)
_value_class("huge", MUST, "a huge number (1e9..1e300) in any numeric field", _ALL, _huge)
_value_class(
    "too_big_for_float",
    MUST,
    "an integer too large for a float (10**309 and up)",
    _ALL,
    lambda n, o, p: 10 ** p.integer(309, 4000),
)
_value_class(
    "digits_5000",
    MUST,
    "an integer longer than Python's int-string limit (4301+ digits)",
    _ALL,
    lambda n, o, p: Raw("9" * p.integer(4301, 6000)),
)
_value_class(
    "non_integer",
    MUST,
    "a fractional number where an integer is required (12.7)",
    lambda n: n.kind == "int",
    lambda n, o, p: p.integer(1, 50) + p.choice((0.1, 0.5, 0.7)),
)
_value_class(
    "integral_float",
    MAY,
    "an integral float where an integer is required (12.0)",
    lambda n: n.kind == "int",
    lambda n, o, p: float(o if isinstance(o, int) else 12),
)
_value_class(
    "int_for_float",
    MAY,
    "an integer where a number is expected (160 for 160.0)",
    lambda n: n.kind == "float",
    lambda n, o, p: (
        int(o) if isinstance(o, (int, float)) and math.isfinite(o) else p.integer(1, 10)
    ),
)
_value_class(
    "bool_for_number",
    MUST,
    "true/false in a numeric field",
    _ALL,
    lambda n, o, p: p.choice((True, False)),
)
_value_class(
    "string_for_number",
    MUST,
    'a string in a numeric field ("12")',
    _ALL,
    lambda n, o, p: p.choice(("12", "ten", "", "nan")),
)
_value_class(
    "fraction_out_of_range",
    MUST,
    "a fraction (min_visibility, from_frac, to_frac) above 1",
    lambda n: n.sign == "fraction",
    lambda n, o, p: p.real(1.001, 1000.0),
)


# -- pairs that must be ordered ------------------------------------------------


def _swap_targets(base: Base) -> list[tuple[str, FieldPath]]:
    d = base.data
    out: list[tuple[str, FieldPath]] = []
    presc = d.get("prescription")
    if isinstance(presc, dict):
        out += [("pair", ("prescription", k)) for k in ("reps", "hold_s") if k in presc]
    for rp, r in rule_paths(d):
        kind = r.get("kind")
        if kind == "tempo":
            out += [("tempo_s", rp), ("tempo_frac", rp)]
        elif kind == "range":
            out.append(("range", rp))
    return out


@mutation(
    "swap_min_max",
    MUST,
    "lo > hi: prescription reps/hold_s [hi, lo], tempo min_s > max_s, "
    "from_frac < to_frac, range min > max",
    _swap_targets,
)
def _swap(base: Base, target: tuple[str, FieldPath], pick: Pick) -> Change:
    how, path = target
    d = base.copy()
    t = get_at(d, path)
    name = path_text(path)
    if how == "pair":
        v = get_at(d, path)
        if isinstance(v, list) and len(v) == 2 and v[0] != v[1]:
            new = [v[1], v[0]]
        else:
            x = v[0] if isinstance(v, list) and v else v
            x = x if isinstance(x, (int, float)) and not isinstance(x, bool) else 10
            new = [x + 5, x]
        set_at(d, path, new)
        return Change(f"{name} = {show(new)}", data=d, fields=(name,))
    if how == "tempo_s":
        if "min_s" in t:
            t["max_s"] = t["min_s"] / 2
        else:
            t["min_s"] = t["max_s"] * 2
        return Change(
            f"{name}: min_s {t['min_s']} > max_s {t['max_s']}",
            data=d,
            fields=(f"{name}.min_s", f"{name}.max_s"),
        )
    if how == "tempo_frac":
        ff, tf = t.get("from_frac", 0.8), t.get("to_frac", 0.2)
        t["from_frac"], t["to_frac"] = tf, ff
        return Change(
            f"{name}: from_frac {tf} < to_frac {ff}",
            data=d,
            fields=(f"{name}.from_frac", f"{name}.to_frac"),
        )
    # range
    if "min" in t and "max" in t:
        t["min"], t["max"] = t["max"], t["min"]
    elif "max" in t:
        t["min"] = t["max"] + pick.choice((1.0, 10.0))
    else:
        t["max"] = t["min"] - pick.choice((1.0, 10.0))
    return Change(
        f"{name}: min {t['min']} > max {t['max']}", data=d, fields=(f"{name}.min", f"{name}.max")
    )


# -- thresholds ----------------------------------------------------------------

_THRESHOLD_MISTAKES = (
    "same_direction",
    "swapped_values",
    "flipped_directions",
    "no_dead_band",
    "both_directions",
    "empty",
    "unknown_direction",
)


def _threshold_targets(base: Base) -> list[tuple[FieldPath, str]]:
    out = []
    for mp in motion_paths(base.data):
        m = get_at(base.data, mp)
        if all(isinstance(m.get(k), dict) and len(m[k]) == 1 for k in ("enter", "exit")):
            out += [(mp, how) for how in _THRESHOLD_MISTAKES]
    return out


def _flip(direction: str) -> str:
    return "below" if direction == "above" else "above"


@mutation(
    "threshold_direction",
    MUST,
    "enter/exit inconsistent with their direction: same direction, values swapped, "
    "directions flipped, no dead band, both/no/unknown direction keys",
    _threshold_targets,
)
def _threshold(base: Base, target: tuple[FieldPath, str], pick: Pick) -> Change:
    mp, how = target
    d = base.copy()
    m = get_at(d, mp)
    (ed, ev), (xd, xv) = next(iter(m["enter"].items())), next(iter(m["exit"].items()))
    if how == "same_direction":
        m["exit"] = {ed: xv}
    elif how == "swapped_values":
        m["enter"], m["exit"] = {ed: xv}, {xd: ev}
    elif how == "flipped_directions":
        m["enter"], m["exit"] = {_flip(ed): ev}, {_flip(xd): xv}
    elif how == "no_dead_band":
        m["exit"] = {xd: ev}
    elif how == "both_directions":
        m["enter"] = {ed: ev, _flip(ed): xv}
    elif how == "empty":
        m["enter"] = {}
    else:
        m["enter"] = {"over": ev}
    name = path_text(mp)
    return Change(
        f"{name}: {how}: enter {show(m['enter'])}, exit {show(m['exit'])}",
        data=d,
        fields=(f"{name}.enter", f"{name}.exit"),
    )


def _kind_of(data: dict[str, Any], feature: Any) -> tuple[str, str]:
    f = data.get("features", {}).get(feature) if isinstance(feature, str) else None
    if not isinstance(f, dict):
        return "", ""
    return str(f.get("kind")), str(f.get("reference", "horizontal"))


def _limit(kind: str, ref: str) -> float | None:
    """The largest |value| a feature can take (angles), or None (unbounded ratios)."""
    if kind == "joint_angle":
        return 180.0
    if kind == "segment_tilt":
        return 90.0 if ref == "horizontal" else 180.0
    return None


def _outside_targets(base: Base) -> list[tuple[FieldPath, str]]:
    d = base.data
    out: list[tuple[FieldPath, str]] = []
    for mp in motion_paths(d):
        m = get_at(d, mp)
        kind, ref = _kind_of(d, m.get("feature"))
        if (
            _limit(kind, ref) is not None
            and not m.get("relative")
            and isinstance(m.get("enter"), dict)
        ):
            out.append((mp, "enter"))
    for rp, r in rule_paths(d):
        kind, ref = _kind_of(d, r.get("feature"))
        if r.get("kind") == "range" and _limit(kind, ref) is not None:
            out += [(rp, k) for k in ("min", "max") if k in r]
    return out


@mutation(
    "threshold_outside_feature_range",
    MUST,
    "(extra) a threshold or range bound an angle can never reach: joint angle > 180, "
    "horizontal tilt beyond 90, vertical tilt beyond 180",
    _outside_targets,
)
def _outside(base: Base, target: tuple[FieldPath, str], pick: Pick) -> Change:
    path, key = target
    d = base.copy()
    t = get_at(d, path)
    kind, ref = _kind_of(d, t.get("feature"))
    lim = _limit(kind, ref) or 180.0
    v = lim + pick.choice((1.0, 20.0, 500.0))
    name = path_text(path)
    if key == "enter":
        direction = next(iter(t["enter"]))
        t["enter"] = {direction: v if direction == "above" else -v}
        detail = f"{name}.enter = {show(t['enter'])} on a {kind}"
        fields: tuple[str, ...] = (f"{name}.enter",)
    else:
        t[key] = v
        if "min" in t and "max" in t and t["min"] >= t["max"]:
            del t["max" if key == "min" else "min"]  # keep it one mistake, not two
        detail = f"{name}.{key} = {v} on a {kind}"
        fields = (f"{name}.{key}",)
    return Change(detail, data=d, fields=fields)


def _range_rules(base: Base) -> list[tuple[FieldPath, str]]:
    return [
        (rp, b)
        for rp, r in rule_paths(base.data)
        if r.get("kind") == "range"
        for b in ("max", "min")
    ]


@mutation(
    "absolute_negative_bound",
    MUST,
    "absolute = true with a negative max (never satisfied) or negative min (vacuous)",
    _range_rules,
)
def _absolute(base: Base, target: tuple[FieldPath, str], pick: Pick) -> Change:
    rp, bound = target
    d = base.copy()
    r = get_at(d, rp)
    r["absolute"] = True
    v = -pick.choice((1.0, 5.0, 0.5))
    if bound == "max":
        r.pop("min", None)
        r["max"] = v
    else:
        r["min"] = v
    name = path_text(rp)
    return Change(
        f"{name}: absolute = true, {bound} = {v}",
        data=d,
        fields=(f"{name}.{bound}", f"{name}.absolute"),
    )


# -- side references -------------------------------------------------------------


def _point_slots(data: dict[str, Any]) -> list[tuple[FieldPath, str]]:
    """(path of a point string, the point) for every feature's points and normalise."""
    out: list[tuple[FieldPath, str]] = []
    for name, f in feature_items(data):
        for key in ("points", "normalise"):
            pts = f.get(key)
            if isinstance(pts, list):
                out += [
                    (("features", name, key, i), p) for i, p in enumerate(pts) if isinstance(p, str)
                ]
    return out


def _part(point: str) -> str:
    if ":" in point:
        return point.split(":", 1)[1]
    return point.split("_", 1)[1] if "_" in point else point


def _side_ref_targets(want_sides: bool) -> Callable[[Base], list[tuple[FieldPath, str]]]:
    def targets(base: Base) -> list[tuple[FieldPath, str]]:
        if has_sides(base.data) != want_sides:
            return []
        return [
            (path, side)
            for path, p in _point_slots(base.data)
            if not p.startswith(("working:", "free:"))
            for side in ("working", "free")
        ]

    return targets


def _side_ref(base: Base, target: tuple[FieldPath, str], pick: Pick) -> Change:
    path, side = target
    d = base.copy()
    old = get_at(d, path)
    new = f"{side}:{_part(old)}"
    set_at(d, path, new)
    name = field_name(path)
    return Change(
        f"{name}[{path[-1]}] {old!r} -> {new!r}", data=d, fields=(name, "prescription.sides")
    )


mutation(
    "side_refs_without_sides",
    MUST,
    "working:/free: point references in a spec without prescription.sides",
    _side_ref_targets(False),
)(_side_ref)
mutation(
    "side_refs_with_sides",
    MAY,
    "working:/free: point references in a spec with sides (control)",
    _side_ref_targets(True),
)(_side_ref)


def _sides_removed_targets(base: Base) -> list[str]:
    uses = any(p.startswith(("working:", "free:")) for _, p in _point_slots(base.data))
    return ["delete", "empty"] if has_sides(base.data) and uses else []


@mutation(
    "sides_removed",
    MUST,
    "prescription.sides removed or [] while features use working:/free:",
    _sides_removed_targets,
)
def _sides_removed(base: Base, target: str, pick: Pick) -> Change:
    d = base.copy()
    if target == "delete":
        del d["prescription"]["sides"]
    else:
        d["prescription"]["sides"] = []
    users = sorted(
        {field_name(p) for p, pt in _point_slots(d) if pt.startswith(("working:", "free:"))}
    )
    return Change(
        f"prescription.sides {target}d" if target == "delete" else "prescription.sides = []",
        data=d,
        fields=("prescription.sides", *users),
    )


def _sides_repeated_targets(base: Base) -> list[str]:
    return ["left", "right"] if has_sides(base.data) else []


@mutation(
    "sides_repeated",
    MUST,
    'prescription.sides with a side twice (["left", "left"])',
    _sides_repeated_targets,
)
def _sides_repeated(base: Base, target: str, pick: Pick) -> Change:
    d = base.copy()
    d["prescription"]["sides"] = [target, target]
    return Change(
        f"prescription.sides = [{target!r}, {target!r}]", data=d, fields=("prescription.sides",)
    )


def _repeat_targets(base: Base) -> list[tuple[str, str, int, int]]:
    out = []
    for name, f in feature_items(base.data):
        for key in ("points", "normalise"):
            pts = f.get(key)
            if not isinstance(pts, list):
                continue
            out += [
                (name, key, i, j)
                for i in range(len(pts))
                for j in range(len(pts))
                if i != j and pts[i] != pts[j]
            ]
    return out


@mutation(
    "repeated_point",
    MUST,
    "a feature with one point repeated (joint angle a-a-c / a-b-a, tilt a-a, "
    "normalise [a, a]): a zero-length segment or a constant",
    _repeat_targets,
)
def _repeat(base: Base, target: tuple[str, str, int, int], pick: Pick) -> Change:
    name, key, i, j = target
    d = base.copy()
    pts = d["features"][name][key]
    pts[j] = pts[i]
    fname = f"features.{name}.{key}"
    return Change(f"{fname} = {show(pts)}", data=d, fields=(fname,))


# -- file-level ------------------------------------------------------------------

_NEST_TARGETS: tuple[FieldPath, ...] = (
    ("prescription", "reps"),
    ("min_visibility",),
    ("rules", 0, "cue"),
)


def _nest_targets(base: Base) -> list[tuple[str, int, FieldPath]]:
    out = []
    for path in _NEST_TARGETS:
        if has_at(base.data, path):
            out += [
                (style, depth, path)
                for style, depths in (
                    ("array", (40, 600)),
                    ("inline_table", (40, 600)),
                    ("dotted", (40, 3000)),
                )
                for depth in depths
            ]
    return out


@mutation(
    "deep_nesting",
    MUST,
    "a value nested 40 / 600 deep (arrays, inline tables) or 40 / 3000 deep "
    "(dotted keys, which tomllib reads without recursing)",
    _nest_targets,
)
def _nest(base: Base, target: tuple[str, int, FieldPath], pick: Pick) -> Change:
    style, depth, path = target
    d = base.copy()
    if style == "array":
        set_at(d, path, Raw("[" * depth + "1" + "]" * depth))
    elif style == "inline_table":
        set_at(d, path, Raw("{ a = " * depth + "1" + " }" * depth))
    else:
        table = get_at(d, path[:-1])
        items = list(table.items())
        table.clear()
        for k, v in items:
            if k == path[-1]:
                table[RawKey(f"{k}" + ".a" * depth)] = Raw("1")
            else:
                table[k] = v
    return Change(f"{path_text(path)}: {style} nested {depth} deep", data=d)


@mutation(
    "bom",
    MAY,
    "a UTF-8 byte-order mark at the start (read_toml skips it); CRLF lines",
    lambda base: ["bom", "crlf", "bom+crlf"],
)
def _bom(base: Base, target: str, pick: Pick) -> Change:
    text = base.text.replace("\n", "\r\n") if "crlf" in target else base.text
    raw = text.encode("utf-8")
    return Change(target, content=(b"\xef\xbb\xbf" + raw) if "bom" in target else raw)


@mutation(
    "not_utf8",
    MUST,
    "a byte that is not UTF-8, Latin-1 text, or the file in UTF-16",
    lambda base: ["ff_byte", "latin1", "utf16", "utf16_no_bom"],
)
def _not_utf8(base: Base, target: str, pick: Pick) -> Change:
    raw = base.text.encode("utf-8")
    if target == "ff_byte":
        i = raw.index(b'name = "') + len(b'name = "')
        return Change("0xff inside name", content=raw[:i] + b"\xff" + raw[i:])
    if target == "latin1":
        i = raw.index(b'name = "') + len(b'name = "')
        return Change(
            "Latin-1 'e-acute' inside name", content=raw[:i] + "é".encode("latin-1") + raw[i:]
        )
    if target == "utf16":
        return Change("whole file in UTF-16 with BOM", content=base.text.encode("utf-16"))
    return Change("whole file in UTF-16-LE without BOM", content=base.text.encode("utf-16-le"))


@mutation(
    "truncated",
    MAY,
    "the file cut short at a random byte (may still be a valid spec: crash check only)",
    lambda base: list(range(8)),
)
def _truncated(base: Base, target: int, pick: Pick) -> Change:
    raw = base.text.encode("utf-8")
    seg = len(raw) // 8
    cut = pick.integer(max(1, target * seg), max(1, (target + 1) * seg - 1))
    return Change(f"cut at byte {cut} of {len(raw)}", content=raw[:cut])


@mutation(
    "empty_file",
    MUST,
    "an empty, blank or comment-only file",
    lambda base: ["", "\n\n  \n", "# nothing here\n"],
)
def _empty(base: Base, target: str, pick: Pick) -> Change:
    return Change(f"file = {target!r}", content=target.encode())


_INVALID = (
    "duplicate_key",
    "unclosed_string",
    "garbage_line",
    "unclosed_array",
    "nul_in_string",
    "bad_escape",
    "table_twice",
)


@mutation(
    "invalid_toml",
    MUST,
    "not TOML: duplicate key, unclosed string/array, garbage line, NUL in a string, "
    "bad escape, a table defined twice",
    lambda base: list(_INVALID),
)
def _invalid(base: Base, target: str, pick: Pick) -> Change:
    t = base.text
    name_line = next(ln for ln in t.splitlines() if ln.startswith("name = "))
    if target == "duplicate_key":
        t = t.replace(name_line, name_line + "\n" + name_line, 1)
    elif target == "unclosed_string":
        t = t.replace(name_line, name_line.rstrip().rstrip('"'), 1)
    elif target == "garbage_line":
        t = t.replace(name_line, name_line + "\nthis is not toml", 1)
    elif target == "unclosed_array":
        t = re.sub(r"(?m)^instructions = \[", "instructions = [[", t, count=1)
    elif target == "nul_in_string":
        t = t.replace(name_line, name_line[:-1] + "\x00" + '"', 1)
    elif target == "bad_escape":
        t = t.replace(name_line, name_line[:-1] + '\\q"', 1)
    else:
        t = t + '\n[prescription]\ntext = "again"\n'
    return Change(target, content=t.encode("utf-8"))


# -- keys ----------------------------------------------------------------------------


def _tables(data: dict[str, Any]) -> list[FieldPath]:
    """Paths of every table a spec has (top, prescription, features, motions, hold, rules,
    thresholds)."""
    out: list[FieldPath] = [()]
    if isinstance(data.get("prescription"), dict):
        out.append(("prescription",))
    out += [("features", n) for n, _ in feature_items(data)]
    for mp in motion_paths(data):
        out.append(mp)
        m = get_at(data, mp)
        out += [(*mp, k) for k in ("enter", "exit") if isinstance(m.get(k), dict)]
    if isinstance(data.get("hold"), dict) and ("hold",) not in out:
        out.append(("hold",))
    out += [rp for rp, _ in rule_paths(data)]
    return out


@mutation(
    "unknown_key", MUST, "an unknown key (colour = ...) in any table", lambda b: _tables(b.data)
)
def _unknown(base: Base, path: FieldPath, pick: Pick) -> Change:
    d = base.copy()
    get_at(d, path)["colour"] = pick.choice(("red", 1, True))
    name = field_name((*path, "colour"))
    return Change(f"{name} added", data=d, fields=(name,))


def _key_slots(data: dict[str, Any]) -> list[FieldPath]:
    return [(*tp, k) for tp in _tables(data) for k in get_at(data, tp)]


@mutation(
    "misspelt_key",
    MUST,
    "a known key misspelt (min_s -> min_ / min_ss / min-s)",
    lambda b: _key_slots(b.data),
)
def _misspelt(base: Base, path: FieldPath, pick: Pick) -> Change:
    how = pick.choice(("drop", "double", "dash"))
    d = base.copy()
    table = get_at(d, path[:-1])
    key = str(path[-1])
    new = {"drop": key[:-1], "double": key + key[-1], "dash": key.replace("_", "-")}[how]
    if new == key or new in table or not new:
        new = key + "x"
    items = list(table.items())
    table.clear()
    for k, v in items:
        table[new if k == key else k] = v
    return Change(
        f"{field_name(path)} renamed {new!r}",
        data=d,
        fields=(field_name((*path[:-1], new)), field_name(path)),
    )


_REQUIRED_TOP = (
    "schema_version",
    "id",
    "name",
    "category",
    "view",
    "camera",
    "instructions",
    "source",
    "prescription",
)
_REQUIRED_RULE = {
    "range": ("feature",),
    "oscillation": ("feature",),
    "drift": ("feature", "max_change"),
    "tempo": ("phase",),
    "hold_duration": ("min_s",),
}


def required_fields(data: dict[str, Any]) -> list[tuple[FieldPath, ...]]:
    """Groups of fields a spec cannot do without (a group: removing all of them)."""
    out: list[tuple[FieldPath, ...]] = [((k,),) for k in _REQUIRED_TOP if k in data]
    if isinstance(data.get("prescription"), dict):
        out += [(("prescription", k),) for k in ("text", "source") if k in data["prescription"]]
    for name, f in feature_items(data):
        keys = ["kind", "points"] + (
            ["normalise"] if f.get("kind") in ("height", "distance") else []
        )
        out += [(("features", name, k),) for k in keys if k in f]
    for mp in motion_paths(data):
        m = get_at(data, mp)
        out += [((*mp, k),) for k in ("feature", "enter", "exit") if k in m]
    hold = data.get("hold")
    if isinstance(hold, dict) and "feature" not in hold and "reps" in data:
        out.append((("reps",),))
    for rp, r in rule_paths(data):
        kind = str(r.get("kind"))
        out += [((*rp, k),) for k in ("id", "kind", "cue", "description") if k in r]
        out += [((*rp, k),) for k in _REQUIRED_RULE.get(kind, ()) if k in r]
        pair = {"range": ("min", "max"), "tempo": ("min_s", "max_s")}.get(kind)
        if pair:
            out.append(tuple((*rp, k) for k in pair if k in r))
    return [g for g in out if g]


def _optional_fields(data: dict[str, Any]) -> list[FieldPath]:
    req = {p for g in required_fields(data) for p in g}
    out = []
    for tp in _tables(data):
        if tp and tp[-1] in ("enter", "exit"):
            continue
        out += [(*tp, k) for k in get_at(data, tp) if (*tp, k) not in req]
    return out


@mutation(
    "missing_required",
    MUST,
    "a required field removed (every required field, in turn)",
    lambda b: required_fields(b.data),
)
def _missing(base: Base, group: tuple[FieldPath, ...], pick: Pick) -> Change:
    d = base.copy()
    for p in group:
        del_at(d, p)
    names = tuple(field_name(p) for p in group)
    # A removed table is reported where it is needed, not necessarily by its own name.
    extra = ("hold.feature", "hold") if names == ("reps",) else ()
    return Change(" and ".join(names) + " removed", data=d, fields=names + extra)


@mutation(
    "missing_optional",
    MAY,
    "an optional field removed (may fail elsewhere, cleanly)",
    lambda b: _optional_fields(b.data),
)
def _missing_opt(base: Base, path: FieldPath, pick: Pick) -> Change:
    d = base.copy()
    del_at(d, path)
    return Change(f"{field_name(path)} removed", data=d)


# -- types and values -----------------------------------------------------------------


def _typed_slots(data: Any, path: FieldPath = ()) -> list[tuple[FieldPath, str]]:
    """(path, type) of every string, bool, list and table (not numbers: the value classes)."""
    out: list[tuple[FieldPath, str]] = []
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for k, v in items:
        p = (*path, k)
        if isinstance(v, bool):
            out.append((p, "bool"))
        elif isinstance(v, str):
            out.append((p, "str"))
        elif isinstance(v, dict):
            out.append((p, "table"))
            out += _typed_slots(v, p)
        elif isinstance(v, list):
            if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
                out.append((p, "list"))  # number pairs ([10, 15]) are the value classes'
            out += _typed_slots(v, p)
    # `features` and `rules` themselves and the enter/exit tables are covered as well.
    return out


_WRONG = {
    "str": (1, True, ["x"], {"a": 1}),
    "bool": ("yes", 1, ["x"]),
    "list": ("side", 1, {"a": 1}, [1]),
    "table": ("x", 1, [1], True),
}


def _wrong_targets(base: Base) -> list[FieldPath]:
    """Every string, bool, list and table; of the strings in a list, the first only."""
    return [
        p
        for p, t in _typed_slots(base.data)
        if not (t == "str" and isinstance(p[-1], int) and p[-1] > 0)
    ]


@mutation(
    "wrong_type",
    MUST,
    'a table, list, string or boolean replaced by another type (prescription = "x", '
    'views = "side", points = [1], relative = 1, name = 1, ...)',
    _wrong_targets,
)
def _wrong(base: Base, path: FieldPath, pick: Pick) -> Change:
    d = base.copy()
    kind = next(t for p, t in _typed_slots(base.data) if p == path)
    value = copy.deepcopy(pick.choice(_WRONG[kind]))
    set_at(d, path, value)
    return Change(f"{path_text(path)} ({kind}) = {show(value)}", data=d, fields=(field_name(path),))


_EMPTY = (
    ("name",),
    ("camera",),
    ("source",),
    ("instructions",),
    ("views",),
    ("prescription", "text"),
    ("prescription", "source"),
)


def _empty_targets(base: Base) -> list[FieldPath]:
    d = base.data
    out: list[FieldPath] = [p for p in _EMPTY if has_at(d, p)]
    out += [("features", n, "points") for n, _ in feature_items(d)]
    for rp, r in rule_paths(d):
        out += [(*rp, k) for k in ("id", "cue", "description", "phases") if k in r]
    return out


@mutation(
    "empty_value",
    MUST,
    "(extra) a required text or list left empty: name, camera, source, prescription "
    'text/source, rule id/cue/description = ""; instructions, views, points, '
    "phases = []",
    _empty_targets,
)
def _emptyval(base: Base, path: FieldPath, pick: Pick) -> Change:
    d = base.copy()
    old = get_at(d, path)
    new: Any = [] if isinstance(old, list) else ""
    set_at(d, path, new)
    return Change(f"{field_name(path)} = {show(new)}", data=d, fields=(field_name(path),))


def _choice_slots(data: dict[str, Any]) -> list[tuple[FieldPath, str]]:
    """Strings from a closed vocabulary, with a wrong value for each."""
    out: list[tuple[FieldPath, str]] = []
    for k, bad in (
        ("category", "strenght"),
        ("view", "top"),
        ("key_feature", "hip_extensio"),
        ("id", "Glute-Bridge"),
        ("posture", "upside_down"),
    ):
        if isinstance(data.get(k), str):
            out.append(((k,), bad))
    if isinstance(data.get("views"), list):
        out += [(("views", i), "top") for i in range(len(data["views"]))]
    presc = data.get("prescription")
    if isinstance(presc, dict) and isinstance(presc.get("sides"), list):
        out += [(("prescription", "sides", i), "middle") for i in range(len(presc["sides"]))]
    for name, f in feature_items(data):
        fp = ("features", name)
        out += [((*fp, "kind"), "angle"), ((*fp, "reference"), "diagonal"), ((*fp, "space"), "3d")]
        if isinstance(f.get("views"), list):
            out += [((*fp, "views", i), "top") for i in range(len(f["views"]))]
        for key in ("points", "normalise"):
            if isinstance(f.get(key), list):
                for i in range(len(f[key])):
                    out += [
                        ((*fp, key, i), bad)
                        for bad in ("left_hipp", "nearr:hip", "near:hipp", "LEFT_HIP", "near:")
                    ]
    for mp in motion_paths(data):
        out += [((*mp, "feature"), "undefined_feature"), ((*mp, "confidence"), "medium")]
    for rp, r in rule_paths(data):
        out.append(((*rp, "kind"), "speed"))
        if "feature" in r:
            out.append(((*rp, "feature"), "undefined_feature"))
        if "phase" in r:
            out.append(((*rp, "phase"), "top"))
        if isinstance(r.get("phases"), list):
            out += [((*rp, "phases", i), "middle") for i in range(len(r["phases"]))]
        if isinstance(r.get("views"), list):
            out += [((*rp, "views", i), "top") for i in range(len(r["views"]))]
    return out


@mutation(
    "bad_choice",
    MUST,
    "a name outside its closed vocabulary (category, view, kind, landmark, side prefix, "
    "body part, phase, confidence, posture, an undefined feature, a non-snake-case id)",
    lambda b: _choice_slots(b.data),
)
def _bad_choice(base: Base, target: tuple[FieldPath, str], pick: Pick) -> Change:
    path, bad = target
    d = base.copy()
    set_at(d, path, bad)
    return Change(f"{path_text(path)} = {bad!r}", data=d, fields=(field_name(path),))


@mutation(
    "spec_identity",
    MUST,
    "id not matching the file name; schema_version 2; two rules with one id",
    lambda b: (
        ["id_mismatch", "schema_version"]
        + (["duplicate_rule_id"] if len(rule_paths(b.data)) > 1 else [])
    ),
)
def _identity(base: Base, target: str, pick: Pick) -> Change:
    d = base.copy()
    if target == "id_mismatch":
        d["id"] = "some_other_exercise"
        return Change("id = 'some_other_exercise'", data=d, fields=("id",))
    if target == "schema_version":
        d["schema_version"] = 2
        return Change("schema_version = 2", data=d, fields=("schema_version",))
    d["rules"][1]["id"] = d["rules"][0]["id"]
    return Change(
        f"rules[1].id = {d['rules'][0]['id']!r} (as rules[0])", data=d, fields=("rules[1].id",)
    )


@mutation(
    "roundtrip",
    MAY,
    "the spec unchanged, rewritten by this fuzzer's TOML writer (control)",
    lambda b: ["roundtrip"],
)
def _roundtrip(base: Base, target: str, pick: Pick) -> Change:
    return Change("unchanged", data=base.copy())


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    verdict: str  # "clean" | "traceback" | "nonsense" | "fine"
    message: str = ""
    vague: bool = False


def _where(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "formcheck" in f.filename]
    if not frames:
        return ""
    f = frames[-1]
    return f" at {Path(f.filename).parent.name}/{Path(f.filename).name}:{f.lineno}"


def run_mutant(m: Mutant, workdir: Path) -> Outcome:
    """Write ``m`` as ``workdir/<spec>.toml`` and run ``formcheck check-spec`` on it."""
    from formcheck.cli import main

    path = workdir / f"{m.spec}.toml"
    path.write_bytes(m.content)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["check-spec", str(path)])
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # anything escaping main is a traceback for the user
        text = " ".join(str(exc).split())
        return Outcome("traceback", f"{type(exc).__name__}: {text[:160]}{_where(exc)}")
    lines = [ln for ln in err.getvalue().splitlines() if ln.strip()]
    if code == 0:
        return Outcome("nonsense" if m.must_reject else "fine")
    if code == 2 and len(lines) == 1 and "Traceback" not in lines[0]:
        msg = lines[0].removeprefix("formcheck: error: ")
        vague = not msg.startswith(f"{m.spec}.toml") and not msg.startswith(str(path))
        vague = vague or not names_field(msg, m.fields)
        return Outcome("clean", msg, vague)
    shown = " | ".join(lines[:3])[:200]
    return Outcome("traceback", f"exit {code} with {len(lines)} stderr lines: {shown}")


def all_mutants(
    bases: Sequence[Base], seed: int, variants: int = 1, only: Sequence[str] = ()
) -> list[Mutant]:
    out = []
    for base in bases:
        for cname, cls in CLASSES.items():
            if only and cname not in only:
                continue
            for i, target in enumerate(cls.targets(base)):
                for v in range(variants):
                    pick = RandomPick(f"{seed}:{base.stem}:{cname}:{i}:{v}")
                    out.append(cls.mutant(base, target, pick))
    return out


#: Exercise ids that are paths; ``outside.toml`` sits next to the spec folder. The absolute
#: path of that file (without .toml) is tried as well.
EXERCISE_IDS = ("../outside", "sub/../../outside", "glute_bridge/../../outside", "", "..")


def check_exercise_ids(workdir: Path, bases: Sequence[Base]) -> list[tuple[str, Outcome]]:
    """get_spec(id) for ids that are paths: a clean SpecError, never a spec from outside."""
    from formcheck.errors import SpecError
    from formcheck.spec import get_spec

    specs = workdir / "ids" / "specs"
    specs.mkdir(parents=True, exist_ok=True)
    for b in bases:
        shutil.copy(b.path, specs / b.path.name)
    outside = dict(bases[0].data, id="outside")
    (workdir / "ids" / "outside.toml").write_text(dumps(outside), encoding="utf-8")
    results = []
    for ident in (*EXERCISE_IDS, str(workdir / "ids" / "outside")):
        try:
            spec = get_spec(ident, specs)
        except SpecError as err:
            lines = str(err).splitlines()
            results.append((ident, Outcome("clean" if len(lines) == 1 else "traceback", str(err))))
        except Exception as exc:
            results.append((ident, Outcome("traceback", f"{type(exc).__name__}: {exc}")))
        else:
            results.append((ident, Outcome("nonsense", f"loaded {spec.id!r} from outside")))
    return results


def list_classes() -> str:
    lines = []
    for c in CLASSES.values():
        lines.append(f"  {c.name:<32} {'MUST reject' if c.must_reject else 'may accept '}  {c.doc}")
    lines.append(
        f"  {'exercise_id':<32} MUST reject  get_spec(id) with ids that are paths "
        "(../outside, an absolute path, ...)"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("specs", nargs="*", type=Path, help="spec files (default: every shipped spec)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--variants", type=int, default=1, help="mutants per class and target")
    ap.add_argument("--only", nargs="+", default=(), metavar="CLASS", choices=sorted(CLASSES))
    ap.add_argument("--list", action="store_true", help="list the mutation classes and exit")
    ap.add_argument("-v", "--verbose", action="store_true", help="also list vague errors")
    args = ap.parse_args(argv)
    if args.list:
        print(list_classes())
        return 0
    sys.path.insert(0, str(ROOT))
    paths = args.specs or sorted(SPEC_DIR.glob("*.toml"))
    bases = [Base.load(p) for p in paths]
    t0 = time.perf_counter()
    mutants = all_mutants(bases, args.seed, args.variants, args.only)
    per_class: dict[str, Counter[str]] = defaultdict(Counter)
    failures: list[tuple[Mutant, Outcome]] = []
    vague: list[tuple[Mutant, Outcome]] = []
    with tempfile.TemporaryDirectory(prefix="fuzz_specs_") as tmp:
        work = Path(tmp)
        for m in mutants:
            o = run_mutant(m, work)
            per_class[m.cls][o.verdict] += 1
            if o.verdict in ("traceback", "nonsense"):
                failures.append((m, o))
            elif o.vague:
                vague.append((m, o))
            if m.cls == "roundtrip" and o.verdict != "fine":
                print(
                    f"fuzz_specs: harness error: {m.spec} does not survive the TOML writer: "
                    f"{o.message}",
                    file=sys.stderr,
                )
                return 2
        ids = [] if args.only else check_exercise_ids(work, bases)
    for ident, o in ids:
        per_class["exercise_id"][o.verdict] += 1
        if o.verdict in ("traceback", "nonsense"):
            failures.append((Mutant("-", "exercise_id", f"get_spec({ident!r})", b"", True), o))
    elapsed = time.perf_counter() - t0
    total = Counter[str]()
    for c in per_class.values():
        total.update(c)
    tried = sum(total.values())

    print(
        f"fuzz_specs: {len(bases)} specs ({', '.join(b.stem for b in bases)}), "
        f"seed {args.seed}, {elapsed:.1f} s"
    )
    print(
        f"{'class':<32} {'expect':<6} {'tried':>6} {'clean':>6} {'trace':>6} {'nonsense':>8}"
        f" {'fine':>5}"
    )
    for name in [*list(CLASSES), "exercise_id"]:
        row = per_class.get(name)
        if not row:
            continue
        must = CLASSES[name].must_reject if name in CLASSES else True
        print(
            f"{name:<32} {'MUST' if must else 'may':<6} {sum(row.values()):>6} {row['clean']:>6} "
            f"{row['traceback']:>6} {row['nonsense']:>8} {row['fine']:>5}"
        )
    print()
    print(
        f"tried {tried}: clean errors {total['clean']}, tracebacks {total['traceback']}, "
        f"nonsense accepted {total['nonsense']}, fine (accepted, allowed) {total['fine']}; "
        f"vague clean errors {len(vague)}"
    )
    if failures:
        print()
        for m, o in sorted(failures, key=lambda f: (f[1].verdict, f[0].cls, f[0].spec)):
            tag = "TRACEBACK" if o.verdict == "traceback" else "NONSENSE "
            print(f"{tag} {m.label}" + (f"  -> {o.message}" if o.message else ""))
    if args.verbose and vague:
        print()
        for m, o in vague:
            print(f"VAGUE     {m.label}  -> {o.message[:200]}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
