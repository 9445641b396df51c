"""The grouped exercise picker: which group each exercise is in, and the picker's state.

Streamlit has no grouped select box, so the app picks in two steps: the group
(where the person is: on the back, on the front, on hands and knees, kneeling,
sitting, standing), then the exercise in it. "Knee to chest" is two clicks
away: *On your back*, then *Knee to chest*.

Nothing here imports streamlit: :func:`group_exercises` is a pure function of
the specs, and :class:`ExercisePicker` is the state the sidebar widgets drive
(tests/test_picker.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from formcheck.spec import ExerciseSpec


@dataclass(frozen=True, slots=True)
class GroupDef:
    """A picker group: the start postures (a spec's ``posture``) it holds."""

    key: str
    label: str
    icon: str  # a Streamlit material icon
    postures: tuple[str, ...]


#: Groups in the order a routine on the floor gets up: lying, then kneeling, sitting, standing.
GROUPS: tuple[GroupDef, ...] = (
    GroupDef("back", "On your back", ":material/airline_seat_flat:", ("lying_on_back",)),
    GroupDef(
        "front",
        "On your front",
        ":material/airline_seat_flat_angled:",
        ("lying_face_down", "plank"),
    ),
    GroupDef(
        "hands_knees",
        "On hands and knees",
        ":material/pets:",
        ("hands_and_knees", "childs_pose"),  # child's pose starts on hands and knees
    ),
    GroupDef(
        "kneeling",
        "Kneeling",
        ":material/self_improvement:",
        ("kneeling", "half_kneeling", "kneeling_lunge"),
    ),
    GroupDef("sitting", "Sitting", ":material/chair:", ("sitting", "chair")),
    GroupDef("standing", "Standing", ":material/accessibility_new:", ("standing",)),
)
#: Specs without a start posture (guided timers: the camera checks nothing).
TIMERS = GroupDef("timers", "Guided timers", ":material/timer:", ())
#: A posture that no group above names (a gate added later): never lost, listed last.
OTHER = GroupDef("other", "Other", ":material/more_horiz:", ())
ALL_GROUPS: tuple[GroupDef, ...] = (*GROUPS, TIMERS, OTHER)

#: Within a group: strength work first, then stretches, then timers; then by name.
CATEGORY_ORDER: dict[str, int] = {"strength": 0, "stretch": 1, "timer": 2}

_BY_POSTURE: dict[str, GroupDef] = {p: g for g in GROUPS for p in g.postures}


@dataclass(frozen=True, slots=True)
class ExerciseGroup:
    """A group with its exercises, in picker order."""

    key: str
    label: str
    icon: str
    ids: tuple[str, ...]


def group_of(spec: ExerciseSpec) -> GroupDef:
    """The group a spec belongs in, from its start posture."""
    if spec.posture is None:
        return TIMERS
    return _BY_POSTURE.get(spec.posture, OTHER)


def group_exercises(specs: Iterable[ExerciseSpec]) -> list[ExerciseGroup]:
    """The specs in groups: groups in :data:`ALL_GROUPS` order (empty ones left out), and in
    each group strength before stretch before timer, then by name. Every spec is in exactly
    one group."""
    members: dict[str, list[ExerciseSpec]] = {g.key: [] for g in ALL_GROUPS}
    for spec in specs:
        members[group_of(spec).key].append(spec)
    out = []
    for g in ALL_GROUPS:
        found = sorted(
            members[g.key],
            key=lambda s: (CATEGORY_ORDER.get(s.category, len(CATEGORY_ORDER)), s.name, s.id),
        )
        if found:
            out.append(ExerciseGroup(g.key, g.label, g.icon, tuple(s.id for s in found)))
    return out


def _range(lo: float, hi: float, unit: str = "") -> str:
    def num(x: float) -> str:
        return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"

    return (num(lo) if lo == hi else f"{num(lo)}-{num(hi)}") + unit


def option_caption(spec: ExerciseSpec) -> str:
    """One short line under the exercise's name in the picker: what kind, what is counted.

    ``'Strength · reps'``, ``'Stretch · holds of 15-30 s · each side'``,
    ``'Stretch · cat and cow, held 5-20 s'``, ``'Guided timer'``.
    """
    if spec.is_timer:
        return "Guided timer"
    kind = {"strength": "Strength", "stretch": "Stretch"}.get(spec.category, spec.category)
    p = spec.prescription
    hold = "" if p.hold_s is None else _range(*p.hold_s, " s")
    directions = spec.directions
    if directions:
        what = " and ".join(directions)
        if spec.hold is not None and hold:
            what += f", held {hold}"
    elif spec.hold_only:
        what = f"holds of {hold}" if hold else "holds"
    elif spec.hold is not None and (p.holds is not None or hold):
        what = f"reps held {hold}" if p.holds is not None and hold else "reps and a hold"
    else:
        what = "reps"
    parts = [kind, what]
    if spec.has_sides:
        parts.append("each side")
    return " · ".join(parts)


@dataclass
class ExercisePicker:
    """The picker's state for one browser session: the exercise, and the last exercise
    picked in each group (so going back to a group returns to it).

    The sidebar widgets call :meth:`select_group` and :meth:`select_exercise`;
    :meth:`follow_link` takes an ``?exercise=ID`` deep link. The exercise is
    always one of the groups' exercises.
    """

    groups: list[ExerciseGroup]
    exercise: str
    last_in_group: dict[str, str] = field(default_factory=dict)
    #: the exercise id last written to the page's URL (see :meth:`follow_link`)
    linked: str | None = None

    @classmethod
    def create(
        cls, specs: Mapping[str, ExerciseSpec], default: str | None = None
    ) -> ExercisePicker:
        """A picker over ``specs`` starting at ``default`` (else the first exercise)."""
        groups = group_exercises(specs.values())
        if not groups:
            raise ValueError("no exercise specs to pick from")
        picker = cls(groups, groups[0].ids[0])
        if default is not None and picker.has(default):
            picker.select_exercise(default)
        return picker

    def has(self, exercise_id: str) -> bool:
        return any(exercise_id in g.ids for g in self.groups)

    def group_key_of(self, exercise_id: str) -> str:
        for g in self.groups:
            if exercise_id in g.ids:
                return g.key
        raise KeyError(f"exercise {exercise_id!r} is in no group")

    @property
    def group(self) -> ExerciseGroup:
        """The group of the current exercise."""
        key = self.group_key_of(self.exercise)
        return next(g for g in self.groups if g.key == key)

    def get_group(self, key: str) -> ExerciseGroup:
        for g in self.groups:
            if g.key == key:
                return g
        raise KeyError(f"group {key!r} is not defined; defined: {[g.key for g in self.groups]}")

    def select_group(self, key: str | None) -> None:
        """Go to a group: its last picked exercise, else its first. None or an unknown key
        (a widget cleared) keeps the current exercise."""
        if key is None or key == self.group.key or key not in {g.key for g in self.groups}:
            return
        group = self.get_group(key)
        self.exercise = self.last_in_group.get(key, group.ids[0])

    def select_exercise(self, exercise_id: str | None) -> None:
        """Pick an exercise (in any group); an unknown id is ignored."""
        if exercise_id is None or not self.has(exercise_id):
            return
        self.exercise = exercise_id
        self.last_in_group[self.group_key_of(exercise_id)] = exercise_id

    def follow_link(self, requested: str | None) -> bool:
        """Take ``?exercise=ID`` from the URL when it is a new link, not the value this
        picker wrote there itself (:meth:`linked_to`). Returns whether the exercise changed."""
        if requested is None or requested == self.linked or not self.has(requested):
            return False
        before = self.exercise
        self.select_exercise(requested)
        self.linked = requested
        return self.exercise != before

    def linked_to(self) -> str:
        """The exercise to write into the URL now (remembered, so it is not followed back)."""
        self.linked = self.exercise
        return self.exercise
