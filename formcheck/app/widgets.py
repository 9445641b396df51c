"""Widgets every page uses: the sidebar with the grouped exercise picker, the set-up box
(picture, camera, prescription), the summary of a set or clip, the position picture.

Layout only: the logic is in :mod:`formcheck.app.picker` and :mod:`formcheck.ui_helpers`.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import streamlit as st

from formcheck import ui_helpers as ui
from formcheck.app.picker import ExercisePicker, option_caption
from formcheck.errors import FormcheckError
from formcheck.record import SessionRecord
from formcheck.spec import ExerciseSpec, load_specs
from formcheck.spec.files import SPEC_DIR

log = logging.getLogger(__name__)

#: Session-state keys. The picker's state is the truth; the two widget keys mirror it.
PICKER = "fc-picker"
GROUP_WIDGET = "fc-group"
EXERCISE_WIDGET = "fc-exercise"
SIDE_WIDGET = "side"
#: ``?exercise=ID`` opens the app on that exercise (and stays in the URL as it changes).
LINK_PARAM = "exercise"
PICTURE_SIZE = (400, 300)
SYNTH_DIR = Path(__file__).resolve().parents[1] / "synth"

#: The pages, by name ("live", "review", "library"), set by main.py for links between pages.
PAGES: dict[str, Any] = {}

CSS = """
<style>
.block-container {padding-top: 3.2rem; max-width: 1500px;}
.fc-coach-panel {display: flex; flex-direction: column; gap: 0.4rem;}
.fc-coach-where {font-size: clamp(1rem, 2.6vh, 1.6rem); font-weight: 600; color: #2d4a3a;}
.fc-coach-nums {display: flex; gap: 1.5rem; align-items: flex-end; flex-wrap: wrap;}
.fc-coach-count, .fc-coach-hold {font-size: max(11vh, 3.2rem); font-weight: 800;
  line-height: 1; color: #1b3a2b; font-variant-numeric: tabular-nums; white-space: nowrap;}
.fc-coach-hold {color: #2e7d32;}
.fc-coach-label {font-size: clamp(1rem, 2.4vh, 1.5rem); color: #5b6b62;}
.fc-coach-cue, .fc-cue.fc-coach-cue {font-size: clamp(1.2rem, 4vh, 2.4rem); line-height: 1.2;}
.fc-coach-foot {font-size: 0.85rem; color: #5b6b62;}
.st-key-fc-coach:fullscreen {background: #ffffff; padding: 1.5rem; overflow: auto;}
.fc-fs {font-size: 0.95rem; padding: 0.35rem 0.8rem; border-radius: 0.5rem;
  border: 1px solid #c9d6ce; background: #fff; cursor: pointer;}
@media (max-width: 640px) {
  .st-key-fc-coach > div > [data-testid="stHorizontalBlock"] {flex-direction: column-reverse;}
  .fc-coach-count, .fc-coach-hold {font-size: max(10.5vh, 3rem);}
  .block-container {padding-top: 2.2rem;}
}
.fc-cue {border-radius: 0.6rem; padding: 0.75rem 1rem; font-size: 1.15rem; font-weight: 600;
         margin-bottom: 0.6rem;}
.fc-cue.fc-ok {background: #e8f5e9; color: #1b5e20; border-left: 6px solid #2e7d32;}
.fc-cue.fc-fault {background: #fff3e0; color: #8a3c00; border-left: 6px solid #ef6c00;}
.fc-cue.fc-cannot {background: #eceff1; color: #37474f; border-left: 6px solid #78909c;}
.fc-cue.fc-stopped {background: #ffebee; color: #8e0000; border-left: 6px solid #c62828;}
.fc-cue.fc-warn {background: #fff8e1; color: #5d4300; border-left: 6px solid #f9a825;}
.fc-cue.fc-coach-note {font-size: 1rem; line-height: 1.3; padding: 0.5rem 0.9rem;}
.fc-pill {display: inline-block; padding: 0.1rem 0.6rem; border-radius: 1rem; font-size: 0.8rem;
          background: #e3ebe6; color: #2d4a3a; margin-right: 0.35rem;}
.fc-pill.fc-selected {background: #1b5e20; color: #ffffff;}
.fc-nopic {display: flex; align-items: center; justify-content: center; text-align: center;
           aspect-ratio: 4 / 3; border-radius: 0.5rem; background: #f3f6f4; color: #5b6b62;
           border: 1px dashed #c9d6ce; font-size: 0.9rem; padding: 1rem;}
</style>
"""


def specs() -> dict[str, ExerciseSpec]:
    """All exercise specs (immutable, so safe to share between sessions)."""
    if "specs" not in st.session_state:
        st.session_state["specs"] = load_specs()
    result: dict[str, ExerciseSpec] = st.session_state["specs"]
    return result


def picker() -> ExercisePicker:
    """This browser session's exercise picker."""
    if PICKER not in st.session_state:
        st.session_state[PICKER] = ExercisePicker.create(specs())
    state: ExercisePicker = st.session_state[PICKER]
    return state


def _group_changed() -> None:
    picker().select_group(st.session_state.get(GROUP_WIDGET))


def _exercise_changed() -> None:
    picker().select_exercise(st.session_state.get(EXERCISE_WIDGET))


def _pills(spec: ExerciseSpec) -> str:
    cat = ui.CATEGORY_LABELS.get(spec.category, spec.category)
    view = "no camera" if spec.is_timer else ui.VIEW_LABELS[spec.view]
    return "".join(f'<span class="fc-pill">{html.escape(t)}</span>' for t in (view, cat))


def sidebar(side_control: bool = True) -> tuple[ExerciseSpec, str | None]:
    """The sidebar on every page: where you exercise, then the exercise, then the side
    (``side_control``: only on pages with no side control of their own).

    Returns the exercise and the working side (None for an exercise not done per side,
    or when the page has its own side control).
    """
    all_specs = specs()
    state = picker()
    state.follow_link(st.query_params.get(LINK_PARAM))
    with st.sidebar:
        st.markdown("## formcheck")
        st.caption("Camera form checks for lower-back-pain home exercises.")
        labels = {g.key: f"{g.icon} {g.label}" for g in state.groups}
        st.session_state[GROUP_WIDGET] = state.group.key
        st.pills(
            "Where you exercise",
            list(labels),
            format_func=labels.__getitem__,
            key=GROUP_WIDGET,
            required=True,
            on_change=_group_changed,
        )
        group = state.group
        st.session_state[EXERCISE_WIDGET] = state.exercise
        st.radio(
            f"Exercise ({group.label.lower()})",
            list(group.ids),
            format_func=lambda i: all_specs[i].name,
            captions=[option_caption(all_specs[i]) for i in group.ids],
            key=EXERCISE_WIDGET,
            on_change=_exercise_changed,
        )
        spec = all_specs[state.exercise]
        side: str | None = None
        if spec.has_sides and side_control:
            side = st.radio(
                "Working side",
                list(spec.prescription.sides),
                horizontal=True,
                key=SIDE_WIDGET,
                format_func=str.capitalize,
            )
        st.markdown(_pills(spec), unsafe_allow_html=True)
        st.divider()
        st.caption(
            "formcheck gives feedback on form; it is not medical advice. "
            "Stop if pain increases or spreads down the leg."
        )
        st.caption("Video stays on this computer and is not stored unless you download it.")
    st.query_params[LINK_PARAM] = state.linked_to()
    return spec, side


# ---------------------------------------------------------------------------
# The position picture
# ---------------------------------------------------------------------------


def picture_stamp(exercise_id: str, spec_dir: Path | None = None) -> str:
    """What the position picture is drawn from: the exercise's spec and scenario files and
    the renderer's code, by name, size and time. Part of the picture cache's key, so an
    edited scenario or renderer is drawn afresh."""
    root = spec_dir or SPEC_DIR
    files = [
        root / f"{exercise_id}.toml",
        *sorted((root / "scenarios" / exercise_id).glob("*.toml")),
        *sorted(SYNTH_DIR.glob("*.py")),
        SYNTH_DIR.parent / "figure.py",
        SYNTH_DIR.parent / "scenario.py",
    ]
    parts = []
    for f in files:
        try:
            stat = f.stat()
        except OSError:
            continue
        parts.append(f"{f.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return ";".join(parts)


@st.cache_data(show_spinner=False, max_entries=256, persist="disk")
def _render_position(
    exercise_id: str, size: tuple[int, int], stamp: str
) -> tuple[npt.NDArray[np.uint8] | None, str]:
    """The mannequin in the exercise's position, or None and why not. Cached on disk
    (drawing one takes a second or two), keyed by ``stamp`` (:func:`picture_stamp`). Only
    the renderer's own "no picture" answer is cached; a crash is not."""
    try:
        from formcheck.synth.scenario_clip import position_image
    except ImportError:
        return None, "No picture of this position yet."
    try:
        return np.asarray(position_image(exercise_id, size), dtype=np.uint8), ""
    except FormcheckError as err:  # SynthError: no clean scenario to pose it from
        return None, f"No picture of this position yet ({err})."


def position_picture(spec: ExerciseSpec, size: tuple[int, int] = PICTURE_SIZE) -> None:
    """Show the exercise's position, or a plain text placeholder when there is no picture."""
    if spec.is_timer:
        st.markdown(
            f'<div class="fc-nopic" data-exercise="{html.escape(spec.id)}">Guided timer: '
            "nothing is filmed, so there is no picture.</div>",
            unsafe_allow_html=True,
        )
        return
    try:
        image, why = _render_position(spec.id, size, picture_stamp(spec.id))
    except Exception:  # a broken renderer must not take the page down with it
        log.exception("position picture for %s failed", spec.id)
        image, why = None, "The picture of this position could not be drawn."
    if image is not None:
        st.image(image, caption=f"{spec.name}: the position", width="stretch")
    else:
        st.markdown(
            f'<div class="fc-nopic" data-exercise="{html.escape(spec.id)}">'
            f"{html.escape(why)}</div>",
            unsafe_allow_html=True,
        )


# ---------------------------------------------------------------------------
# Set-up and summary
# ---------------------------------------------------------------------------


def prescription_line(spec: ExerciseSpec) -> str:
    facts = " · ".join(f"**{k}** {v}" for k, v in ui.prescription_facts(spec))
    return facts or spec.prescription.text


def show_setup(spec: ExerciseSpec, picture: bool = True, compact: bool = False) -> None:
    """The position, camera placement and the seed's prescription (``compact``: the
    camera placement and start position only, stacked)."""
    if compact:
        st.info(f"**{spec.name}: camera.** {spec.camera}", icon=":material/photo_camera:")
        start = ui.start_position(spec)
        if start:
            st.markdown(f"**Start position.** {start}")
        return
    place = None
    if picture:
        pic, c1, c2 = st.columns([2, 3, 3])
        place = pic.empty()
    else:
        c1, c2 = st.columns(2)
    with c1:
        st.info(f"**Camera.** {spec.camera}", icon=":material/photo_camera:")
        start = ui.start_position(spec)
        if start:
            st.markdown(f"**Start position.** {start}")
    with c2:
        st.success(
            f"**Prescription.** {prescription_line(spec)}  \n"
            f"{ui.plain_words(spec.prescription.text)} *(from {ui.prescription_source(spec)})*",
            icon=":material/assignment:",
        )
    if spec.is_timer:
        st.warning(ui.TIMER_NOTE, icon=":material/timer:")
    if spec.low_confidence:
        st.caption(
            ":material/info: The count for this exercise is an estimate: the camera sees "
            "the movement only partly, so the movement's own form points and its hold time "
            "are not judged. The exercise library says more."
        )
    if place is not None:  # last: the first drawing of a picture takes a moment
        with place.container():
            position_picture(spec)


def show_summary(record: SessionRecord, key: str, title: str = "Summary") -> None:
    """Result against the prescription, per direction, faults with times, downloads."""
    st.subheader(title)
    summary = record.summary()
    if summary["assessed"]:
        st.markdown(f"**{ui.summary_headline(record)}**")
    else:
        st.warning(ui.summary_headline(record), icon=":material/warning:")
    lines = ui.target_lines(record)
    if lines:
        cols = st.columns(len(lines) + 1)
        for col, line in zip(cols, lines, strict=False):
            delta = None
            if line.target is not None:
                delta = f"target {line.target}"
            col.metric(
                line.label,
                line.value,
                delta=delta,
                delta_color="normal" if line.met else "off",
                delta_arrow="off",
            )
        cols[-1].metric("Form faults", str(len(record.faults)))
    directions = ui.direction_rows(record)
    if directions and summary["assessed"]:
        st.markdown("**Each way**")
        st.table(directions, border="horizontal")
    stopped = ui.stopped_text(record)
    if stopped is not None:
        st.error(stopped, icon=":material/pan_tool:")
    for warning in summary.get("warnings", ()):  # others in view, a jump to another body
        st.warning(warning, icon=":material/group:")
    rows = ui.fault_rows(record)
    if rows:
        st.markdown("**Form faults**")
        st.table(rows, border="horizontal")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = f"formcheck_{record.spec.id}_{stamp}"
    downloads = st.container(horizontal=True)
    downloads.download_button(
        "Report (JSON)",
        record.to_json(),
        f"{base}.json",
        "application/json",
        key=f"{key}-json",
        icon=":material/download:",
        on_click="ignore",
    )
    downloads.download_button(
        f"{record.spec.count_label} (CSV)",
        record.to_csv(),
        f"{base}.csv",
        "text/csv",
        key=f"{key}-csv",
        icon=":material/download:",
        on_click="ignore",
    )
