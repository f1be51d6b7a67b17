"""Articulated stick figures: the pose of each action as a function of time, and drawing with OpenCV.

A figure is seen from the side. Body coordinates are in units of the figure's nominal height h, with the
ground at y = 0, y pointing up and x pointing the way the figure faces (the "forward" direction). Limb
angles are measured from straight down, positive = rotated forward:
  - arms hang from the shoulder; the upper arm's angle is relative to the torso, the forearm adds the
    elbow bend (elbows bend forward);
  - legs hang from the pelvis; the thigh's angle is absolute, the shin subtracts the knee bend (knees
    bend backward), and a short foot points forward from the ankle;
  - the torso leans forward by `lean` from vertical; `spin` rotates the whole body about the ground
    point under the pelvis (falls).
Index 0 of every limb pair is the near side (drawn in front, full colour), index 1 the far side.
"""

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

import labels

# Segment lengths in units of h (head top to soles of a standing figure ~= 0.93 h).
HEAD_RADIUS = 0.065
NECK = 0.03
TORSO = 0.30
UPPER_ARM = 0.16
FOREARM = 0.15
THIGH = 0.24
SHIN = 0.23
FOOT = 0.07
LEG = THIGH + SHIN
# Thicknesses in units of h.
TORSO_WIDTH = 0.10
LIMB_WIDTH = 0.05
FOOT_WIDTH = 0.035
FAR_SHADE = 0.7  # far limbs are darker, so that the two arms/legs stay distinguishable

TWO_PI = 2.0 * math.pi


@dataclass
class Pose:
    lean: float = 0.0
    arm: list = field(default_factory=lambda: [0.0, 0.0])  # upper arm angle (relative to torso)
    elbow: list = field(default_factory=lambda: [0.15, 0.15])
    thigh: list = field(default_factory=lambda: [0.0, 0.0])
    knee: list = field(default_factory=lambda: [0.0, 0.0])
    pelvis: float = LEG  # pelvis height above the ground
    spin: float = 0.0  # whole-body rotation about the ground point under the pelvis, + = forward


@dataclass
class Motion:
    """Per-figure parameters of one action segment (all drawn by the scene from its seeded generator)."""

    action: str
    speed: float = 1.0  # tempo multiplier
    phase: float = 0.0  # in cycles, 0..1
    facing: int = 1  # +1 faces image +x, -1 faces image -x
    wave_arm: int = 0  # 0 near, 1 far
    fall_dir: int = 1  # +1 falls forward, -1 backward


def leg_extent(thigh: float, knee: float) -> float:
    """Vertical distance from the pelvis down to the ankle."""
    return THIGH * math.cos(thigh) + SHIN * math.cos(thigh - knee)


def grounded(pose: Pose, lift: float = 0.0) -> Pose:
    """Puts the lower foot on the ground (plus `lift`)."""
    pose.pelvis = max(leg_extent(pose.thigh[i], pose.knee[i]) for i in range(2)) + lift
    return pose


def _stand(tau: float, m: Motion) -> Pose:
    w = TWO_PI * 0.35 * m.speed * tau + TWO_PI * m.phase
    sway = 0.03 * math.sin(w)
    return grounded(
        Pose(
            lean=sway,
            arm=[0.10 + 0.04 * math.sin(w + 1.0), -0.08 + 0.04 * math.sin(w + 2.0)],
            elbow=[0.15, 0.2],
            thigh=[0.06 - sway, -0.06 - sway],
            knee=[0.03, 0.03],
        )
    )


def _walk(tau: float, m: Motion) -> Pose:
    ph = TWO_PI * (0.9 * m.speed * tau + m.phase)
    s, c = math.sin(ph), math.cos(ph)
    return grounded(
        Pose(
            lean=0.06,
            arm=[-0.38 * s, 0.38 * s],
            elbow=[0.25, 0.25],
            thigh=[0.42 * s, -0.42 * s],
            knee=[0.08 + 0.6 * max(0.0, c) ** 2, 0.08 + 0.6 * max(0.0, -c) ** 2],
        )
    )


def _run(tau: float, m: Motion) -> Pose:
    ph = TWO_PI * (1.5 * m.speed * tau + m.phase)
    s, c = math.sin(ph), math.cos(ph)
    return grounded(
        Pose(
            lean=0.28,
            arm=[-0.85 * s, 0.85 * s],
            elbow=[1.5, 1.5],
            thigh=[0.75 * s, -0.75 * s],
            knee=[0.3 + 1.3 * max(0.0, c), 0.3 + 1.3 * max(0.0, -c)],
        ),
        lift=0.05 * abs(s),
    )


def _jump(tau: float, m: Motion) -> Pose:
    u = (tau * m.speed / 1.3 + m.phase) % 1.0
    if u < 0.2:  # crouch before take-off
        c = math.sin(math.pi * u / 0.2 * 0.5)
        return grounded(Pose(lean=0.35 * c, arm=[-0.7 * c, -0.6 * c], thigh=[0.9 * c] * 2, knee=[1.6 * c] * 2))
    if u < 0.7:  # airborne: parabola, legs tucked, arms up
        v = (u - 0.2) / 0.5
        tuck = math.sin(math.pi * v)
        pose = Pose(
            lean=0.1 * tuck,
            arm=[2.6 * math.sqrt(tuck), 2.4 * math.sqrt(tuck)],
            elbow=[0.2, 0.2],
            thigh=[1.2 * tuck, 1.0 * tuck],
            knee=[2.0 * tuck, 1.8 * tuck],
        )
        pose.pelvis = LEG + 4.0 * 0.32 * v * (1.0 - v)
        return pose
    if u < 0.85:  # landing: absorb with bent knees
        c = 0.7 * math.sin(math.pi * (u - 0.7) / 0.15)
        return grounded(Pose(lean=0.3 * c, arm=[0.5 * c, 0.4 * c], thigh=[0.9 * c] * 2, knee=[1.6 * c] * 2))
    return _stand(tau, m)


def _wave(tau: float, m: Motion) -> Pose:
    pose = _stand(tau, m)
    i = m.wave_arm
    pose.arm[i] = 2.7
    pose.elbow[i] = 0.6 + 0.55 * math.sin(TWO_PI * (1.8 * m.speed * tau + m.phase))
    return pose


def _squat(tau: float, m: Motion) -> Pose:
    d = 0.5 - 0.5 * math.cos(TWO_PI * (tau * m.speed / 2.2 + m.phase))
    return grounded(Pose(lean=0.55 * d, arm=[1.45 * d, 1.35 * d], elbow=[0.1, 0.1], thigh=[1.35 * d] * 2, knee=[2.3 * d] * 2))


def _fall(tau: float, m: Motion) -> Pose:
    duration = 0.8 / m.speed
    progress = min(1.0, tau / duration)
    flail = math.sin(math.pi * progress)
    pose = grounded(
        Pose(
            lean=0.2 * flail,
            arm=[0.3 + 1.6 * flail, 0.2 + 1.2 * flail],
            elbow=[0.3, 0.4],
            thigh=[0.1 * flail, -0.2 * flail],
            knee=[0.2 * progress, 0.3 * progress],
        )
    )
    pose.spin = m.fall_dir * 0.5 * math.pi * progress**2
    return pose


POSES = {
    "stand": _stand,
    "walk_left": _walk,
    "walk_right": _walk,
    "run": _run,
    "jump": _jump,
    "wave": _wave,
    "squat": _squat,
    "fall": _fall,
}
assert set(POSES) == set(labels.FIGURE_ACTIONS)


def pose_at(tau: float, motion: Motion) -> Pose:
    return POSES[motion.action](tau, motion)


def _dir(angle: float):
    return math.sin(angle), -math.cos(angle)


def skeleton(pose: Pose):
    """Body-unit joint positions: a list of (name, p, q, width) segments and the head (centre, radius)."""
    pelvis = (0.0, pose.pelvis)
    shoulder = (TORSO * math.sin(pose.lean), pose.pelvis + TORSO * math.cos(pose.lean))
    head_d = NECK + HEAD_RADIUS
    head = (shoulder[0] + head_d * math.sin(pose.lean), shoulder[1] + head_d * math.cos(pose.lean))
    segments = []
    for i in (1, 0):  # far side first (drawn behind)
        dx, dy = _dir(pose.thigh[i])
        knee = (pelvis[0] + THIGH * dx, pelvis[1] + THIGH * dy)
        dx, dy = _dir(pose.thigh[i] - pose.knee[i])
        ankle = (knee[0] + SHIN * dx, knee[1] + SHIN * dy)
        dx, dy = _dir(pose.thigh[i] - pose.knee[i] + 0.5 * math.pi)
        toe = (ankle[0] + FOOT * dx, ankle[1] + FOOT * dy)
        a = pose.arm[i] + pose.lean
        dx, dy = _dir(a)
        elbow = (shoulder[0] + UPPER_ARM * dx, shoulder[1] + UPPER_ARM * dy)
        dx, dy = _dir(a + pose.elbow[i])
        hand = (elbow[0] + FOREARM * dx, elbow[1] + FOREARM * dy)
        segments += [
            ("thigh", i, pelvis, knee, LIMB_WIDTH),
            ("shin", i, knee, ankle, LIMB_WIDTH),
            ("foot", i, ankle, toe, FOOT_WIDTH),
        ]
        arm = [("upper_arm", i, shoulder, elbow, LIMB_WIDTH), ("forearm", i, elbow, hand, LIMB_WIDTH)]
        if i == 1:
            segments += arm
        else:
            segments.insert(len(segments) - 3, ("torso", -1, pelvis, shoulder, TORSO_WIDTH))
            segments += arm
    if pose.spin:
        # Rotate about the ground point under the pelvis; lift the pivot so the lying body rests on the
        # ground instead of half under it.
        cs, sn = math.cos(pose.spin), math.sin(pose.spin)
        lift = 0.5 * TORSO_WIDTH * abs(sn)

        def rot(p):
            return (p[0] * cs + p[1] * sn, -p[0] * sn + p[1] * cs + lift)

        segments = [(n, i, rot(p), rot(q), w) for n, i, p, q, w in segments]
        head = rot(head)
    return segments, (head, HEAD_RADIUS)


@dataclass
class Appearance:
    skin: tuple
    shirt: tuple
    pants: tuple
    shoes: tuple


def random_appearance(rng: np.random.Generator) -> Appearance:
    def colour():
        return tuple(int(v) for v in rng.integers(0, 256, 3))

    tone = rng.uniform(0.35, 1.0)
    skin = tuple(int(v * tone) for v in (rng.integers(200, 256), rng.integers(150, 210), rng.integers(110, 170)))
    return Appearance(skin=skin, shirt=colour(), pants=colour(), shoes=tuple(int(v) for v in rng.integers(0, 90, 3)))


def _part_colour(name: str, side: int, look: Appearance):
    base = {
        "thigh": look.pants,
        "shin": look.pants,
        "foot": look.shoes,
        "torso": look.shirt,
        "upper_arm": look.shirt,
        "forearm": look.skin,
    }[name]
    if side == 1:
        base = tuple(int(v * FAR_SHADE) for v in base)
    return base


SHIFT = 4  # fractional bits for OpenCV's sub-pixel drawing
SCALE = 1 << SHIFT
AA_FRINGE = 0.5  # anti-aliased edges reach about half a pixel beyond the nominal outline


def line_thickness(width: float) -> int:
    """The integer thickness OpenCV draws a limb of nominal `width` pixels with."""
    return max(1, int(round(width)))


def circle_radius(radius: float) -> float:
    """The radius OpenCV draws (sub-pixel, in 1/SCALE steps)."""
    return max(SCALE, int(round(radius * SCALE))) / SCALE


def place(pose: Pose, x: float, ground: float, height: float, facing: int):
    """Image-space segments [(name, side, p, q, width_px)] and head ((cx, cy), r_px) of a posed figure whose
    pelvis is above image column x, standing on image row `ground`, `height` pixels tall."""
    segments, (head, r) = skeleton(pose)

    def to_image(p):
        return (x + facing * p[0] * height, ground - p[1] * height)

    placed = [(n, i, to_image(p), to_image(q), w * height) for n, i, p, q, w in segments]
    return placed, (to_image(head), r * height)


def bounding_box(placed, head):
    """Tight box [x1, y1, x2, y2] (image pixels, float) around the drawn figure."""
    xs, ys = [], []
    for _, _, p, q, w in placed:
        half = line_thickness(w) * 0.5 + AA_FRINGE
        for px, py in (p, q):
            xs += [px - half, px + half]
            ys += [py - half, py + half]
    (hx, hy), r = head
    r = circle_radius(r) + AA_FRINGE
    xs += [hx - r, hx + r]
    ys += [hy - r, hy + r]
    return [min(xs), min(ys), max(xs), max(ys)]


def draw(image: np.ndarray, placed, head, look: Appearance, offset=(0.0, 0.0)) -> None:
    """Draws the figure into `image` (uint8 [H,W,3], RGB), shifted by `offset` pixels (camera jitter).

    Coordinates are continuous with pixel (i, j) covering [j, j+1] x [i, i+1] (the convention of the boxes
    and of YOLO decoding); OpenCV puts pixel centres at integers, hence the half-pixel shift."""
    ox, oy = offset[0] - 0.5, offset[1] - 0.5

    def pt(p):
        return (int(round((p[0] + ox) * SCALE)), int(round((p[1] + oy) * SCALE)))

    for name, side, p, q, w in placed:
        colour = _part_colour(name, side, look)
        cv2.line(image, pt(p), pt(q), colour, line_thickness(w), cv2.LINE_AA, SHIFT)
    (hx, hy), r = head
    cv2.circle(image, pt((hx, hy)), int(circle_radius(r) * SCALE), look.skin, -1, cv2.LINE_AA, SHIFT)
