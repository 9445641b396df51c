"""Perspective camera and a small painter's-algorithm renderer for the mannequin.

Primitives are tessellated into quads, back faces culled, facets shaded
(Lambert plus a facing term) and drawn far to near with OpenCV at twice the
output size, then downsampled (anti-aliasing). The room (floor, walls, a mat)
is ray cast once per camera, since the camera does not move within a clip.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from formcheck.synth.body import RGB, BodyParams, Capsule, Ellipsoid, Shape, head_color, unit

Vec = npt.NDArray[np.float64]
SS = 2  # supersampling factor


@dataclass(frozen=True, slots=True)
class Camera:
    """Pinhole camera looking from ``position`` at ``target``; ``fov_deg`` is horizontal."""

    position: tuple[float, float, float]
    target: tuple[float, float, float]
    fov_deg: float = 62.0
    size: tuple[int, int] = (640, 480)  # (width, height)

    @property
    def rotation(self) -> Vec:
        """Rows: the camera's right, down and forward axes in world coordinates."""
        f = unit(np.subtract(self.target, self.position))
        up = np.array([0.0, 1.0, 0.0])
        if abs(float(np.dot(f, up))) > 0.999:
            up = np.array([0.0, 0.0, 1.0])
        right = unit(np.cross(f, up))
        down = np.cross(f, right)
        return np.stack([right, down, f])

    @property
    def focal(self) -> float:
        return self.size[0] / 2.0 / np.tan(np.radians(self.fov_deg) / 2.0)

    def to_camera(self, pts: npt.ArrayLike) -> Vec:
        p = np.asarray(pts, dtype=np.float64)
        return (p - np.asarray(self.position)) @ self.rotation.T

    def project(self, pts: npt.ArrayLike) -> Vec:
        """World points (..., 3) -> pixel coordinates (..., 2) at the output size."""
        c = self.to_camera(pts)
        z = np.maximum(c[..., 2:3], 1e-6)
        w, h = self.size
        return c[..., :2] / z * self.focal + np.array([w / 2.0, h / 2.0])

    def to_dict(self) -> dict[str, object]:
        return {
            "position": [round(float(v), 4) for v in self.position],
            "target": [round(float(v), 4) for v in self.target],
            "fov_deg": self.fov_deg,
            "size": list(self.size),
        }


# ----------------------------------------------------------------------------- tessellation


def _sphere_template(n_lat: int, n_lon: int) -> tuple[Vec, npt.NDArray[np.int64]]:
    lat = np.linspace(-np.pi / 2, np.pi / 2, n_lat + 1)
    lon = np.linspace(0, 2 * np.pi, n_lon, endpoint=False)
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    # local axes: x = left, y = up (poles), z = forward
    v = np.stack([np.cos(la) * np.sin(lo), np.sin(la), np.cos(la) * np.cos(lo)], axis=-1)
    verts = v.reshape(-1, 3)
    quads = []
    for i in range(n_lat):
        for k in range(n_lon):
            k2 = (k + 1) % n_lon
            quads.append([i * n_lon + k, i * n_lon + k2, (i + 1) * n_lon + k2, (i + 1) * n_lon + k])
    return verts, np.asarray(quads, dtype=np.int64)


_SPHERE = _sphere_template(10, 16)
_HEAD = _sphere_template(16, 24)
_SMALL = _sphere_template(5, 8)
_N_RING = 16
_N_LEN = 3
#: Cloth texture: tubes are cut into cells of this length (m) along the bone, and every facet's
#: colour is varied by up to +-TEXTURE/2, fixed to the facet, so the pattern moves with the body
#: as real clothing's folds, seams and weave do (optical flow needs texture to follow).
_CELL_M = 0.022
TEXTURE = 0.24
TEXTURE_ADD = 40.0  # grey levels


def _ring_quads(n_rings: int, n: int, offset: int) -> npt.NDArray[np.int64]:
    q = []
    for i in range(n_rings - 1):
        for k in range(n):
            k2 = (k + 1) % n
            q.append([i * n + k, i * n + k2, (i + 1) * n + k2, (i + 1) * n + k])
    return np.asarray(q, dtype=np.int64) + offset


def _perp_basis(axis: Vec) -> tuple[Vec, Vec]:
    helper = np.array([0.0, 1.0, 0.0]) if abs(axis[1]) < 0.9 else np.array([1.0, 0.0, 0.0])
    u = unit(np.cross(axis, helper))
    return u, np.cross(axis, u)


@dataclass(slots=True)
class _Facets:
    verts: list[Vec]
    quads: list[npt.NDArray[np.int64]]
    colors: list[Vec]
    centers: list[Vec]  # primitive centre per quad (for the outward-normal check)
    bias: list[Vec]
    n: int = 0

    def add(self, v: Vec, q: npt.NDArray[np.int64], col: Vec, center: Vec, bias: float) -> None:
        self.verts.append(v)
        self.quads.append(q + self.n)
        self.colors.append(col)
        self.centers.append(np.broadcast_to(center, (len(q), 3)))
        self.bias.append(np.full(len(q), bias))
        self.n += len(v)


def _textured(color: RGB, n: int, salt: int, on: bool = True) -> Vec:
    """``n`` facet colours: ``color`` varied by a fixed pseudo-random amount per facet
    index, partly in proportion (``TEXTURE``) and partly added (so dark cloth has texture
    too); plain when not ``on`` (``BodyParams.textured``)."""
    if not on:
        return np.tile(np.asarray(color, dtype=np.float64), (n, 1))
    i = np.arange(n, dtype=np.int64) + 7919 * salt
    h = (i * 2654435761 + 12345) % 4294967296
    h = (h ^ (h >> 13)) * 1274126177 % 4294967296
    p = ((h % 1000) / 1000.0 - 0.5)[:, None]
    base = np.asarray(color, dtype=np.float64)[None, :]
    return np.clip(base * (1.0 + TEXTURE * p) + TEXTURE_ADD * p, 0.0, 255.0)


def _tessellate(shapes: list[Shape], body: BodyParams) -> _Facets:
    f = _Facets([], [], [], [], [])
    for s in shapes:
        if isinstance(s, Ellipsoid):
            big = float(np.max(np.linalg.norm(s.axes, axis=0)))
            tv, tq = _HEAD if s.kind == "head" else (_SMALL if big < 0.03 else _SPHERE)
            v = s.center + tv @ s.axes.T
            if s.kind == "head":
                nloc = tv[tq].mean(axis=1)
                cols = np.asarray(head_color(nloc, body), dtype=np.float64)
            else:
                cols = _textured(s.color, len(tq), 1, body.textured)
            f.add(v, tq, cols, s.center, s.depth_bias)
        else:
            _capsule(f, s, body.textured)
    return f


def _capsule(f: _Facets, c: Capsule, textured: bool = True) -> None:
    axis_v = c.b - c.a
    length = float(np.linalg.norm(axis_v))
    if length < 1e-6:
        return
    axis = axis_v / length
    u, w = _perp_basis(axis)
    ang = np.linspace(0, 2 * np.pi, _N_RING, endpoint=False)
    ring = np.cos(ang)[:, None] * u + np.sin(ang)[:, None] * w
    # cells of fixed length from ``a``: a bone's pattern stays put on it from frame to frame
    cuts = np.arange(_CELL_M, length - 0.3 * _CELL_M, _CELL_M) / length
    ts = np.concatenate([[0.0], cuts, [1.0]])
    rings = [c.a + axis_v * t + ring * (c.ra + (c.rb - c.ra) * t) for t in ts]
    v = np.concatenate(rings)
    tube_q = _ring_quads(len(ts), _N_RING, 0)
    f.add(v, tube_q, _textured(c.color, len(tube_q), 2, textured), (c.a + c.b) / 2, c.depth_bias)
    tv, tq = _SPHERE
    for k, (p, r) in enumerate(((c.a, c.ra), (c.b, c.rb))):
        f.add(p + tv * r, tq, _textured(c.color, len(tq), 3 + k, textured), p, c.depth_bias)


# ----------------------------------------------------------------------------- scene


@dataclass(frozen=True, slots=True)
class Scene:
    """Room and lighting. ``room=False`` gives a plain backdrop and floor."""

    room: bool = True
    wall: RGB = (205, 200, 190)
    floor: RGB = (150, 115, 80)
    mat: RGB | None = (70, 120, 110)
    mat_rect: tuple[float, float, float, float] = (-0.6, 1.3, -0.35, 0.35)  # x0, x1, z0, z1
    light_dir: tuple[float, float, float] = (0.3, 1.0, 0.5)
    room_half: float = 3.5
    room_h: float = 2.6

    def to_dict(self) -> dict[str, object]:
        return {
            "room": self.room,
            "wall": list(self.wall),
            "floor": list(self.floor),
            "mat": None if self.mat is None else list(self.mat),
            "light_dir": list(self.light_dir),
        }


def background(cam: Camera, scene: Scene) -> npt.NDArray[np.uint8]:
    """Ray-cast the room (RGB, at the supersampled size)."""
    w, h = cam.size[0] * SS, cam.size[1] * SS
    f = cam.focal * SS
    xs, ys = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    d_cam = np.stack([(xs - w / 2) / f, (ys - h / 2) / f, np.ones_like(xs)], axis=-1)
    d = d_cam @ cam.rotation  # world directions
    o = np.asarray(cam.position)
    img = np.zeros((h, w, 3), dtype=np.float64)
    best = np.full((h, w), np.inf)
    R = scene.room_half
    # Floor y = 0.
    with np.errstate(divide="ignore", invalid="ignore"):
        t_floor = np.where(d[..., 1] < -1e-6, -o[1] / d[..., 1], np.inf)
    hit = np.isfinite(t_floor)
    p = o + d * np.where(hit, t_floor, 0)[..., None]
    fl = np.asarray(scene.floor, dtype=np.float64)
    plank = np.floor(p[..., 2] / 0.14 + 1000).astype(np.int64)
    var = ((plank * 7919) % 13) / 13.0 - 0.5
    seam = (np.abs((p[..., 2] / 0.14) % 1.0) < 0.03) | (
        np.abs(((p[..., 0] + (plank % 5) * 0.37) / 1.2) % 1.0) < 0.004
    )
    floor_col = (
        fl[None, None, :] * (1.0 + 0.12 * var[..., None]) * np.where(seam, 0.75, 1.0)[..., None]
    )
    if scene.mat is not None:
        x0, x1, z0, z1 = scene.mat_rect
        on_mat = (p[..., 0] > x0) & (p[..., 0] < x1) & (p[..., 2] > z0) & (p[..., 2] < z1)
        floor_col = np.where(on_mat[..., None], np.asarray(scene.mat, dtype=np.float64), floor_col)
    # distance fall-off of light on the floor
    dist = np.linalg.norm(p[..., [0, 2]], axis=-1)
    floor_col = floor_col * np.clip(1.05 - 0.05 * dist, 0.75, 1.05)[..., None]
    img = np.where(hit[..., None], floor_col, img)
    best = np.where(hit, t_floor, best)
    if scene.room:
        wall = np.asarray(scene.wall, dtype=np.float64)
        for axis, sign, shade in ((0, 1, 0.92), (0, -1, 0.88), (2, 1, 1.0), (2, -1, 0.96)):
            with np.errstate(divide="ignore", invalid="ignore"):
                t = (sign * R - o[axis]) / d[..., axis]
            t = np.where(t > 0, t, np.inf)
            q = o + d * np.where(np.isfinite(t), t, 0)[..., None]
            ok = np.isfinite(t) & (q[..., 1] >= 0) & (t < best)
            other = 2 - axis
            col = wall * shade * (0.9 + 0.1 * np.clip(q[..., 1] / scene.room_h, 0, 1))[..., None]
            skirting = q[..., 1] < 0.1
            col = np.where(skirting[..., None], np.array([235.0, 235.0, 230.0]) * shade, col)
            # a window on the +z wall and a door on the -x wall
            if axis == 2 and sign == -1:
                win = (np.abs(q[..., other] - 0.8) < 0.6) & (np.abs(q[..., 1] - 1.55) < 0.5)
                col = np.where(win[..., None], np.array([190.0, 215.0, 235.0]), col)
            if axis == 0 and sign == -1:
                door = (np.abs(q[..., other] - 1.5) < 0.45) & (q[..., 1] < 2.05)
                col = np.where(door[..., None], np.array([150.0, 120.0, 90.0]), col)
            img = np.where(ok[..., None], col, img)
            best = np.where(ok, t, best)
        ceiling = ~np.isfinite(best)
        img[ceiling] = wall * 1.02
    else:
        back = np.asarray(scene.wall, dtype=np.float64)
        img = np.where(np.isfinite(best)[..., None], img, back)
    return np.clip(img, 0, 255).astype(np.uint8)


def draw_body(
    canvas: npt.NDArray[np.uint8],
    shapes: list[Shape],
    body: BodyParams,
    cam: Camera,
    scene: Scene,
) -> None:
    """Draw the shapes onto ``canvas`` (RGB, supersampled size) in place."""
    fac = _tessellate(shapes, body)
    verts = np.concatenate(fac.verts)
    verts[:, 1] = np.maximum(verts[:, 1], 0.0)  # nothing sinks into the floor
    quads = np.concatenate(fac.quads)
    cols = np.concatenate(fac.colors)
    centers = np.concatenate(fac.centers)
    bias = np.concatenate(fac.bias)
    qv = verts[quads]  # (n, 4, 3)
    qc = qv.mean(axis=1)
    n = np.cross(qv[:, 2] - qv[:, 0], qv[:, 3] - qv[:, 1])
    nn = np.linalg.norm(n, axis=1)
    good = nn > 1e-12
    n = n / np.where(nn > 0, nn, 1)[:, None]
    flip = np.sum(n * (qc - centers), axis=1) < 0
    n[flip] *= -1
    to_cam = np.asarray(cam.position) - qc
    dist = np.linalg.norm(to_cam, axis=1)
    view = to_cam / dist[:, None]
    facing = np.sum(n * view, axis=1)
    keep = good & (facing > -0.05)
    light = unit(scene.light_dir)
    lam = np.clip(n @ light, 0, 1)
    shade = 0.38 + 0.45 * lam + 0.3 * np.clip(facing, 0, 1)
    rgb = np.clip(cols * shade[:, None], 0, 255)
    cam_pts = cam.to_camera(qv[keep].reshape(-1, 3))
    z = np.maximum(cam_pts[:, 2], 1e-3)
    px = (cam_pts[:, :2] / z[:, None] * cam.focal + np.array(cam.size) / 2.0) * SS
    px = np.round(px * 4).astype(np.int32).reshape(-1, 4, 2)  # shift=2 subpixel
    depth = dist[keep] - bias[keep]
    order = np.argsort(-depth, kind="stable")
    rgb_k = rgb[keep]
    for i in order:
        c = rgb_k[i]
        cv2.fillConvexPoly(canvas, px[i], (float(c[0]), float(c[1]), float(c[2])), cv2.LINE_8, 2)


def contact_shadow(
    canvas: npt.NDArray[np.uint8], points: Vec, cam: Camera, strength: float = 0.35
) -> None:
    """Darken the floor below the body: a soft blob under each given world point."""
    h, w = canvas.shape[:2]
    mask = np.zeros((h // 4, w // 4), dtype=np.float32)
    fl = points.copy()
    height = fl[:, 1].copy()
    fl[:, 1] = 0.0
    px = cam.project(fl) * SS / 4
    rad = (0.12 * cam.focal * SS / 4) / np.maximum(cam.to_camera(fl)[:, 2], 0.1)
    for (x, y), r, hh in zip(px, rad, height, strict=True):
        a = float(np.clip(1.0 - hh / 0.8, 0.0, 1.0))
        if a > 0 and np.isfinite(x) and np.isfinite(y):
            cv2.ellipse(
                mask,
                (int(x), int(y)),
                (max(int(r * 1.3), 1), max(int(r * 0.5), 1)),
                0,
                0,
                360,
                (a,),
                -1,
            )
    blurred = np.asarray(cv2.GaussianBlur(mask, (0, 0), 3))
    small = np.clip(255.0 * (1.0 - strength * np.clip(blurred, 0, 1)), 0, 255).astype(np.uint8)
    factor = np.asarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR))
    cv2.multiply(canvas, cv2.merge([factor, factor, factor]), dst=canvas, scale=1.0 / 255.0)


@dataclass(frozen=True, slots=True)
class Degrade:
    """Camera imperfections applied to the final frame."""

    noise_sigma: float = 0.0  # Gaussian noise, grey levels
    blur_px: float = 0.0  # Gaussian blur sigma in pixels
    gain: float = 1.0  # overall brightness
    flicker: float = 0.0  # +- brightness variation over time (fraction)
    jpeg_quality: int | None = None  # JPEG round trip

    def to_dict(self) -> dict[str, object]:
        return {
            "noise_sigma": self.noise_sigma,
            "blur_px": self.blur_px,
            "gain": self.gain,
            "flicker": self.flicker,
            "jpeg_quality": self.jpeg_quality,
        }


def finish_frame(
    canvas: npt.NDArray[np.uint8],
    size: tuple[int, int],
    deg: Degrade,
    t_s: float,
    rng: np.random.Generator,
) -> npt.NDArray[np.uint8]:
    """Downsample the supersampled canvas and apply the degradations; returns RGB."""
    img = cv2.resize(canvas, size, interpolation=cv2.INTER_AREA)
    if deg.blur_px > 0:
        img = cv2.GaussianBlur(img, (0, 0), deg.blur_px)
    gain = deg.gain * (1.0 + deg.flicker * np.sin(2 * np.pi * t_s / 3.7))
    if gain != 1.0:
        img = cv2.convertScaleAbs(img, alpha=float(gain))
    if deg.noise_sigma > 0:
        noise = np.empty(img.shape, dtype=np.int16)
        cv2.setRNGSeed(int(rng.integers(2**31)))
        cv2.randn(noise, np.zeros(1), np.full(1, float(deg.noise_sigma)))
        img = cv2.add(img.astype(np.int16), noise).clip(0, 255).astype(np.uint8)
    if deg.jpeg_quality is not None:
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(deg.jpeg_quality)])
        if ok:
            img = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    return np.asarray(img, dtype=np.uint8)
