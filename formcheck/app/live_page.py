"""Live coaching: a whole routine (or one exercise's prescription) through the browser's
camera, with a camera check before each set, big numbers readable from the floor, and
spoken cues.

The WebRTC callback (:meth:`LiveState.on_frame`) only steps the coach and queues
immutable frames and lines to say; this page drains them, redraws the panel, and hands
new lines to the browser's speech synthesis (the server sends no audio).
"""

from __future__ import annotations

import hashlib
import html
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import streamlit as st

from formcheck import ui_helpers as ui
from formcheck.app import timer_page, widgets
from formcheck.app.coach_view import CoachView, coach_view, plan_lines
from formcheck.app.live_state import LiveState
from formcheck.app.scratch import scratch_dir
from formcheck.errors import CameraError, FormcheckError
from formcheck.routine import DEFAULT_ROUTINE, Routine, clock, load_routines, parse_routine, single
from formcheck.tomlfile import read_toml

PAGE_REFRESH_S = 0.1
#: Local only: no STUN/TURN server on the internet. Host candidates work on localhost and a LAN.
RTC_CONFIGURATION: dict[str, Any] = {"iceServers": []}
MEDIA_CONSTRAINTS = {"video": {"width": 640, "height": 480}, "audio": False}
MODE = "fc-mode"
ROUTINE_MODE, EXERCISE_MODE = "A routine", "One exercise"
ROUTINE_WIDGET = "fc-routine"
MUTE = "fc-mute"
#: ``?routine=ID`` opens the page on that routine.
ROUTINE_PARAM = "routine"
UPLOADED = "uploaded"  # ?routine= while an uploaded routine file is coached

#: Speaks the lines it has not spoken yet (ids are remembered in the page's window).
_SPEAK_JS = """
<script>
(() => {
  const lines = __LINES__;
  const w = window;
  w.__fcSpoken = w.__fcSpoken || new Set();
  for (const [id, text, interrupt] of lines) {
    if (w.__fcSpoken.has(id)) continue;
    w.__fcSpoken.add(id);
    if (!w.speechSynthesis) continue;
    if (interrupt) w.speechSynthesis.cancel();
    const u = new SpeechSynthesisUtterance(text);
    u.rate = 1.0;
    w.speechSynthesis.speak(u);
  }
})();
</script>
"""
_MUTE_JS = "<script>window.speechSynthesis && window.speechSynthesis.cancel();</script>"
_FULLSCREEN = """
<button id="fc-fullscreen" class="fc-fs" type="button">Full screen</button>
<script>
(() => {
  const wire = () => {
    const b = document.getElementById('fc-fullscreen');
    if (!b || b.dataset.wired) return;
    b.dataset.wired = '1';
    b.addEventListener('click', () => {
      const el = document.querySelector('.st-key-fc-coach');
      if (document.fullscreenElement) document.exitFullscreen();
      else if (el && el.requestFullscreen) el.requestFullscreen();
    });
  };
  wire();
  setTimeout(wire, 0);
})();
</script>
"""


def live_state() -> LiveState:
    if "live" not in st.session_state:
        st.session_state["live"] = LiveState()
    state: LiveState = st.session_state["live"]
    return state


@st.cache_resource(show_spinner=False)
def _shipped_routines() -> dict[str, Routine]:
    return load_routines(widgets.specs())


@st.cache_data(show_spinner=False, max_entries=16)
def _parse_upload(name: str, data: bytes) -> Routine | str:
    """A routine file's bytes, validated (cached by content): the routine, or its error."""
    with scratch_dir() as tmp:
        path = tmp / Path(name).name
        path.write_bytes(data)
        try:
            return parse_routine(read_toml(path, what="routine"), widgets.specs(), file=path.name)
        except FormcheckError as err:
            return str(err)


def _uploaded_routine(upload: Any) -> tuple[Routine, str] | None:
    """A routine file the user uploaded and its key; one line on the page when it is wrong."""
    data = upload.getvalue()
    parsed = _parse_upload(upload.name, data)
    if isinstance(parsed, str):
        st.sidebar.error(parsed, icon=":material/error:")
        return None
    return parsed, "upload:" + hashlib.sha1(data).hexdigest()[:16]


def _mode_from_url() -> str:
    """The address says what to coach: ``?routine=ID`` a routine, ``?exercise=ID`` alone
    one exercise (a link from the library), neither the daily routine."""
    if st.query_params.get(ROUTINE_PARAM):
        return ROUTINE_MODE
    return EXERCISE_MODE if widgets.LINK_PARAM in st.query_params else ROUTINE_MODE


def _mode_changed() -> None:
    if st.session_state.get(MODE) == ROUTINE_MODE:
        st.query_params[ROUTINE_PARAM] = st.session_state.get(ROUTINE_WIDGET) or DEFAULT_ROUTINE
    else:
        st.query_params.pop(ROUTINE_PARAM, None)


def _choose_routine(spec: Any, side: str | None) -> tuple[Routine, str] | None:
    """The sidebar's coaching choice: a routine, or the exercise picked above (its whole
    prescription: every set and side, the picked side first). None: a guided timer."""
    routines = _shipped_routines()
    wanted = st.query_params.get(ROUTINE_PARAM)
    if wanted in routines and ROUTINE_WIDGET not in st.session_state:
        st.session_state[ROUTINE_WIDGET] = wanted
    with st.sidebar:
        st.divider()
        mode = st.segmented_control(
            "Coach", [ROUTINE_MODE, EXERCISE_MODE], key=MODE, required=True, on_change=_mode_changed
        )
        if mode == ROUTINE_MODE:
            rid = st.selectbox(
                "Routine",
                list(routines),
                format_func=lambda k: f"{routines[k].name} (~{clock(routines[k].estimated_s())})",
                key=ROUTINE_WIDGET,
            )
            upload = st.file_uploader("Or your own routine (TOML)", type=["toml"])
            mine = _uploaded_routine(upload) if upload is not None else None
            if mine is not None:
                st.query_params[ROUTINE_PARAM] = UPLOADED
                return mine
            st.query_params[ROUTINE_PARAM] = rid
            return routines[rid], f"routine:{rid}"
    st.query_params.pop(ROUTINE_PARAM, None)
    if spec.is_timer:
        return None
    return single(spec, side), f"exercise:{spec.id}:{side or ''}"


def render() -> None:
    from streamlit_webrtc import WebRtcMode, webrtc_streamer

    st.session_state[MODE] = _mode_from_url()
    spec, side = widgets.sidebar(side_control=st.session_state[MODE] == EXERCISE_MODE)
    chosen = _choose_routine(spec, side)
    if chosen is None:  # a guided timer alone: nothing to film
        timer_page.render(spec, side)
        return
    routine, key = chosen
    state = live_state()
    state.select(key)
    state.set_save(
        st.sidebar.toggle(
            "Save my sets",
            value=True,
            key="fc-save",
            help="Keep every set in your history on this computer (the Progress page). "
            "No video is kept.",
        )
    )
    st.title(routine.name)
    _lan_hint()
    if state.history_error:
        st.warning(f"Your sets are not being saved: {state.history_error}", icon=":material/save:")

    coach_box = st.container(key="fc-coach")
    with coach_box:
        video_col, panel_col = st.columns([3, 2], gap="medium")
        with video_col:
            desired = False if state.stop_stream else None
            ctx = webrtc_streamer(
                key=f"live-{key}",
                mode=WebRtcMode.SENDRECV,
                rtc_configuration=RTC_CONFIGURATION,
                media_stream_constraints=MEDIA_CONSTRAINTS,
                video_frame_callback=state.on_frame,
                async_processing=True,
                desired_playing_state=desired,
                translations={
                    "start": "Start",
                    "stop": "Stop camera",
                    "select_device": "Choose camera",
                },
            )
        playing = bool(ctx.state.playing)
        with panel_col:
            panel = st.empty()
            buttons = st.container(horizontal=True)
            speech_box = st.empty()
            options = st.container(horizontal=True)
    if not playing and state.stop_stream:
        state.stop_stream = False
        st.rerun()  # render the stream uncontrolled again, so its Start button returns
    if not playing:
        state.keep()  # the stream ended (stop button, camera lost): keep the routine
    if state.ready_coach(routine, playing) and not playing:
        with st.spinner("Loading the pose model…"):
            assert state.coach is not None
            state.coach.warm_up()

    buttons.button(
        "Next",
        on_click=state.next_step,
        disabled=not playing,
        icon=":material/skip_next:",
        help="End this set or rest now and go on.",
    )
    buttons.button(
        "Skip exercise", on_click=state.skip, disabled=not playing, icon=":material/fast_forward:"
    )
    buttons.button(
        "Stop — pain",
        on_click=state.end,
        args=(ui.PAIN_REASON,),
        disabled=not playing,
        icon=":material/front_hand:",
        type="primary",
        help="Stops now and records that you stopped because of pain.",
    )
    buttons.button(
        "End",
        on_click=state.end,
        args=(None,),
        disabled=not playing,
        icon=":material/flag:",
        help="End the routine; every set so far is kept.",
    )
    muted = options.toggle("Mute voice", key=MUTE)
    with options:
        st.html(_FULLSCREEN, unsafe_allow_javascript=True)
    if muted:
        speech_box.html(_MUTE_JS, unsafe_allow_javascript=True)

    _show_panel(panel, coach_view(state.frame if playing else None, playing, routine), None)
    _below(routine, state, playing)
    if playing:
        coach = state.coach
        assert coach is not None
        spoken = ""
        # A rerun (button, stream change) interrupts this loop; a closed tab ends it.
        while _tab_open():
            frame = state.refresh()
            problem = None
            try:
                coach.check_camera()
            except CameraError as err:
                problem = str(err)
            view = coach_view(frame, True, routine, state.by_direction)
            fps = coach.analysed_fps
            footer = f"Time {ui.format_clock(coach.last_t)}" + (
                "" if fps is None else f" · analysing {fps:.0f} frames/s"
            )
            _show_panel(
                panel,
                view,
                problem or (f"Processing problem: {coach.error}" if coach.error else None),
                footer,
            )
            if muted:
                state.speech.clear()  # muted lines are not said later
            lines = [(i, u.text, u.interrupt) for i, u in state.speech]
            payload = json.dumps(lines)
            if not muted and payload != spoken and lines:
                spoken = payload
                speech_box.html(
                    _SPEAK_JS.replace("__LINES__", payload), unsafe_allow_javascript=True
                )
            time.sleep(PAGE_REFRESH_S)
        state.abandon()  # the tab was closed: keep the sets (the one under way: interrupted)


def _tab_open() -> bool:
    """Is this browser session still connected? (A closed tab must not leave the page's
    polling loop running on the server.)"""
    try:
        from streamlit.runtime import Runtime
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        return ctx is None or Runtime.instance().is_active_session(ctx.session_id)
    except Exception:  # another Streamlit: keep polling (a rerun still ends the loop)
        return True


def _show_panel(
    panel: Any, view: CoachView, problem: str | None, footer: str | None = None
) -> None:
    kind, message, notices = view.kind, view.message, view.notices
    if problem:  # the frames stopped (or failed): what they said last is stale
        kind, message, notices = "cannot", problem, ()
    hold = (
        f'<div class="fc-coach-hold" id="fc-hold">{html.escape(view.hold)}</div>'
        if view.hold
        else ""
    )
    foot = f'<div class="fc-coach-foot" id="fc-foot">{html.escape(footer)}</div>' if footer else ""
    dirs = (
        f'<div class="fc-coach-label" id="fc-directions">{html.escape(view.directions)}</div>'
        if view.directions
        else ""
    )
    # warnings under the one message, never in its place (others in view: counting goes on)
    notes = "".join(
        f'<div class="fc-cue fc-warn fc-coach-note">{html.escape(n)}</div>' for n in notices
    )
    notes = f'<div id="fc-notices">{notes}</div>' if notes else ""
    panel.markdown(
        f'<div class="fc-coach-panel">'
        f'<div class="fc-coach-where" id="fc-where">{html.escape(view.where)}</div>'
        f'<div class="fc-coach-nums"><div><div class="fc-coach-count" id="fc-count">'
        f'{html.escape(view.count)}</div><div class="fc-coach-label" id="fc-count-label">'
        f"{html.escape(view.count_label)}</div></div>{hold}</div>{dirs}"
        f'<div class="fc-cue fc-{kind} fc-coach-cue" id="fc-cue">{html.escape(message)}</div>'
        f"{notes}{foot}</div>",
        unsafe_allow_html=True,
    )


def _below(routine: Routine, state: LiveState, playing: bool) -> None:
    """Under the coaching view: the last routine's result (camera off), the plan, how to
    set up, and the pain score before starting (camera off).

    While the camera plays, this script run never ends (it polls the coach), so nothing a
    camera-off run drew may be left over: each part is a placeholder, emptied explicitly.
    """
    done = state.finished
    top = st.empty()
    left, right = st.columns(2)
    with left:
        st.markdown("**Today's plan** " + f"(about {clock(routine.estimated_s())})")
        if routine.description:
            st.caption(routine.description)
        st.markdown("\n".join(f"- {line[line.index(' ') + 1 :]}" for line in plan_lines(routine)))
    setup = right.empty()
    if playing:
        top.empty()
        setup.empty()
        return
    with top.container():
        if done is not None and done.routine.id == routine.id:
            _show_finished(state)
        else:
            st.caption(
                "Press **Start** and allow the camera. Each set starts with a camera check "
                "and a 3-2-1; the count and the cues are spoken (mute them with the switch)."
            )
    with setup.container():
        widgets.show_setup(routine.items[0].spec, picture=False, compact=True)
        state.pain_before = st.pills(
            "Pain now, before you start (0 none, 10 worst)",
            list(range(11)),
            key="fc-pain-before",
        )


def _show_finished(state: LiveState) -> None:
    done = state.finished
    assert done is not None
    st.divider()
    if done.stopped:
        st.error(
            f"Stopped: {done.stopped}. Your sets so far are kept; rest, and see your "
            "physiotherapist if the pain doesn't settle.",
            icon=":material/pan_tool:",
        )
    else:
        st.success(
            f"{done.routine.name}: {len(done.records)} set(s) recorded.",
            icon=":material/check_circle:",
        )
    if done.rows:
        st.table(done.rows, border="horizontal")
    if done.skipped:
        st.caption("Skipped: " + ", ".join(done.skipped))
    if done.history is not None and done.history.session_id is not None:
        st.caption("Saved in your history on this computer: see **Progress**.")
    after = st.pills(
        "Pain now, after the routine (0 none, 10 worst)",
        list(range(11)),
        key=f"fc-pain-after-{id(done)}",
    )
    state.set_pain_after(after)
    if done.pain_before is not None or done.pain_after is not None:
        b = "not given" if done.pain_before is None else done.pain_before
        a = "not given" if done.pain_after is None else done.pain_after
        st.caption(f"Pain before {b}, after {a} (0-10).")
    for i, record in enumerate(done.records):
        record.meta.update(pain_before=done.pain_before, pain_after=done.pain_after)
        side = record.sets[-1].side if record.sets else None
        with st.expander(
            f"{record.spec.name}, set {record.meta.get('set_no', 1)}"
            + (f" ({side} side)" if side else "")
        ):
            widgets.show_summary(record, key=f"live-summary-{i}", title="Set")


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
