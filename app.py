"""formcheck web app: live webcam coaching, clip review and the exercise library.

Run:  streamlit run app.py
(.streamlit/config.toml binds to localhost; see the comments there for the LAN.)

This file only lays out widgets. The engine lives in formcheck/; live
coaching in formcheck/live.py, text and plots in formcheck/ui_helpers.py.
"""

from __future__ import annotations

import html
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import streamlit as st

from formcheck import ui_helpers as ui
from formcheck.errors import CameraError, FormcheckError
from formcheck.live import LiveCoach
from formcheck.record import SessionRecord
from formcheck.results import FaultRaised
from formcheck.spec import ExerciseSpec, load_specs

ROOT = Path(__file__).resolve().parent
SAMPLE_DIR = ROOT / "sample_videos"
VIDEO_TYPES = ["mp4", "mov", "m4v", "webm", "mkv", "avi"]
DEFAULT_MAX_UPLOAD_MB = 100  # server.maxUploadSize in .streamlit/config.toml overrides this
PAGE_REFRESH_S = 0.1
#: Local only: no STUN/TURN server on the internet. Host candidates work on localhost and a LAN.
RTC_CONFIGURATION: dict[str, Any] = {"iceServers": []}
MEDIA_CONSTRAINTS = {"video": {"width": 640, "height": 480}, "audio": False}


def _use_starlette_media_handling() -> None:
    """Work around Streamlit 1.60 + Starlette >= 1.5 serving video and images as HTTP 500.

    Streamlit's media-aware gzip responders hold back the response start for
    video/image content, which newer Starlette no longer sends for them
    ("Expected ASGI message 'http.response.start'"), so st.video cannot load.
    Starlette >= 1.5 excludes media and 206 responses from gzip by itself, which
    is what Streamlit switched to upstream (streamlit/streamlit#16462); do the
    same here. Idempotent; does nothing on other versions.
    """
    try:
        import starlette
        from starlette.middleware.gzip import GZipResponder, IdentityResponder
        from streamlit.web.server.starlette import starlette_gzip_middleware as gz
    except ImportError:
        return
    major, minor = (int(x) for x in starlette.__version__.split(".")[:2])
    if (major, minor) < (1, 5) or not hasattr(gz, "_MediaAwareGZipResponder"):
        return
    gz._MediaAwareGZipResponder.send_with_compression = (  # type: ignore[method-assign]
        GZipResponder.send_with_compression
    )
    gz._MediaAwareIdentityResponder.send_with_compression = (  # type: ignore[method-assign]
        IdentityResponder.send_with_compression
    )


_use_starlette_media_handling()
st.set_page_config(page_title="formcheck", page_icon="🧘", layout="wide")

CSS = """
<style>
.block-container {padding-top: 3.2rem; max-width: 1250px;}
.fc-tiles {display: flex; gap: 0.75rem; margin: 0.25rem 0 0.75rem 0;}
.fc-tile {flex: 1; border-radius: 0.6rem; padding: 0.8rem 1rem; background: #f3f6f4;
          border: 1px solid #dfe7e2;}
.fc-tile .fc-big {font-size: 1.6rem; font-weight: 700; color: #1b3a2b; line-height: 1.2;
                  white-space: nowrap;}
.fc-tile .fc-small {font-size: 0.85rem; color: #5b6b62; margin-top: 0.15rem;}
.fc-cue {border-radius: 0.6rem; padding: 0.75rem 1rem; font-size: 1.15rem; font-weight: 600;
         margin-bottom: 0.6rem;}
.fc-cue.fc-ok {background: #e8f5e9; color: #1b5e20; border-left: 6px solid #2e7d32;}
.fc-cue.fc-fault {background: #fff3e0; color: #8a3c00; border-left: 6px solid #ef6c00;}
.fc-cue.fc-cannot {background: #eceff1; color: #37474f; border-left: 6px solid #78909c;}
.fc-cue.fc-stopped {background: #ffebee; color: #8e0000; border-left: 6px solid #c62828;}
.fc-pill {display: inline-block; padding: 0.1rem 0.6rem; border-radius: 1rem; font-size: 0.8rem;
          background: #e3ebe6; color: #2d4a3a; margin-right: 0.35rem;}
.fc-check {margin: 0.2rem 0;}
</style>
"""


# ---------------------------------------------------------------------------
# Shared state and widgets
# ---------------------------------------------------------------------------


def specs() -> dict[str, ExerciseSpec]:
    """All exercise specs (immutable, so safe to share between sessions)."""
    if "specs" not in st.session_state:
        st.session_state["specs"] = load_specs()
    result: dict[str, ExerciseSpec] = st.session_state["specs"]
    return result


def sidebar() -> tuple[ExerciseSpec, str | None]:
    all_specs = specs()
    with st.sidebar:
        st.markdown("## formcheck")
        st.caption("Camera form checks for lower-back-pain home exercises.")
        ids = list(all_specs)
        exercise_id = st.selectbox(
            "Exercise", ids, format_func=lambda i: all_specs[i].name, key="exercise"
        )
        spec = all_specs[exercise_id]
        side: str | None = None
        if spec.has_sides:
            side = st.radio(
                "Working side",
                list(spec.prescription.sides),
                horizontal=True,
                key="side",
                format_func=str.capitalize,
            )
        st.markdown(
            f'<span class="fc-pill">{html.escape(ui.VIEW_LABELS[spec.view])}</span>'
            f'<span class="fc-pill">{html.escape(ui.CATEGORY_LABELS[spec.category])}</span>',
            unsafe_allow_html=True,
        )
        st.divider()
        st.caption(
            "formcheck gives feedback on form; it is not medical advice. "
            "Stop if pain increases or spreads down the leg."
        )
        st.caption("Video stays on this computer and is not stored unless you download it.")
    return spec, side


def prescription_line(spec: ExerciseSpec) -> str:
    facts = " · ".join(f"**{k}** {v}" for k, v in ui.prescription_facts(spec))
    return facts or spec.prescription.text


def show_setup(spec: ExerciseSpec) -> None:
    """Camera placement and the seed's prescription."""
    c1, c2 = st.columns(2)
    with c1:
        st.info(f"**Camera.** {spec.camera}", icon=":material/photo_camera:")
    with c2:
        st.success(
            f"**Prescription.** {prescription_line(spec)}  \n{spec.prescription.text}",
            icon=":material/assignment:",
        )
    start = ui.start_position(spec)
    if start:
        st.markdown(f"**Start position.** {start}")
    if spec.is_timer:
        st.warning(ui.TIMER_NOTE, icon=":material/timer:")
    if spec.low_confidence:
        st.caption(
            ":material/info: The rep count for this exercise is an estimate: the camera sees "
            "the movement only partly. Holds and form points are checked as usual; the "
            "exercise library says more."
        )


def show_summary(record: SessionRecord, key: str, title: str = "Summary") -> None:
    """Result against the prescription, faults with times, downloads."""
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
    stopped = ui.stopped_text(record)
    if stopped is not None:
        st.error(stopped, icon=":material/pan_tool:")
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
        "Reps (CSV)",
        record.to_csv(),
        f"{base}.csv",
        "text/csv",
        key=f"{key}-csv",
        icon=":material/download:",
        on_click="ignore",
    )


# ---------------------------------------------------------------------------
# Live coaching
# ---------------------------------------------------------------------------


@dataclass
class LiveState:
    """Per browser session: the current coach, the last finished set, the page's view."""

    key: tuple[str, str | None] | None = None
    coach: LiveCoach | None = None
    last_record: SessionRecord | None = None
    fault_feed: list[FaultRaised] = field(default_factory=list)
    status: ui.LiveStatus | None = None
    stop_stream: bool = False

    def on_frame(self, frame: Any) -> Any:
        """The video_frame_callback: runs in the WebRTC worker thread, never calls st.*."""
        coach = self.coach
        return frame if coach is None else coach.on_frame(frame)


def live_state() -> LiveState:
    if "live" not in st.session_state:
        st.session_state["live"] = LiveState()
    state: LiveState = st.session_state["live"]
    return state


def _keep_set(state: LiveState, reason: str | None = None) -> None:
    """Finish the current coach's set (if it saw frames) and keep its record.

    The finished coach stays in place (it passes frames through untouched) until
    the stream has stopped; only then does a fresh coach take over.
    """
    coach = state.coach
    if coach is None or coach.finished:
        return
    if coach.frames > 0 or reason is not None:
        state.last_record = coach.stop(reason) if reason is not None else coach.finish()


def _end_set(reason: str | None) -> None:
    """Button callback: end (or stop) the set and stop the camera stream."""
    state = live_state()
    _keep_set(state, reason)
    state.stop_stream = True


def live_page() -> None:
    from streamlit_webrtc import WebRtcMode, webrtc_streamer

    spec, side = sidebar()
    state = live_state()
    key = (spec.id, side)
    st.title(f"Live coaching · {spec.name}" + (f" ({side})" if side else ""))
    show_setup(spec)
    _lan_hint()

    if state.key != key:  # exercise or side changed: keep the old set, start fresh
        _keep_set(state)
        if state.coach is not None:
            state.coach.close()
        state.coach = None
        state.key, state.fault_feed, state.status = key, [], None
    video_col, panel_col = st.columns([11, 9], gap="large")
    with video_col:
        desired = False if state.stop_stream else None
        ctx = webrtc_streamer(
            key=f"live-{spec.id}-{side or 'both'}",
            mode=WebRtcMode.SENDRECV,
            rtc_configuration=RTC_CONFIGURATION,
            media_stream_constraints=MEDIA_CONSTRAINTS,
            video_frame_callback=state.on_frame,
            async_processing=True,
            desired_playing_state=desired,
            translations={
                "start": "Start set",
                "stop": "Stop camera",
                "select_device": "Choose camera",
            },
        )
        playing = bool(ctx.state.playing)
        if not playing and state.stop_stream:
            state.stop_stream = False
            st.rerun()  # render the stream uncontrolled again, so its Start button returns
        if not playing:
            _keep_set(state)  # the stream ended (stop button, camera lost): keep the set
        if state.coach is None or (state.coach.finished and not playing):
            state.coach = LiveCoach(spec, side)
            state.fault_feed, state.status = [], None
            if not playing:
                with st.spinner("Loading the pose model…"):
                    state.coach.warm_up()
        buttons = st.container(horizontal=True)
        buttons.button(
            "End set",
            type="primary",
            on_click=_end_set,
            args=(None,),
            disabled=not playing,
            icon=":material/flag:",
        )
        buttons.button(
            "Stop — pain",
            on_click=_end_set,
            args=(ui.PAIN_REASON,),
            disabled=not playing,
            icon=":material/front_hand:",
            help="Stops the set and records that you stopped because of pain.",
        )
    with panel_col:
        tiles = st.empty()
        cue_box = st.empty()
        feed_box = st.empty()
        footer = st.empty()
        checks = "".join(f"\n- {ui.check_markdown(rid, desc)}" for rid, desc in spec.checks())
        if checks:
            with st.expander("Form points checked", expanded=False):
                st.markdown(checks)

    coach = state.coach
    assert coach is not None
    status = state.status or ui.LiveStatus.waiting(spec, side)
    _render_panel(tiles, cue_box, feed_box, status, state, playing, spec)
    if not playing:
        footer.caption(
            "Press **Start set** and allow the camera. The numbers update here while you "
            "move; **End set** shows the summary."
        )

    if playing:
        while True:  # a rerun (button, stream change) interrupts this loop
            results = coach.drain()
            if results:
                status = ui.LiveStatus.from_result(results[-1], spec)
                state.status = status
            state.fault_feed = coach.faults()
            camera_problem = None
            try:
                coach.check_camera()
            except CameraError as err:
                camera_problem = str(err)
            _render_panel(
                tiles,
                cue_box,
                feed_box,
                status,
                state,
                playing,
                spec,
                camera_problem=camera_problem,
                error=coach.error,
            )
            fps = coach.analysed_fps
            footer.caption(
                f"Set time {ui.format_clock(coach.last_t)}"
                + ("" if fps is None else f" · analysing {fps:.0f} frames/s")
            )
            time.sleep(PAGE_REFRESH_S)
    elif state.last_record is not None:
        st.divider()
        record = state.last_record
        side_done = record.sets[-1].side if record.sets else None
        show_summary(
            record,
            key="live-summary",
            title="Last set" + (f" ({side_done} side)" if side_done else ""),
        )
        upcoming = ui.next_side(record)
        if upcoming is not None and record.summary()["stopped"] is None:
            st.info(
                f"Next: the **{upcoming}** side. Choose {upcoming.capitalize()} under "
                "Working side, then press **Start set**.",
                icon=":material/swap_horiz:",
            )


def _tile(big: str, small: str, elem_id: str) -> str:
    return (
        f'<div class="fc-tile" id="{elem_id}"><div class="fc-big">{html.escape(big)}</div>'
        f'<div class="fc-small">{html.escape(small)}</div></div>'
    )


def _render_panel(
    tiles: Any,
    cue_box: Any,
    feed_box: Any,
    status: ui.LiveStatus,
    state: LiveState,
    playing: bool,
    spec: ExerciseSpec,
    camera_problem: str | None = None,
    error: str | None = None,
) -> None:
    reps_note = status.phase + (" · count is an estimate" if spec.low_confidence else "")
    parts = [_tile(status.reps_text, reps_note, "fc-reps")]
    if status.hold_text is not None:
        ht = ui.hold_target(spec)
        best = f"best {status.best_hold_s:.1f} s" + (
            "" if ht is None else " · counts only while form is correct"
        )
        parts.append(_tile(status.hold_text, best, "fc-hold"))
    tiles.markdown(f'<div class="fc-tiles">{"".join(parts)}</div>', unsafe_allow_html=True)

    if camera_problem:
        kind, text = "fc-cannot", camera_problem
    elif error:
        kind, text = "fc-cannot", f"Processing problem: {error}"
    elif status.cannot_assess:
        kind, text = "fc-cannot", status.cannot_assess
    elif status.cue and status.cue.startswith("Set stopped"):
        kind, text = "fc-stopped", status.cue
    elif status.cue:
        kind, text = "fc-fault", status.cue
    elif playing and status.person:
        kind, text = "fc-ok", "Good form — keep going"
    elif playing:
        kind, text = "fc-cannot", "Waiting for you to get into position…"
    else:
        kind, text = "fc-cannot", "Camera off"
    cue_box.markdown(
        f'<div class="fc-cue {kind}" id="fc-cue">{html.escape(text)}</div>', unsafe_allow_html=True
    )

    if state.fault_feed:
        recent = state.fault_feed[-4:][::-1]
        lines = "\n".join(f"- `{ui.format_clock(f.t_s)}` {html.escape(f.cue)}" for f in recent)
        feed_box.markdown(f"**Form notes this set**\n{lines}")
    else:
        feed_box.empty()


def _lan_hint() -> None:
    """Browsers only give camera access on https:// or localhost: say so on a plain-http LAN URL."""
    try:
        url = urlparse(str(st.context.url or ""))
    except Exception:
        return
    host = url.hostname or ""
    if url.scheme == "http" and host not in ("localhost", "127.0.0.1", "::1", ""):
        st.warning(
            "Browsers only allow the camera on **https://** or **localhost**. To coach from "
            "another device, start formcheck with a certificate "
            "(`--server.sslCertFile` / `--server.sslKeyFile`, see .streamlit/config.toml).",
            icon=":material/lock:",
        )


# ---------------------------------------------------------------------------
# Clip review
# ---------------------------------------------------------------------------


def max_upload_mb() -> int:
    """The upload limit: the server's maxUploadSize (the uploader enforces it too)."""
    try:
        return int(st.get_option("server.maxUploadSize"))
    except Exception:
        return DEFAULT_MAX_UPLOAD_MB


def _sample_clips() -> list[Path]:
    if not SAMPLE_DIR.is_dir():
        return []
    return sorted(p for p in SAMPLE_DIR.iterdir() if p.suffix.lower().lstrip(".") in VIDEO_TYPES)


def review_page() -> None:
    spec, _ = sidebar()
    st.title(f"Review a clip · {spec.name}")
    show_setup(spec)

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
        clips = _sample_clips()
        if not clips:
            st.info("No sample clips in sample_videos/.")
        else:
            sample = st.selectbox(
                "Sample clip", clips, format_func=lambda p: p.name, key="review-sample"
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
    if st.button("Review clip", type="primary", disabled=not ready, icon=":material/play_arrow:"):
        side = None if side_choice in (None, "auto") else side_choice
        st.session_state.pop("review-result", None)
        st.session_state["review-error"] = _run_review(spec, side, upload, sample)
        if upload is not None:
            # Drop the upload from the server's memory too: a new uploader key discards it.
            st.session_state["upload-round"] = st.session_state.get("upload-round", 0) + 1
            st.rerun()

    error = st.session_state.get("review-error")
    if error:
        st.error(error, icon=":material/error:")
    result = st.session_state.get("review-result")
    if result is not None and result["spec"] == spec.id:
        _show_review(result)


def _run_review(
    spec: ExerciseSpec, side: str | None, upload: Any, sample: Path | None
) -> str | None:
    """Review the clip; store the result in the session. Returns an error message or None."""
    from formcheck.pipeline import review_clip

    limit = max_upload_mb()
    if upload is not None and upload.size > limit * 1024 * 1024:
        return (
            f"That file is {upload.size / 1e6:.0f} MB; the limit is {limit} MB. "
            "Trim the clip or lower its resolution."
        )
    bar = st.progress(0.0, text="Reading the clip…")
    # The upload and the annotated video live in a temporary directory that is deleted on exit.
    with tempfile.TemporaryDirectory(prefix="formcheck-") as tmp:
        tmpdir = Path(tmp)
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

            review = review_clip(clip, spec, side=side, annotated_out=out, progress=progress)
            video = out.read_bytes() if out.is_file() else None
        except FormcheckError as err:
            bar.empty()
            return str(err).replace(str(clip), name)  # the user's file name, not our temp path
    bar.progress(1.0, text="Done")
    bar.empty()
    st.session_state["review-result"] = {
        "spec": spec.id,
        "name": name,
        "record": review.record,
        "video": video,
        "side": review.side,
        "side_auto": review.side_auto,
        "fps": review.fps,
        "duration_s": review.duration_s,
        "decode_error": review.decode_error,
        "uploaded": upload is not None,
    }
    return None


def _show_review(result: dict[str, Any]) -> None:
    record: SessionRecord = result["record"]
    summary = record.summary()
    st.divider()
    meta = f"{result['name']} · {result['duration_s']:.1f} s at {result['fps']:.0f} fps"
    if result["uploaded"]:
        meta += " · upload deleted"
    if result["side"]:
        meta += f" · {result['side']} side" + (" (detected)" if result["side_auto"] else "")
    st.caption(meta)
    if result["decode_error"]:
        st.warning(
            f"The clip is damaged after some point; reviewed up to there. "
            f"({result['decode_error']})"
        )
    coverage = ui.coverage_warning(record)
    if coverage is not None:
        st.warning(coverage, icon=":material/warning:")
    v_col, s_col = st.columns([3, 2], gap="large")
    with v_col:
        if result["video"]:
            st.video(result["video"], format="video/mp4")
    with s_col:
        show_summary(record, key="review-summary")
    if record.timeline and summary["assessed"]:
        st.subheader("Over time")
        st.altair_chart(ui.timeline_chart(record), width="stretch")
    reps = ui.rep_table_rows(record)
    if reps:
        st.subheader("Reps")
        st.dataframe(reps, hide_index=True)
    # Drawn last: a page that shows this marker shows the whole result (browser tests wait on it).
    st.markdown(
        f'<span id="fc-review-rendered" data-clip="{html.escape(result["name"])}"></span>',
        unsafe_allow_html=True,
    )


# ---------------------------------------------------------------------------
# Exercise library
# ---------------------------------------------------------------------------


def library_page() -> None:
    sidebar()
    all_specs = specs()
    st.title("Exercise library")
    st.caption(
        f"{len(all_specs)} exercises from the seed articles. Each names the camera view to use, "
        "the prescription from its source, and the form points formcheck checks."
    )
    for spec in all_specs.values():
        with st.container(border=True):
            st.subheader(spec.name)
            views = " ".join(
                f'<span class="fc-pill">{html.escape(ui.VIEW_LABELS[v])}</span>' for v in spec.views
            )
            cat = ui.CATEGORY_LABELS.get(spec.category, spec.category)
            st.markdown(
                f'{views}<span class="fc-pill">{html.escape(cat)}</span>', unsafe_allow_html=True
            )
            left, right = st.columns(2, gap="large")
            with left:
                st.markdown("**How to do it**")
                start = ui.start_position(spec)
                if start:
                    st.markdown(f"*Start position:* {start}")
                st.markdown("\n".join(f"1. {step}" for step in spec.instructions))
                st.markdown(f"**Camera.** {spec.camera}")
            with right:
                st.markdown(f"**Prescription.** {prescription_line(spec)}")
                st.caption(spec.prescription.text)
                st.markdown("**Form points checked**")
                checks = spec.checks()
                if spec.is_timer:
                    st.markdown(f"- {ui.TIMER_NOTE}")
                elif checks:
                    st.markdown(
                        "\n".join(f"- {ui.check_markdown(rid, desc)}" for rid, desc in checks)
                    )
                else:
                    st.markdown("- Counting and timing only.")
                if spec.limits:
                    st.caption(f"Not checked: {spec.limits}")
            with st.expander("Source"):
                st.write(spec.source)


# ---------------------------------------------------------------------------
# Navigation
# ---------------------------------------------------------------------------

st.markdown(CSS, unsafe_allow_html=True)
nav = st.navigation(
    [
        st.Page(
            live_page,
            title="Live coaching",
            icon=":material/videocam:",
            url_path="live",
            default=True,
        ),
        st.Page(review_page, title="Review a clip", icon=":material/movie:", url_path="review"),
        st.Page(
            library_page, title="Exercise library", icon=":material/menu_book:", url_path="library"
        ),
    ],
    position="top",
)
nav.run()
