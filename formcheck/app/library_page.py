"""The exercise library: each exercise with a picture of the position, where to put the
camera, the prescription and its seed, what is checked and what is not; grouped like the
picker (the sidebar's group is shown, or every group)."""

from __future__ import annotations

import html
from typing import Any

import streamlit as st

from formcheck import ui_helpers as ui
from formcheck.app import widgets
from formcheck.app.picker import ExerciseGroup, option_caption
from formcheck.spec import ExerciseSpec

ALL_GROUPS_WIDGET = "library-all-groups"


def render() -> None:
    spec, _ = widgets.sidebar(side_control=False)
    all_specs = widgets.specs()
    picker = widgets.picker()
    st.title("Exercise library")
    st.caption(
        f"{len(all_specs)} exercises from five articles on home exercise for lower-back pain, "
        "grouped by where you do them. "
        "Each names the camera view to use, the prescription from its source, the form "
        "points formcheck checks and what it cannot see."
    )
    show_all = st.toggle(
        "Show every group",
        key=ALL_GROUPS_WIDGET,
        help="Off: only the group chosen in the sidebar.",
    )
    groups = picker.groups if show_all else [picker.group]
    pictures = []
    for group in groups:
        pictures += _group(group, all_specs, selected=spec.id)
    # The pictures last (the first drawing of each takes a moment): the text is up already.
    for place, pictured in pictures:
        with place.container():
            widgets.position_picture(pictured)
    # Drawn last: the whole library is on the page (browser tests wait on it).
    shown = " ".join(i for g in groups for i in g.ids)
    st.markdown(
        f'<span id="fc-library-rendered" data-exercises="{html.escape(shown)}"></span>',
        unsafe_allow_html=True,
    )


def _group(
    group: ExerciseGroup, all_specs: dict[str, ExerciseSpec], selected: str
) -> list[tuple[Any, ExerciseSpec]]:
    n = len(group.ids)
    st.header(f"{group.icon} {group.label}", anchor=f"group-{group.key}")
    st.caption(f"{n} exercise{'s' if n != 1 else ''}")
    return [
        (card(all_specs[exercise_id], selected=exercise_id == selected), all_specs[exercise_id])
        for exercise_id in group.ids
    ]


def card(spec: ExerciseSpec, selected: bool = False) -> Any:
    """One exercise: picture | how to do it, camera | prescription, checked, not checked.

    Returns the picture's place (an ``st.empty``) for the caller to fill.
    """
    with st.container(border=True, key=f"fc-ex-{spec.id}"):
        pic, left, right = st.columns([5, 6, 6], gap="medium")
        with pic:
            place = st.empty()
            place.markdown(
                '<div class="fc-nopic">Drawing the position…</div>', unsafe_allow_html=True
            )
            links = st.container(horizontal=True)
            if "live" in widgets.PAGES:
                links.page_link(
                    widgets.PAGES["live"],
                    label="Start the timer" if spec.is_timer else "Coach live",
                    icon=":material/timer:" if spec.is_timer else ":material/videocam:",
                    query_params={widgets.LINK_PARAM: spec.id},
                )
            if "review" in widgets.PAGES and not spec.is_timer:
                links.page_link(
                    widgets.PAGES["review"],
                    label="Review a clip",
                    icon=":material/movie:",
                    query_params={widgets.LINK_PARAM: spec.id},
                )
        with left:
            st.subheader(spec.name, anchor=spec.id)
            views = "".join(
                f'<span class="fc-pill">{html.escape(ui.VIEW_LABELS[v])}</span>' for v in spec.views
            )
            if spec.is_timer:
                views = '<span class="fc-pill">no camera</span>'
            cat = ui.CATEGORY_LABELS.get(spec.category, spec.category)
            mark = '<span class="fc-pill fc-selected">selected</span>' if selected else ""
            st.markdown(
                f'{mark}{views}<span class="fc-pill">{html.escape(cat)}</span>',
                unsafe_allow_html=True,
            )
            st.caption(option_caption(spec))
            st.markdown("**How to do it**")
            start = ui.start_position(spec)
            if start:
                st.markdown(f"*Start position:* {start}")
            st.markdown("\n".join(f"1. {ui.plain_words(step)}" for step in spec.instructions))
            st.markdown(f"**Camera.** {ui.plain_words(spec.camera)}")
        with right:
            st.markdown(f"**Prescription.** {widgets.prescription_line(spec)}")
            st.caption(
                f"{ui.plain_words(spec.prescription.text)} (from {ui.prescription_source(spec)})"
            )
            st.markdown("**Form points checked**")
            checks = spec.checks()
            if spec.is_timer:
                st.markdown(f"- {ui.TIMER_NOTE}")
            elif checks:
                st.markdown("\n".join(f"- {ui.check_markdown(rid, desc)}" for rid, desc in checks))
            else:
                st.markdown("- Counting and timing only.")
            if spec.limits:
                st.markdown("**Not checked**")
                st.caption(ui.plain_words(spec.limits))
            with st.expander("Source"):
                st.write(ui.plain_words(spec.source))
    return place
