"""Draw a pose and the engine's verdict on a frame.

:func:`annotate` only reads a :class:`~formcheck.results.FrameResult`; it keeps
no state and never changes its input image. Sizes scale with the frame so the
overlay is readable from 480p landscape to 1080p portrait.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from formcheck.coaching import CoachFrame
from formcheck.landmarks import POSE_CONNECTIONS, Landmark, PoseFrame
from formcheck.results import FrameResult, Phase

ImageBGR = npt.NDArray[np.uint8]
Colour = tuple[int, int, int]

#: Below this visibility a point or bone is not drawn at all.
HIDE_BELOW = 0.3
#: Below this visibility it is drawn faded.
FADE_BELOW = 0.6

FONT = cv2.FONT_HERSHEY_SIMPLEX
WHITE: Colour = (255, 255, 255)
LIGHT: Colour = (225, 225, 225)
LEFT_COLOUR: Colour = (0, 165, 255)  # orange (BGR): the person's left side
RIGHT_COLOUR: Colour = (255, 200, 0)  # light blue: the person's right side
MID_COLOUR: Colour = (235, 235, 235)
OK_COLOUR: Colour = (60, 150, 40)  # green banner
FAULT_COLOUR: Colour = (0, 150, 235)  # amber banner
GREY_COLOUR: Colour = (110, 110, 110)
PANEL_ALPHA = 0.6
#: The live overlay's smallest text scale (640x360 and 640x480 frames shown large).
COMPACT_FLOOR = 0.75

_FACE = {Landmark(i) for i in range(1, 11)}

_PHASE_TEXT = {
    Phase.UNKNOWN: "-",
    Phase.REST: "rest",
    Phase.RISING: "rising",
    Phase.TOP: "top",
    Phase.LOWERING: "lowering",
}

_ASCII = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00d7": "x",
    }
)


@dataclass(frozen=True, slots=True)
class _Style:
    scale: float  # font scale for body text
    thick: int  # text stroke
    pad: int  # inner padding in pixels
    line: int  # bone width
    radius: int  # joint radius

    @staticmethod
    def for_size(w: int, h: int, floor: float = 0.45) -> _Style:
        # Landscape: 1.0 at 720 px high (480p -> 0.67). Portrait frames are
        # shown scaled down to fit a screen's height, so their text is larger
        # for the width: 1080x1920 -> 1.9, 480x854 -> 0.86.
        s = h / 720.0 if w >= h else w / 560.0
        s = max(floor, s)
        return _Style(
            scale=0.8 * s,
            thick=max(1, round(2 * s)),
            pad=max(4, round(10 * s)),
            line=max(2, round(4 * s)),
            radius=max(3, round(6 * s)),
        )


def _clean(text: str) -> str:
    """Hershey fonts draw ASCII only; keep the degree sign (drawn by hand)."""
    text = text.translate(_ASCII)
    return "".join(c if (32 <= ord(c) < 127 or c == "\u00b0") else "?" for c in text)


def _text_size(text: str, scale: float, thick: int) -> tuple[int, int]:
    """(width, height above baseline) of ``text``; a degree sign counts as a small circle."""
    parts = text.split("\u00b0")
    w = 0
    h = 0
    for i, part in enumerate(parts):
        if part:
            (pw, ph), _ = cv2.getTextSize(part, FONT, scale, thick)
            w += pw
            h = max(h, ph)
        if i < len(parts) - 1:
            w += _deg_width(scale)
    if h == 0:
        (_, h), _ = cv2.getTextSize("0", FONT, scale, thick)
    return w, h


def _deg_width(scale: float) -> int:
    return max(4, round(14 * scale))


def _put_text(
    img: ImageBGR, text: str, org: tuple[int, int], scale: float, thick: int, colour: Colour
) -> None:
    """Draw text with an anti-aliased degree sign; ``org`` is the baseline start."""
    x, y = org
    parts = text.split("\u00b0")
    (_, digit_h), _ = cv2.getTextSize("0", FONT, scale, thick)
    for i, part in enumerate(parts):
        if part:
            cv2.putText(img, part, (x, y), FONT, scale, colour, thick, cv2.LINE_AA)
            x += cv2.getTextSize(part, FONT, scale, thick)[0][0]
        if i < len(parts) - 1:
            r = max(2, round(4 * scale))
            cv2.circle(img, (x + r + 1, y - digit_h + r), r, colour, max(1, thick - 1), cv2.LINE_AA)
            x += _deg_width(scale)


def _wrap(text: str, max_w: int, scale: float, thick: int) -> list[str]:
    words = text.split()
    lines: list[str] = []
    cur = ""
    for word in words:
        trial = f"{cur} {word}".strip()
        if cur and _text_size(trial, scale, thick)[0] > max_w:
            lines.append(cur)
            cur = word
        else:
            cur = trial
    if cur:
        lines.append(cur)
    return lines or [""]


def _darken(
    img: ImageBGR,
    y0: int,
    y1: int,
    colour: Colour,
    alpha: float,
    x0: int = 0,
    x1: int | None = None,
) -> None:
    """Blend rows ``y0:y1`` (columns ``x0:x1``, default all) toward ``colour`` in place."""
    if y1 <= y0:
        return
    region = img[y0:y1, x0:x1]
    solid = np.empty_like(region)
    solid[:] = colour
    cv2.addWeighted(region, 1 - alpha, solid, alpha, 0, dst=region)


def _side_colour(lm: Landmark) -> Colour:
    name = lm.name
    if name.startswith("LEFT_"):
        return LEFT_COLOUR
    if name.startswith("RIGHT_"):
        return RIGHT_COLOUR
    return MID_COLOUR


def _pt(xy: npt.NDArray[np.float64]) -> tuple[int, int] | None:
    x, y = float(xy[0]), float(xy[1])
    if not (math.isfinite(x) and math.isfinite(y)):
        return None
    if abs(x) > 1e5 or abs(y) > 1e5:
        return None
    return round(x), round(y)


def _draw_skeleton(img: ImageBGR, pose: PoseFrame, st: _Style) -> None:
    """Bones and joints; faded when barely visible, omitted when not visible.

    Faded parts are drawn first (on a copy of their bounding box, blended back),
    so solid parts always end up on top at full strength.
    """
    vis = pose.visibility
    # (faded, points, colour, width or -1 for a filled circle of that radius)
    ops: list[tuple[bool, tuple[tuple[int, int], ...], Colour, int]] = []
    for a, b in POSE_CONNECTIONS:
        v = min(vis[a], vis[b])
        pa, pb = _pt(pose.xy[a]), _pt(pose.xy[b])
        if v < HIDE_BELOW or pa is None or pb is None:
            continue
        colour = _side_colour(a) if _side_colour(a) == _side_colour(b) else MID_COLOUR
        width = max(1, st.line // 2) if (a in _FACE or b in _FACE) else st.line
        ops.append((bool(v < FADE_BELOW), (pa, pb), colour, width))
    outline = st.radius + max(1, st.line // 2)
    for lm in Landmark:
        p = _pt(pose.xy[lm])
        if lm in _FACE or vis[lm] < HIDE_BELOW or p is None:
            continue
        ops.append((bool(vis[lm] < FADE_BELOW), (p,), (30, 30, 30), -outline))
        ops.append((bool(vis[lm] < FADE_BELOW), (p,), _side_colour(lm), -st.radius))

    def draw(target: ImageBGR, faded: bool, dx: int, dy: int) -> None:
        for is_faded, pts, colour, width in ops:
            if is_faded != faded:
                continue
            moved = [(x - dx, y - dy) for x, y in pts]
            if width < 0:
                cv2.circle(target, moved[0], -width, colour, -1, cv2.LINE_AA)
            else:
                cv2.line(target, moved[0], moved[1], colour, width, cv2.LINE_AA)

    faded_pts = [p for is_faded, pts, _, _ in ops if is_faded for p in pts]
    if faded_pts:
        h, w = img.shape[:2]
        margin = outline + st.line + 2
        xs, ys = [p[0] for p in faded_pts], [p[1] for p in faded_pts]
        x0, y0 = max(0, min(xs) - margin), max(0, min(ys) - margin)
        x1, y1 = min(w, max(xs) + margin + 1), min(h, max(ys) + margin + 1)
        if x1 > x0 and y1 > y0:
            roi = img[y0:y1, x0:x1]
            layer = roi.copy()
            draw(layer, True, x0, y0)
            cv2.addWeighted(layer, 0.4, roi, 0.6, 0, dst=roi)
    draw(img, False, 0, 0)


def _feature_label(name: str) -> str:
    return name.replace("_", " ")


def _fmt_value(value: float) -> str:
    return f"{value:.0f}\u00b0"


#: Messages that already say what is wrong and what to do (the posture gate's, a cut's).
_SAYS_ITSELF = ("Cannot assess", "Get into position", "This doesn't look like", "No person")


def _banner(result: FrameResult | None) -> tuple[str, Colour] | None:
    if result is None:
        return None
    if result.cannot_assess:
        text = result.cannot_assess
        if not text.startswith(_SAYS_ITSELF):
            text = f"Cannot assess: {text}"
        return text, GREY_COLOUR
    if result.cue or result.faults:
        text = result.cue or "Check your form: " + ", ".join(
            f.replace("_", " ") for f in result.faults
        )
        return text, FAULT_COLOUR
    if not result.person:
        return "No person in view", GREY_COLOUR
    if result.phase == Phase.UNKNOWN or not result.assessed:
        return "Getting ready", GREY_COLOUR
    return "Good form", OK_COLOUR


def _chips(
    result: FrameResult | None,
    reps_target: int | None,
    hold_target_s: float | None,
    count_label: str = "Reps",
) -> list[str]:
    if result is None:
        return []
    chips = []
    reps = f"{count_label} {result.reps}" + (f" / {reps_target}" if reps_target else "")
    chips.append(reps)
    if hold_target_s is not None:
        held = result.hold_s if result.hold_s > 0 else result.best_hold_s
        label = "Hold" if result.hold_s > 0 else "Best hold"
        chips.append(f"{label} {held:.1f} / {hold_target_s:g} s")
    if result.phase != Phase.UNKNOWN:
        chips.append(f"Phase {_PHASE_TEXT.get(result.phase, str(result.phase.value))}")
    if result.key_value is not None and math.isfinite(result.key_value):
        chips.append(f"{_feature_label(result.key_feature)} {_fmt_value(result.key_value)}")
    return chips


def annotate(
    image_bgr: ImageBGR,
    pose: PoseFrame | None,
    result: FrameResult | None,
    *,
    title: str = "",
    reps_target: int | None = None,
    hold_target_s: float | None = None,
    key_landmark: Landmark | None = None,
    count_label: str = "Reps",
    compact: bool = False,
) -> ImageBGR:
    """Return a copy of ``image_bgr`` with the skeleton, a status panel and the cue banner.

    Args:
        image_bgr: (H, W, 3) uint8 frame; not modified.
        pose: the pose to draw (skipped when None).
        result: the engine's verdict for this frame (panel shows only the title when None).
        title: exercise name, e.g. ``"Glute bridge (left)"``.
        reps_target: shown as ``Reps 3 / 12`` when given.
        count_label: what the counter counts (``"Holds"`` for a hold-only exercise).
        hold_target_s: shows ``Hold 7.5 / 10 s`` (only when given).
        key_landmark: when given with a pose and a key value, the value is also
            written next to this joint (e.g. the hip for ``hip_extension``).
        compact: the live view's overlay: larger text on small frames, and the panel
            and banner only as wide as their text (the clip's own captions stay visible;
            the page shows the big numbers).
    """
    if image_bgr.ndim != 3 or image_bgr.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) BGR image, got shape {image_bgr.shape}")
    out: ImageBGR = np.array(image_bgr, dtype=np.uint8, copy=True)
    h, w = out.shape[:2]
    st = _Style.for_size(w, h, COMPACT_FLOOR if compact else 0.45)

    if pose is not None:
        _draw_skeleton(out, pose, st)
        if (
            key_landmark is not None
            and result is not None
            and result.key_value is not None
            and math.isfinite(result.key_value)
            and pose.visibility[key_landmark] >= HIDE_BELOW
        ):
            p = _pt(pose.xy[key_landmark])
            if p is not None:
                text = _fmt_value(result.key_value)
                tw, th = _text_size(text, st.scale, st.thick)
                x = min(max(p[0] + 2 * st.radius, st.pad), w - tw - st.pad)
                y = min(max(p[1] - 2 * st.radius, th + st.pad), h - st.pad)
                cv2.rectangle(
                    out,
                    (x - st.pad // 2, y - th - st.pad // 2),
                    (x + tw + st.pad // 2, y + st.pad // 2),
                    (20, 20, 20),
                    -1,
                )
                _put_text(out, text, (x, y), st.scale, st.thick, WHITE)

    max_w = w - 2 * st.pad
    # -- top panel: title, then chips that wrap onto more lines when narrow -------------
    title_scale = st.scale * 1.15
    title_thick = st.thick + 1 if st.thick > 1 else st.thick
    lines: list[tuple[list[str], float, int, Colour]] = []
    if title:
        for line in _wrap(_clean(title), max_w, title_scale, title_thick):
            lines.append(([line], title_scale, title_thick, WHITE))
    chips = [_clean(c) for c in _chips(result, reps_target, hold_target_s, count_label)]
    gap = _text_size("   ", st.scale, st.thick)[0]
    row: list[str] = []
    row_w = 0
    for chip in chips:
        cw = _text_size(chip, st.scale, st.thick)[0]
        if row and row_w + gap + cw > max_w:
            lines.append((row, st.scale, st.thick, LIGHT))
            row, row_w = [], 0
        row_w += (gap if row else 0) + cw
        row.append(chip)
    if row:
        lines.append((row, st.scale, st.thick, LIGHT))

    y = 0
    if lines:
        heights = [_text_size("Ag", s, t)[1] for _, s, t, _ in lines]
        line_gap = max(st.pad, round(0.5 * max(heights)))  # room for descenders
        panel_h = st.pad + sum(hh + line_gap for hh in heights)
        panel_w = w
        if compact:
            panel_w = min(
                w,
                2 * st.pad
                + max(
                    sum(_text_size(i, s, t)[0] for i in items) + gap * (len(items) - 1)
                    for items, s, t, _ in lines
                ),
            )
        _darken(out, 0, min(h, panel_h), (0, 0, 0), PANEL_ALPHA, x1=panel_w)
        y = st.pad
        for (items, s, t, colour), hh in zip(lines, heights, strict=True):
            y += hh
            x = st.pad
            for item in items:
                _put_text(out, item, (x, y), s, t, colour)
                x += _text_size(item, s, t)[0] + gap
            y += line_gap
        y = min(h, panel_h)

    # -- cue banner under the panel -------------------------------------------------------
    banner = _banner(result)
    if banner is not None:
        text, colour = banner
        b_scale = st.scale * 1.1
        b_thick = st.thick + 1 if st.thick > 1 else st.thick
        b_lines = _wrap(_clean(text), max_w, b_scale, b_thick)
        bh = _text_size("Ag", b_scale, b_thick)[1]
        banner_h = st.pad + len(b_lines) * (bh + st.pad)
        x0, x1 = 0, w
        if compact:
            bw = max(_text_size(line, b_scale, b_thick)[0] for line in b_lines) + 2 * st.pad
            x0, x1 = 0, min(w, bw)
        _darken(out, y, min(h, y + banner_h), colour, 0.85, x0=x0, x1=x1)
        by = y + st.pad // 2
        for line in b_lines:
            by += bh + st.pad // 2
            tw = _text_size(line, b_scale, b_thick)[0]
            x = st.pad if compact else (w - tw) // 2
            _put_text(out, line, (x, by), b_scale, b_thick, WHITE)
            by += st.pad // 2
    return out


def annotate_coach(image_bgr: ImageBGR, pose: PoseFrame | None, frame: CoachFrame) -> ImageBGR:
    """The live view between counted sets: the skeleton and one box with what is under
    way (what to fix, the 3-2-1, the rest's seconds, the timer, the end)."""
    out: ImageBGR = np.array(image_bgr, dtype=np.uint8, copy=True)
    h, w = out.shape[:2]
    st = _Style.for_size(w, h, COMPACT_FLOOR)
    if pose is not None:
        _draw_skeleton(out, pose, st)
    left = frame.seconds_left
    if frame.phase == "countdown" and left is not None:
        text, colour, big = str(max(1, math.ceil(left))), OK_COLOUR, True
    elif frame.phase == "position":
        text = frame.problems[0] if frame.problems else "Hold still: checking your position"
        colour, big = GREY_COLOUR, False
    elif frame.phase in ("rest", "timer") and left is not None:
        what = frame.label or "Rest"
        text, colour, big = f"{what}: {math.ceil(left)} s", OK_COLOUR, False
    elif frame.phase == "done":
        text, colour, big = "Routine complete", OK_COLOUR, False
    elif frame.phase == "stopped":
        text, colour, big = "Stopped", FAULT_COLOUR, False
    else:
        return out
    scale = st.scale * (4.0 if big else 1.1)
    thick = max(1, st.thick * (3 if big else 1))
    lines = _wrap(_clean(text), w - 4 * st.pad, scale, thick)
    lh = _text_size("Ag", scale, thick)[1]
    box_h = st.pad + len(lines) * (lh + st.pad)
    y0 = (h - box_h) // 2 if big else 0
    _darken(out, y0, min(h, y0 + box_h), colour, 0.8)
    y = y0 + st.pad // 2
    for line in lines:
        y += lh + st.pad // 2
        tw = _text_size(line, scale, thick)[0]
        _put_text(out, line, ((w - tw) // 2, y), scale, thick, WHITE)
        y += st.pad // 2
    return out
