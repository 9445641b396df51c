"""Routines: a day's exercises in order, with sets, reps, holds, sides and rests (TOML).

A routine file names exercises by spec id and may change their prescription
(fewer sets, longer holds, one side only). It is validated like a spec: a
closed vocabulary, every number bounded, and every mistake one
:class:`~formcheck.errors.SpecError` line naming the file, the field, the value
and what is allowed. :meth:`Routine.plan` expands it into the ordered steps the
coach plays (:mod:`formcheck.coaching`): a set per side, rests between sets,
a short switch between sides, and a change-over before the next exercise.

Standard library only. The shipped routines are in ``exercise_specs/routines/``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from formcheck.errors import SpecError
from formcheck.spec import ExerciseSpec
from formcheck.spec.fields import (
    Ctx,
    allowed,
    check_keys,
    declared,
    get,
    integer,
    num,
    parse_fields,
    show,
    table,
    text,
)
from formcheck.spec.files import SPEC_DIR
from formcheck.tomlfile import read_toml

ROUTINE_DIR = SPEC_DIR / "routines"
SCHEMA_VERSION = 1
#: The routine the app opens with: the seeds' daily routine, in seed 004's order.
DEFAULT_ROUTINE = "daily"
#: Rough time per rep, for the routine's estimated length (not used for counting).
REP_ESTIMATE_S = 3.0
#: Getting into position and the 3-2-1 before each set, for the estimate.
SETUP_ESTIMATE_S = 8.0
MAX_ITEMS = 40
#: Default rests: between sets, to switch sides, and to get into the next exercise.
REST_S = 30.0
SWITCH_S = 10.0
CHANGE_S = 15.0


@dataclass(frozen=True, slots=True)
class RoutineSettings:
    """The routine's own fields (besides ``[[exercise]]``)."""

    schema_version: int = integer(doc="the file format's version (1)", lo=1, hi=1)
    id: str = text(doc="the routine's id; the file name without .toml")
    name: str = text(doc="what the app shows")
    description: str = text("", doc="one or two sentences: who it is for, where it comes from")
    rest_s: float = num(REST_S, lo=0.0, hi=600.0, unit="s", doc="rest between sets")
    switch_s: float = num(SWITCH_S, lo=0.0, hi=600.0, unit="s", doc="pause to switch sides")
    change_s: float = num(
        CHANGE_S, lo=0.0, hi=600.0, unit="s", doc="pause to get into the next exercise"
    )
    days_per_week: int = integer(
        7, lo=1, hi=7, doc="the plan: days a week to do it (the history's adherence)"
    )


@dataclass(frozen=True, slots=True)
class ItemSettings:
    """One ``[[exercise]]``: the spec's prescription unless a field says otherwise."""

    id: str = text(doc="the exercise's spec id (see `formcheck exercises`)")
    sets: int | None = integer(None, lo=1, hi=10, doc="sets (default: the spec's, else 1)")
    reps: int | None = integer(None, lo=1, hi=100, doc="reps per set and side")
    holds: int | None = integer(None, lo=1, hi=20, doc="holds per set and side")
    hold_s: float | None = num(None, lo=1.0, hi=600.0, unit="s", doc="seconds per hold")
    rest_s: float | None = num(
        None, lo=0.0, hi=600.0, unit="s", doc="rest between this exercise's sets"
    )
    note: str = text("", doc="a line shown with the exercise (why it is here, a variant)")


ITEM_KEYS = (*(f.name for f, _ in declared(ItemSettings)), "sides")
ROUTINE_KEYS = (*(f.name for f, _ in declared(RoutineSettings)), "exercise")


@dataclass(frozen=True, slots=True)
class RoutineItem:
    """One exercise of a routine, its prescription already applied to ``spec``."""

    spec: ExerciseSpec  # with the routine's sets, reps, holds and hold time
    sets: int
    sides: tuple[str | None, ...]  # (None,) for an exercise not done per side
    rest_s: float
    note: str = ""

    @property
    def exercise(self) -> str:
        return self.spec.id


StepKind = Literal["set", "rest"]


@dataclass(frozen=True, slots=True)
class RoutineStep:
    """One step of a routine's plan: a set (of one side) or a rest.

    ``why`` says what a rest is for: "set" (between sets), "switch" (between sides) or
    "change" (before the next exercise). A rest's ``item``/``side`` is what comes next.
    """

    kind: StepKind
    item: int  # index into Routine.items
    set_no: int
    sets: int
    side: str | None
    seconds: float = 0.0  # rests only
    why: str = ""


@dataclass(frozen=True, slots=True)
class Routine:
    id: str
    name: str
    description: str
    items: tuple[RoutineItem, ...]
    rest_s: float
    switch_s: float
    change_s: float
    path: Path | None = None
    days_per_week: int = 7

    def plan(self) -> tuple[RoutineStep, ...]:
        """Every set and rest in order: each set side by side, then the next set."""
        steps: list[RoutineStep] = []
        for i, item in enumerate(self.items):
            if i > 0 and self.change_s > 0:
                steps.append(
                    RoutineStep("rest", i, 1, item.sets, item.sides[0], self.change_s, "change")
                )
            for s in range(1, item.sets + 1):
                for j, side in enumerate(item.sides):
                    if j > 0 and self.switch_s > 0:
                        steps.append(
                            RoutineStep("rest", i, s, item.sets, side, self.switch_s, "switch")
                        )
                    steps.append(RoutineStep("set", i, s, item.sets, side))
                if s < item.sets and item.rest_s > 0:
                    steps.append(
                        RoutineStep("rest", i, s + 1, item.sets, item.sides[0], item.rest_s, "set")
                    )
        return tuple(steps)

    def estimated_s(self) -> float:
        """About how long the routine takes, rests included (for the picker, not scoring)."""
        total = 0.0
        for step in self.plan():
            if step.kind == "rest":
                total += step.seconds
            else:
                total += set_estimate_s(self.items[step.item].spec)
        return total


def set_estimate_s(spec: ExerciseSpec) -> float:
    """About how long one set (one side) of ``spec``'s prescription takes."""
    p = spec.prescription
    hold = p.hold_s[1] if p.hold_s else 0.0
    if spec.is_timer:
        n = p.reps[1] if p.reps else 1
        return n * hold + (n - 1) * 10.0
    reps = spec.count_target or 1
    if spec.hold_only:
        return SETUP_ESTIMATE_S + reps * (hold + REP_ESTIMATE_S)
    holds = spec.holds_target or 0
    return SETUP_ESTIMATE_S + reps * REP_ESTIMATE_S + holds * hold


def apply_prescription(
    spec: ExerciseSpec,
    *,
    sets: int | None = None,
    reps: int | None = None,
    holds: int | None = None,
    hold_s: float | None = None,
    sides: tuple[str, ...] | None = None,
) -> ExerciseSpec:
    """``spec`` with a routine's prescription: exact numbers instead of the seed's ranges.

    ``reps`` of a hold-only exercise is the number of holds (its holds are its reps).
    """
    p = spec.prescription
    changes: dict[str, Any] = {}
    if sets is not None:
        changes["sets"] = sets
    if reps is not None:
        changes["reps"] = (reps, reps)
    if holds is not None:
        changes["holds"] = (holds, holds)
    if hold_s is not None:
        changes["hold_s"] = (hold_s, hold_s)
    if sides is not None:
        changes["sides"] = sides
    if not changes:
        return spec
    return dataclasses.replace(spec, prescription=dataclasses.replace(p, **changes))


def _item(ctx: Ctx, raw: Any, where: str, specs: Mapping[str, ExerciseSpec]) -> RoutineItem:
    t = table(ctx, raw, where, 'id = "glute_bridge"')
    check_keys(ctx, t, where, ITEM_KEYS)
    f = parse_fields(ctx, ItemSettings, t, where)
    ex = f["id"]
    if ex not in specs:
        raise ctx.fail(
            f"{where}.id", f"{show(ex)} is not a known exercise; known: {allowed(sorted(specs))}"
        )
    spec = specs[ex]
    if f["reps"] is not None and not (spec.reps or spec.hold_only or spec.is_timer):
        raise ctx.fail(f"{where}.reps", f"{ex} counts no reps; leave reps out")
    if f["holds"] is not None and (spec.hold is None or spec.hold_only):
        how = "its holds are its reps: use reps" if spec.hold_only else "it has no holds"
        raise ctx.fail(f"{where}.holds", f"{ex}: {how}")
    if f["hold_s"] is not None and spec.hold is None and not spec.is_timer:
        raise ctx.fail(f"{where}.hold_s", f"{ex} has no holds; leave hold_s out")
    own = tuple(spec.prescription.sides)
    sides: tuple[str, ...] | None = None
    if "sides" in t:
        field = f"{where}.sides"
        vals = get(ctx, t, "sides", where, list)
        if not own:
            raise ctx.fail(field, f"{ex} is not done per side; leave sides out")
        if not vals:
            raise ctx.fail(field, f"is empty; allowed: {allowed(own)}")
        for k, v in enumerate(vals):
            if v not in own:
                raise ctx.fail(
                    f"{field}[{k}]", f"{show(v)} is not allowed; allowed: {allowed(own)}"
                )
        if len(set(vals)) != len(vals):
            raise ctx.fail(field, f"{show(vals)} names a side twice")
        sides = tuple(vals)
    spec = apply_prescription(
        spec, sets=f["sets"], reps=f["reps"], holds=f["holds"], hold_s=f["hold_s"], sides=sides
    )
    sets = f["sets"] or spec.prescription.sets or 1
    item_sides: tuple[str | None, ...] = tuple(spec.prescription.sides) or (None,)
    return RoutineItem(
        spec, sets, item_sides, f["rest_s"] if f["rest_s"] is not None else -1.0, f["note"]
    )


def parse_routine(
    data: Mapping[str, Any],
    specs: Mapping[str, ExerciseSpec],
    file: str = "<routine>",
    path: Path | None = None,
) -> Routine:
    """Validate a routine table (from :func:`~formcheck.tomlfile.read_toml`)."""
    ctx = Ctx(file)
    check_keys(ctx, data, "", ROUTINE_KEYS)
    f = parse_fields(ctx, RoutineSettings, data, "")
    rid = f["id"]
    if not (rid.isidentifier() and rid == rid.lower()):
        raise ctx.fail("id", f"{show(rid)} is not an id; use lower-case letters, digits and _")
    if not f["name"].strip():
        raise ctx.fail("name", "is empty; give the routine a name")
    raw_items = get(ctx, data, "exercise", "", list, what="list of [[exercise]] tables")
    if not raw_items:
        raise ctx.fail("exercise", "is empty; add at least one [[exercise]] with an id")
    if len(raw_items) > MAX_ITEMS:
        raise ctx.fail("exercise", f"has {len(raw_items)} entries; allowed: at most {MAX_ITEMS}")
    items = []
    for k, raw in enumerate(raw_items):
        item = _item(ctx, raw, f"exercise[{k}]", specs)
        if item.rest_s < 0:
            item = dataclasses.replace(item, rest_s=f["rest_s"])
        items.append(item)
    return Routine(
        rid,
        f["name"],
        f["description"],
        tuple(items),
        f["rest_s"],
        f["switch_s"],
        f["change_s"],
        path,
        f["days_per_week"],
    )


def load_routine(path: str | Path, specs: Mapping[str, ExerciseSpec]) -> Routine:
    """Read and validate one routine file (one-line SpecError for any mistake)."""
    p = Path(path)
    data = read_toml(p, what="routine")
    routine = parse_routine(data, specs, file=p.name, path=p)
    if routine.id != p.stem:
        raise SpecError(f"{p.name}: id {routine.id!r} must match the file name {p.stem!r}")
    return routine


def load_routines(
    specs: Mapping[str, ExerciseSpec], directory: str | Path = ROUTINE_DIR
) -> dict[str, Routine]:
    """Every ``*.toml`` routine in ``directory``, by id (the default routine first)."""
    d = Path(directory)
    if not d.is_dir():
        raise SpecError(f"routine folder not found: {d}")
    found = {r.id: r for r in (load_routine(p, specs) for p in sorted(d.glob("*.toml")))}
    order = sorted(found, key=lambda k: (k != DEFAULT_ROUTINE, k))
    return {k: found[k] for k in order}


def single(spec: ExerciseSpec, side: str | None = None) -> Routine:
    """A one-exercise routine: the spec's own prescription, every set and side, ``side``
    first."""
    own = tuple(spec.prescription.sides)
    if side is not None and side in own:
        spec = apply_prescription(spec, sides=(side, *(s for s in own if s != side)))
    item_sides: tuple[str | None, ...] = tuple(spec.prescription.sides) or (None,)
    sets = spec.prescription.sets or 1
    item = RoutineItem(spec, sets, item_sides, REST_S)
    return Routine(spec.id, spec.name, "", (item,), REST_S, SWITCH_S, CHANGE_S)


def clock(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    return f"{m}:{s:02d}"


__all__ = [
    "DEFAULT_ROUTINE",
    "ROUTINE_DIR",
    "Routine",
    "RoutineItem",
    "RoutineStep",
    "apply_prescription",
    "load_routine",
    "load_routines",
    "parse_routine",
    "single",
]
