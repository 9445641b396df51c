"""The guided timer: what the Live coaching page shows for an exercise the camera can't check.

No camera starts. The plan (:class:`formcheck.guided.TimerPlan`) is played in the browser by
a small self-contained player (HTML and JavaScript in a component iframe): it counts down in
the browser's own clock, so the page does not rerun every second, and it keeps running while
the user is on the floor. It shows the step large, the seconds left and what comes next, says
each step aloud with the browser's speech synthesis (a mute switch is on it), and ends with
"Done". Nothing is scored or recorded.
"""

from __future__ import annotations

import html
import json

import streamlit as st
import streamlit.components.v1 as components

from formcheck import ui_helpers as ui
from formcheck.guided import TimerPlan, summary_line
from formcheck.spec import ExerciseSpec

PLAYER_HEIGHT = 430

#: The player; __PLAN__ is replaced by the plan's JSON. Element ids are what tests read.
_PLAYER = """<!doctype html>
<html><head><meta charset="utf-8"><style>
  body { font-family: system-ui, sans-serif; margin: 0; color: #1f2933; }
  #fc-timer { text-align: center; padding: 8px; }
  #fc-timer-label { font-size: clamp(22px, 6vw, 44px); font-weight: 700; margin: 4px 0; }
  #fc-timer-left { font-size: clamp(64px, 18vw, 150px); font-weight: 800; line-height: 1;
    font-variant-numeric: tabular-nums; }
  #fc-timer-next { font-size: clamp(16px, 3.5vw, 24px); color: #52606d; margin: 6px 0 10px; }
  #fc-timer-bar { height: 10px; background: #e4e7eb; border-radius: 5px; overflow: hidden;
    margin: 0 10% 12px; }
  #fc-timer-fill { height: 100%; width: 0; background: #2f855a; }
  .hold #fc-timer-left { color: #2f855a; } .rest #fc-timer-left, .switch #fc-timer-left {
    color: #b7791f; } .done #fc-timer-left { color: #2b6cb0; }
  button { font-size: 20px; padding: 10px 22px; margin: 4px; border-radius: 8px;
    border: 1px solid #9aa5b1; background: #fff; cursor: pointer; }
  button.primary { background: #2f855a; color: #fff; border-color: #2f855a; }
  label { font-size: 16px; margin-left: 10px; }
</style></head><body>
<div id="fc-timer" class="ready" data-state="ready">
  <div id="fc-timer-label">Ready</div>
  <div id="fc-timer-left">0:00</div>
  <div id="fc-timer-next"></div>
  <div id="fc-timer-bar"><div id="fc-timer-fill"></div></div>
  <button id="fc-timer-start" class="primary">Start</button>
  <button id="fc-timer-reset">Reset</button>
  <label><input type="checkbox" id="fc-timer-mute"> Mute</label>
</div>
<script>
const plan = __PLAN__;
const steps = plan.steps;
const total = steps.reduce((a, s) => a + s.seconds, 0);
let elapsed = 0, startedAt = null, lastIndex = -1, lastWarned = -1;
const $ = (id) => document.getElementById(id);
function clock(t) { t = Math.max(0, Math.ceil(t - 1e-6)); const m = Math.floor(t / 60);
  const s = t % 60; return m + ":" + String(s).padStart(2, "0"); }
function say(text) {
  if ($("fc-timer-mute").checked || !window.speechSynthesis) return;
  try { speechSynthesis.cancel(); speechSynthesis.speak(new SpeechSynthesisUtterance(text)); }
  catch (e) {}
}
function at(t) {
  let acc = 0;
  for (let i = 0; i < steps.length; i++) {
    if (t < acc + steps[i].seconds) return {i: i, left: acc + steps[i].seconds - t};
    acc += steps[i].seconds;
  }
  return {i: steps.length, left: 0};
}
function now() {
  return elapsed + (startedAt === null ? 0 : (performance.now() - startedAt) / 1000);
}
function draw() {
  const t = now(), pos = at(t), box = $("fc-timer");
  if (pos.i >= steps.length) {
    if (startedAt !== null) { elapsed = total; startedAt = null; }
    box.className = "done"; box.dataset.state = "done";
    $("fc-timer-label").textContent = "Done"; $("fc-timer-left").textContent = "0:00";
    $("fc-timer-next").textContent = "Well done. Nothing was scored: this was a guided timer.";
    $("fc-timer-fill").style.width = "100%"; $("fc-timer-start").textContent = "Start";
    if (lastIndex !== steps.length) { say("Done"); lastIndex = steps.length; }
    return;
  }
  const step = steps[pos.i];
  box.className = step.kind;
  box.dataset.state = startedAt === null ? (t > 0 ? "paused" : "ready") : "running";
  $("fc-timer-label").textContent = step.label;
  $("fc-timer-left").textContent = clock(pos.left);
  const next = steps[pos.i + 1];
  $("fc-timer-next").textContent = next ? "Next: " + next.label + " (" + next.seconds + " s)"
                                        : "Next: done";
  $("fc-timer-fill").style.width = (100 * t / total).toFixed(1) + "%";
  if (startedAt !== null && pos.i !== lastIndex) {
    lastIndex = pos.i; lastWarned = -1;
    say(step.kind === "hold" ? step.label + ", " + step.seconds + " seconds" : step.label);
  }
  if (startedAt !== null && step.kind === "hold" && step.seconds > 10 && pos.left <= 5
      && lastWarned !== pos.i) { lastWarned = pos.i; say("5 seconds left"); }
}
$("fc-timer-start").onclick = () => {
  if (startedAt === null) {
    if (now() >= total) { elapsed = 0; lastIndex = -1; }
    startedAt = performance.now(); $("fc-timer-start").textContent = "Pause";
  } else {
    elapsed = now(); startedAt = null; $("fc-timer-start").textContent = "Resume";
  }
  draw();
};
$("fc-timer-reset").onclick = () => {
  elapsed = 0; startedAt = null; lastIndex = -1; $("fc-timer-start").textContent = "Start";
  if (window.speechSynthesis) speechSynthesis.cancel();
  draw();
};
draw();
setInterval(draw, 200);
</script></body></html>
"""


def player_html(plan: TimerPlan) -> str:
    """The self-contained player page for ``plan`` (the JSON is made safe for a <script>)."""
    data = plan.to_json().replace("</", "<\\/")
    return _PLAYER.replace("__PLAN__", data)


def render(spec: ExerciseSpec, side: str | None) -> None:
    """The guided timer for a timer spec: instructions, the plan and its player."""
    st.title(f"Guided timer · {spec.name}")
    st.warning(ui.TIMER_NOTE, icon=":material/timer:")
    plan = TimerPlan.from_spec(spec, side)
    # The player first: on a phone the columns stack and it is what you need from the floor.
    player, steps = st.columns([11, 9], gap="large")
    with player:
        components.html(player_html(plan), height=PLAYER_HEIGHT)
    with steps:
        st.markdown(f"**Prescription.** {spec.prescription.text}")
        st.caption(f"{summary_line(plan)}. Source: {ui.prescription_source(spec)}.")
        st.markdown("**How to do it**")
        st.markdown("\n".join(f"1. {step}" for step in spec.instructions))
        if spec.limits:
            st.caption(spec.limits)
        with st.expander("The plan, step by step"):
            st.code("\n".join(plan.lines()), language=None)
    st.markdown(
        f'<span id="fc-timer-page" data-exercise="{html.escape(spec.id)}" '
        f'data-steps="{len(plan.steps)}" data-plan="{html.escape(json.dumps(plan.lines()))}">'
        "</span>",
        unsafe_allow_html=True,
    )
