"""Live coaching: the browser's camera through streamlit-webrtc, one coach per session.

The WebRTC callback (:meth:`LiveState.on_frame`) only steps the session and
queues an immutable result; this page drains the queue and redraws the panel.
"""

from __future__ import annotations

import html
import time
from typing import Any
from urllib.parse import urlparse

import streamlit as st

from formcheck import ui_helpers as ui
from formcheck.app import timer_page, widgets
from formcheck.app.live_state import LiveState
from formcheck.errors import CameraError
from formcheck.spec import ExerciseSpec

PAGE_REFRESH_S = 0.1
#: Local only: no STUN/TURN server on the internet. Host candidates work on localhost and a LAN.
RTC_CONFIGURATION: dict[str, Any] = {"iceServers": []}
MEDIA_CONSTRAINTS = {"video": {"width": 640, "height": 480}, "audio": False}


def live_state() -> LiveState:
    if "live" not in st.session_state:
        st.session_state["live"] = LiveState()
    state: LiveState = st.session_state["live"]
    return state


def _end_set(reason: str | None) -> None:
    """Button callback: end (or stop) the set and stop the camera stream."""
    live_state().end_set(reason)


def render() -> None:
    from streamlit_webrtc import WebRtcMode, webrtc_streamer

    spec, side = widgets.sidebar()
    if spec.is_timer:  # nothing to film: the guided timer instead of the camera
        timer_page.render(spec, side)
        return
    state = live_state()
    st.title(f"Live coaching · {spec.name}" + (f" ({side})" if side else ""))
    widgets.show_setup(spec)
    _lan_hint()

    state.select(spec, side)  # exercise or side changed: keep the old set, start fresh
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
            state.keep_set()  # the stream ended (stop button, camera lost): keep the set
        if state.ready_coach(spec, side, playing) and not playing:
            with st.spinner("Loading the pose model…"):
                assert state.coach is not None
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
                if spec.limits:
                    st.caption(f"Not checked: {spec.limits}")

    coach = state.coach
    assert coach is not None
    panel = (tiles, cue_box, feed_box)
    _render_panel(panel, state.current_status(), state, playing, spec)
    if not playing:
        footer.caption(
            "Press **Start set** and allow the camera. The numbers update here while you "
            "move; **End set** shows the summary."
        )

    if playing:
        while True:  # a rerun (button, stream change) interrupts this loop
            status = state.refresh()
            camera_problem = None
            try:
                coach.check_camera()
            except CameraError as err:
                camera_problem = str(err)
            _render_panel(
                panel,
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
        widgets.show_summary(
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


def _render_panel(
    panel: tuple[Any, Any, Any],
    status: ui.LiveStatus,
    state: LiveState,
    playing: bool,
    spec: ExerciseSpec,
    camera_problem: str | None = None,
    error: str | None = None,
) -> None:
    tiles, cue_box, feed_box = panel
    tiles.markdown(widgets.tiles_html(ui.live_tiles(status, spec)), unsafe_allow_html=True)

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
