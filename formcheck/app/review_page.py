"""Review a clip: upload one (or pick a sample), get the annotated video, the plot, the
summary against the prescription, the reps or holds, and the downloads."""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from formcheck import ui_helpers as ui
from formcheck.app import widgets
from formcheck.app.scratch import scratch_dir
from formcheck.errors import FormcheckError
from formcheck.record import SessionRecord
from formcheck.spec import ExerciseSpec

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = ROOT / "sample_videos"
VIDEO_TYPES = ["mp4", "mov", "m4v", "webm", "mkv", "avi"]
DEFAULT_MAX_UPLOAD_MB = 100  # server.maxUploadSize in .streamlit/config.toml overrides this
RESULT = "review-result"
ERROR = "review-error"


@dataclass(frozen=True, slots=True)
class ReviewResult:
    """A finished review, kept in the session until the next one."""

    spec_id: str
    name: str  # the clip's name as the user knows it
    record: SessionRecord
    video: bytes | None  # the annotated MP4
    side: str | None
    side_auto: bool
    fps: float
    duration_s: float
    decode_error: str | None
    uploaded: bool


def max_upload_mb() -> int:
    """The upload limit: the server's maxUploadSize (the uploader enforces it too)."""
    try:
        return int(st.get_option("server.maxUploadSize"))
    except Exception:
        return DEFAULT_MAX_UPLOAD_MB


def sample_clips(directory: Path = SAMPLE_DIR) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix.lower().lstrip(".") in VIDEO_TYPES)


def render() -> None:
    spec, _ = widgets.sidebar(side_control=False)
    st.title(f"Review a clip · {spec.name}")
    widgets.show_setup(spec)
    if spec.is_timer:  # show_setup said so already: the camera checks nothing
        st.info(
            "There is nothing to review in a clip of a guided timer. Open it on the "
            "Live coaching page to play its timer.",
            icon=":material/timer:",
        )
        if "live" in widgets.PAGES:
            st.page_link(
                widgets.PAGES["live"],
                label="Start the timer",
                icon=":material/timer:",
                query_params={widgets.LINK_PARAM: spec.id},
            )
        return

    source = st.radio(
        "Clip",
        ["Upload a clip", "Sample clip"],
        horizontal=True,
        key="review-source",
        label_visibility="collapsed",
    )
    upload = None
    sample: Path | None = None
    if source == "Upload a clip":
        upload = st.file_uploader(
            f"Upload a video (up to {max_upload_mb()} MB). It is deleted after processing.",
            type=VIDEO_TYPES,
            key=f"review-upload-{st.session_state.get('upload-round', 0)}",
        )
    else:
        clips = ui.order_sample_clips(spec.id, sample_clips())
        if not clips:
            st.info("No sample clips in sample_videos/.")
        else:
            sample = st.selectbox(
                "Sample clip",
                clips,
                format_func=lambda p: p.name,
                key=f"review-sample-{spec.id}",
                help="This exercise's samples first; a clip of another exercise shows what "
                "formcheck says when the exercise is not the one it expects.",
            )
    side_choice: str | None = None
    if spec.has_sides:
        options = ["auto", *spec.prescription.sides]
        side_choice = st.selectbox(
            "Working side",
            options,
            key="review-side",
            format_func=lambda s: "Detect from the clip" if s == "auto" else s.capitalize(),
        )
    ready = upload is not None or sample is not None
    save = st.checkbox(
        "Save this review in my history",
        key="review-save",
        help="Adds its reps, holds and faults to the Progress page (never the video). "
        "Off by default: a clinic reviewing patients' clips keeps them out of its own history.",
    )
    if st.button("Review clip", type="primary", disabled=not ready, icon=":material/play_arrow:"):
        side = None if side_choice in (None, "auto") else side_choice
        st.session_state.pop(RESULT, None)
        st.session_state[ERROR] = _run_review(spec, side, upload, sample, save)
        if upload is not None:
            # Drop the upload from the server's memory too: a new uploader key discards it.
            st.session_state["upload-round"] = st.session_state.get("upload-round", 0) + 1
            st.rerun()

    error = st.session_state.get(ERROR)
    if error:
        st.error(error, icon=":material/error:")
    result: ReviewResult | None = st.session_state.get(RESULT)
    if result is not None and result.spec_id == spec.id:
        _show_review(result)


def _run_review(
    spec: ExerciseSpec, side: str | None, upload: Any, sample: Path | None, save: bool = False
) -> str | None:
    """Review the clip; store the result in the session. Returns an error message or None."""
    from formcheck.history import HistoryRecorder, HistoryStore
    from formcheck.pipeline import review_clip

    limit = max_upload_mb()
    if upload is not None and upload.size > limit * 1024 * 1024:
        return (
            f"That file is {upload.size / 1e6:.0f} MB; the limit is {limit} MB. "
            "Trim the clip or lower its resolution."
        )
    bar = st.progress(0.0, text="Reading the clip…")
    # The upload and the annotated video live in a scratch folder that is deleted on exit
    # (or, if the server is killed, when it next starts).
    with scratch_dir() as tmpdir:
        name, clip = "", tmpdir
        try:
            if upload is not None:
                name = Path(upload.name).name
                clip = tmpdir / ("upload" + Path(name).suffix.lower())
                clip.write_bytes(upload.getbuffer())
            else:
                assert sample is not None
                name, clip = sample.name, sample
            out = tmpdir / "annotated.mp4"
            last = [0.0]

            def progress(done: int, total: int | None) -> None:
                now = time.monotonic()
                if now - last[0] < 0.2:
                    return
                last[0] = now
                frac = min(done / total, 1.0) if total else 0.0
                bar.progress(
                    frac, text=f"Checking form… frame {done}" + (f" of {total}" if total else "")
                )

            history = None
            if save:  # a bad history file is refused before the review starts
                store = HistoryStore()
                history = HistoryRecorder(store, "review", clip=name)
            try:
                review = review_clip(
                    clip, spec, side=side, annotated_out=out, progress=progress, history=history
                )
            finally:
                if history is not None:
                    history.store.close()
            video = out.read_bytes() if out.is_file() else None
        except FormcheckError as err:
            bar.empty()
            return str(err).replace(str(clip), name)  # the user's file name, not our temp path
    bar.progress(1.0, text="Done")
    bar.empty()
    st.session_state[RESULT] = ReviewResult(
        spec_id=spec.id,
        name=name,
        record=review.record,
        video=video,
        side=review.side,
        side_auto=review.side_auto,
        fps=review.fps,
        duration_s=review.duration_s,
        decode_error=review.decode_error,
        uploaded=upload is not None,
    )
    return None


def _show_review(result: ReviewResult) -> None:
    record = result.record
    summary = record.summary()
    st.divider()
    meta = f"{result.name} · {result.duration_s:.1f} s at {result.fps:.0f} fps"
    if result.uploaded:
        meta += " · upload deleted"
    if result.side:
        meta += f" · {result.side} side" + (" (detected)" if result.side_auto else "")
    st.caption(meta)
    if result.decode_error:
        st.warning(
            f"The clip is damaged after some point; reviewed up to there. ({result.decode_error})"
        )
    coverage = ui.coverage_warning(record)
    if coverage is not None:
        st.warning(coverage, icon=":material/warning:")
    v_col, s_col = st.columns([3, 2], gap="large")
    with v_col:
        if result.video:
            st.video(result.video, format="video/mp4")
    with s_col:
        widgets.show_summary(record, key="review-summary")
    if record.timeline and summary["assessed"]:
        st.subheader("Over time")
        st.altair_chart(ui.timeline_chart(record), width="stretch")
    reps = ui.rep_table_rows(record)
    if reps:
        st.subheader("Reps")
        st.dataframe(reps, hide_index=True)
    holds = ui.hold_table_rows(record)
    if holds:
        st.subheader("Holds")
        st.dataframe(holds, hide_index=True)
    # Drawn last: a page that shows this marker shows the whole result (browser tests wait on it).
    st.markdown(
        f'<span id="fc-review-rendered" data-clip="{html.escape(result.name)}"></span>',
        unsafe_allow_html=True,
    )
