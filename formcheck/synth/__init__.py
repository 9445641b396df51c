"""Synthetic exercise clips with exact ground truth (numpy + OpenCV, no downloaded assets).

``plan(ClipConfig(...))`` builds a clip (script, body, camera, scene);
``render_clip(cfg, "clip.mp4")`` writes the video and ``clip.json`` ground truth.
"""

from formcheck.synth.clip import Clip, ClipConfig, plan, render_clip

__all__ = ["Clip", "ClipConfig", "plan", "render_clip"]
