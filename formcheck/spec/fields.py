"""Typed, bounded fields: the one place a spec value is read and checked.

A dataclass field declares its bounds once with :func:`num`, :func:`choice`
and friends. :func:`parse_fields` reads a TOML table into that dataclass,
checking types, finiteness, integer-ness and bounds; :func:`fields_markdown`
writes the docs table from the same declarations. Every mistake is one
:class:`~formcheck.errors.SpecError` line naming the file, the field, the value
and what is allowed.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Iterable, Mapping
from typing import Any

from formcheck.errors import SpecError

#: Integers in a spec are counts: anything past this is a typo, not a prescription.
MAX_INT = 1_000_000
#: Real numbers in a spec are angles, seconds and ratios: anything past this is a typo.
MAX_ABS = 1e6


class Ctx:
    """Where we are in a file, for error messages."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, field: str, msg: str) -> SpecError:
        where = f"{field} " if field else ""
        return SpecError(f"{self.file}: {where}{msg}")


def allowed(values: Iterable[str]) -> str:
    return ", ".join(values)


def show(val: Any) -> str:
    """A value as the user wrote it, short enough for one line."""
    text = repr(val)
    if len(text) > 60:
        text = text[:57] + "..."
    return text


def join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


_TYPE_NAMES = {
    str: "string",
    float: "number",
    int: "integer",
    bool: "boolean (true or false)",
    list: "list",
    dict: "table",
}


def type_name(typ: type | tuple[type, ...]) -> str:
    if isinstance(typ, tuple):
        return " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in typ)
    return _TYPE_NAMES.get(typ, typ.__name__)


def get(
    ctx: Ctx,
    table: Mapping[str, Any],
    key: str,
    where: str,
    typ: type | tuple[type, ...],
    default: Any = ...,
    what: str = "",
) -> Any:
    """``table[key]`` of type ``typ`` (ints accepted as floats), or ``default``.

    Numbers are checked here once for every field: finite, and within
    :data:`MAX_ABS` / :data:`MAX_INT`.
    """
    field = join(where, key)
    if key not in table:
        if default is ...:
            raise ctx.fail(field, "is missing")
        return default
    val = table[key]
    return check_type(ctx, val, field, typ, what)


def check_type(ctx: Ctx, val: Any, field: str, typ: type | tuple[type, ...], what: str = "") -> Any:
    types = typ if isinstance(typ, tuple) else (typ,)
    wanted = what or type_name(typ)
    if isinstance(val, bool):
        if bool in types:
            return val
        raise ctx.fail(field, f"{show(val)} is not a {wanted}")
    if isinstance(val, int) and float in types and int not in types:
        val = float(check_int(ctx, val, field))
    if not isinstance(val, types):
        if isinstance(val, float) and int in types:
            raise ctx.fail(field, f"{show(val)} is not a whole number; use an integer")
        raise ctx.fail(field, f"{show(val)} is not a {wanted}")
    if isinstance(val, float):
        return check_float(ctx, val, field)
    if isinstance(val, int):
        return check_int(ctx, val, field)
    return val


def check_float(ctx: Ctx, val: float, field: str) -> float:
    if not math.isfinite(val):
        raise ctx.fail(field, f"{show(val)} is not a finite number")
    if abs(val) > MAX_ABS:
        raise ctx.fail(field, f"{val:g} is out of range; allowed: -{MAX_ABS:g} to {MAX_ABS:g}")
    return val


def check_int(ctx: Ctx, val: int, field: str) -> int:
    if abs(val) > MAX_INT:
        text = str(val) if abs(val) < 10**30 else f"an integer of {len(str(abs(val)))} digits"
        raise ctx.fail(field, f"{text} is out of range; allowed: -{MAX_INT} to {MAX_INT}")
    return val


def choose(ctx: Ctx, val: Any, field: str, options: Iterable[str]) -> str:
    options = tuple(options)
    if not isinstance(val, str) or val not in options:
        raise ctx.fail(field, f"{show(val)} is not allowed; allowed: {allowed(options)}")
    return val


def check_keys(
    ctx: Ctx, table: Mapping[str, Any], where: str, known: Iterable[str], more: str = ""
) -> None:
    """Unknown keys are mistakes (a typo never silently does nothing); a near miss is named."""
    known = tuple(known)
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ctx.fail(
                join(where, key), f"is not a known field; {hint}allowed: {allowed(known)}{more}"
            )


def table(ctx: Ctx, val: Any, field: str, example: str = "") -> Mapping[str, Any]:
    if not isinstance(val, dict):
        like = f" like {example}" if example else ""
        raise ctx.fail(field, f"{show(val)} is not a table{like}")
    return val


def get_bounded(
    ctx: Ctx,
    table: Mapping[str, Any],
    key: str,
    where: str,
    lo: float,
    hi: float,
    default: Any = ...,
    typ: type = float,
) -> Any:
    """``table[key]`` as a number in ``lo..hi`` (or ``default`` when absent)."""
    val = get(ctx, table, key, where, typ, default)
    if key in table:
        bounded(ctx, val, join(where, key), lo, hi)
    return val


def bounded(
    ctx: Ctx,
    val: float,
    field: str,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
) -> float:
    """Check ``lo <= val <= hi`` (``lo < val`` when ``lo_open``)."""
    bad_lo = lo is not None and (val <= lo if lo_open else val < lo)
    bad_hi = hi is not None and val > hi
    if bad_lo or bad_hi:
        raise ctx.fail(field, f"{val:g} is out of range; allowed: {range_text(lo, hi, lo_open)}")
    return val


def range_text(lo: float | None, hi: float | None, lo_open: bool = False) -> str:
    if lo is not None and hi is not None:
        return f"{'above ' if lo_open else ''}{lo:g} to {hi:g}"
    if lo is not None:
        return f"{'> ' if lo_open else '>= '}{lo:g}"
    if hi is not None:
        return f"<= {hi:g}"
    return "any finite number"


# ---------------------------------------------------------------------------
# Declarative fields for dataclasses
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Bound:
    """What one dataclass field accepts; kept in the field's metadata."""

    kind: str  # "float" | "int" | "bool" | "str" | "choice" | "feature" | "phases" | "ref"
    doc: str
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    options: tuple[str, ...] = ()
    unit: str = ""
    required: bool = False


def _field(bound: Bound, default: Any) -> Any:
    meta = {"bound": bound}
    if default is ...:
        return dataclasses.field(metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def num(
    default: Any = ...,
    *,
    doc: str,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    unit: str = "",
) -> Any:
    """A finite real number within bounds (``None`` default: optional)."""
    return _field(Bound("float", doc, lo, hi, lo_open, unit=unit), default)


def integer(default: Any = ..., *, doc: str, lo: int | None = None, hi: int | None = None) -> Any:
    return _field(Bound("int", doc, lo, hi), default)


def flag(default: bool, *, doc: str) -> Any:
    return _field(Bound("bool", doc), default)


def text(default: Any = ..., *, doc: str) -> Any:
    return _field(Bound("str", doc), default)


def one_of(default: Any = ..., *, options: tuple[str, ...], doc: str) -> Any:
    return _field(Bound("choice", doc, options=options), default)


def feature_ref(default: Any = ..., *, doc: str = "the feature it checks") -> Any:
    """The name of a feature defined in the spec's ``[features]``."""
    return _field(Bound("feature", doc), default)


def phase_list(default: tuple[str, ...], *, options: tuple[str, ...], doc: str) -> Any:
    return _field(Bound("phases", doc, options=options), default)


def bound_of(f: dataclasses.Field[Any]) -> Bound | None:
    b = f.metadata.get("bound")
    return b if isinstance(b, Bound) else None


def declared(cls: type) -> list[tuple[dataclasses.Field[Any], Bound]]:
    out = []
    for f in dataclasses.fields(cls):
        b = bound_of(f)
        if b is not None:
            out.append((f, b))
    return out


def parse_fields(
    ctx: Ctx,
    cls: type,
    raw: Mapping[str, Any],
    where: str,
    features: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Read every declared field of ``cls`` from ``raw``; unknown keys are the caller's job."""
    out: dict[str, Any] = {}
    for f, b in declared(cls):
        field = join(where, f.name)
        has_default = f.default is not dataclasses.MISSING
        default = f.default if has_default else ...
        if b.kind == "float":
            val = get(ctx, raw, f.name, where, float, default)
            if val is not None:
                bounded(ctx, val, field, b.lo, b.hi, b.lo_open)
        elif b.kind == "int":
            val = get(ctx, raw, f.name, where, int, default)
            if val is not None:
                bounded(ctx, val, field, b.lo, b.hi)
        elif b.kind == "bool":
            val = get(ctx, raw, f.name, where, bool, default)
        elif b.kind == "str":
            val = get(ctx, raw, f.name, where, str, default)
        elif b.kind == "choice":
            val = get(ctx, raw, f.name, where, str, default)
            if val is not None:
                choose(ctx, val, field, b.options)
        elif b.kind == "feature":
            val = get(ctx, raw, f.name, where, str, default)
            if val is not None and features is not None and val not in features:
                raise ctx.fail(
                    field, f"{show(val)} is not defined; defined: {allowed(sorted(features))}"
                )
        elif b.kind == "phases":
            fallback: Any = list(f.default) if isinstance(f.default, tuple) else ...
            items = get(ctx, raw, f.name, where, list, fallback)
            if not items:
                raise ctx.fail(field, f"is empty; allowed: {allowed(b.options)}")
            val = tuple(choose(ctx, p, f"{field}[{j}]", b.options) for j, p in enumerate(items))
            if len(set(val)) != len(val):
                raise ctx.fail(field, f"{show(list(val))} names a phase twice")
        else:  # pragma: no cover - a declaration mistake, caught by the tests
            raise AssertionError(f"unknown bound kind {b.kind}")
        out[f.name] = val
    return out


def fields_markdown(cls: type) -> str:
    """A markdown table of ``cls``'s declared fields: name, type and range, default, meaning."""
    rows = ["| field | type and range | default | meaning |", "|---|---|---|---|"]
    for f, b in declared(cls):
        if b.kind in ("float", "int"):
            typ = ("number" if b.kind == "float" else "integer") + (
                f" {range_text(b.lo, b.hi, b.lo_open)}" if (b.lo, b.hi) != (None, None) else ""
            )
            if b.unit:
                typ += f" ({b.unit})"
        elif b.kind in ("choice", "phases"):
            opts = " \\| ".join(f"`{o}`" for o in b.options)
            typ = opts if b.kind == "choice" else f"list of {opts}"
        elif b.kind == "feature":
            typ = "feature name"
        else:
            typ = {"bool": "boolean", "str": "string"}.get(b.kind, b.kind)
        if f.default is dataclasses.MISSING:
            default = "required"
        elif f.default is None:
            default = "none"
        elif isinstance(f.default, tuple):
            default = ", ".join(f"`{v}`" for v in f.default)
        elif isinstance(f.default, bool):
            default = "`true`" if f.default else "`false`"
        else:
            default = f"`{f.default}`"
        rows.append(f"| `{f.name}` | {typ} | {default} | {b.doc} |")
    return "\n".join(rows)
