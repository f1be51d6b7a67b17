"""A seeded synthetic action video: a timeline of segments, each with 0-3 figures doing one action each.

Everything is a pure function of (seed, seconds, fps, width, height): the timeline is drawn up front from
one generator, and frame f's sensor noise comes from a generator seeded with (seed, f), so any frame can
be rendered on its own, in any order (the training dataset samples clips at random positions).

Ground truth per frame:
  - every visible figure: its tight box (image pixels, x1 y1 x2 y2) and its action;
  - the main action: the action of the main figure (the largest, by nominal height; the scene keeps it
    at least 15% taller than any other figure so "largest" is never ambiguous), or "nobody" when the
    segment has no figure.
Actions change at segment boundaries (2-5 s apart). A walker is placed and slowed so that its walk fits
in the frame; a runner bounces off the frame's sides (turning round; its label stays "run").

The canonical frame is the RGB image after a Y4M (YUV 4:2:0) round trip: the PNG output, the Y4M output
decoded with y4m.py, and the training clips are then bit-identical inputs.
"""

import bisect
import math
from dataclasses import dataclass, field

import cv2
import numpy as np

import backgrounds
import figure
import labels
import y4m

MARGIN = 8  # background border in pixels, room for camera jitter
BLEND_SECONDS = 0.3  # pose blend from the previous segment's last pose for a figure that persists
MIN_BOX_PIXELS = 4.0  # boxes smaller than this (after clipping) are not ground truth
MIN_VISIBLE_FRACTION = 0.5  # a figure less than this much inside the frame is not ground truth


@dataclass
class Track:
    """One figure during one segment."""

    figure_id: int  # stable across segments while the figure persists
    look: figure.Appearance
    height: float  # nominal height in pixels
    ground: float  # image row of the ground under the figure
    x0: float  # pelvis column at the start of the segment
    vx: float  # pixels per second (walk, run)
    x_min: float  # run: the bounce interval
    x_max: float
    motion: figure.Motion
    blend_from: figure.Pose = None  # last pose of the previous segment, when the figure persists

    def position(self, tau: float):
        """(pelvis column, facing) at time tau seconds into the segment."""
        if self.motion.action != "run":
            return self.x0 + self.vx * tau, self.motion.facing
        span = self.x_max - self.x_min
        u = (self.x0 - self.x_min) + abs(self.vx) * tau if self.vx > 0 else (self.x_max - self.x0) + abs(self.vx) * tau
        p = u % (2 * span)
        forward = p <= span
        along = p if forward else 2 * span - p
        if self.vx > 0:
            return self.x_min + along, (1 if forward else -1)
        return self.x_max - along, (-1 if forward else 1)

    def pose(self, tau: float) -> figure.Pose:
        pose = figure.pose_at(tau, self.motion)
        if self.blend_from is not None and tau < BLEND_SECONDS:
            a, b, t = self.blend_from, pose, tau / BLEND_SECONDS
            mix = lambda u, v: u + (v - u) * t  # noqa: E731
            pose = figure.Pose(
                lean=mix(a.lean, b.lean),
                arm=[mix(a.arm[i], b.arm[i]) for i in range(2)],
                elbow=[mix(a.elbow[i], b.elbow[i]) for i in range(2)],
                thigh=[mix(a.thigh[i], b.thigh[i]) for i in range(2)],
                knee=[mix(a.knee[i], b.knee[i]) for i in range(2)],
                pelvis=mix(a.pelvis, b.pelvis),
                spin=mix(a.spin, b.spin),
            )
        return pose


@dataclass
class Segment:
    start: int  # first frame
    end: int  # one past the last frame
    background_seed: int
    tracks: list = field(default_factory=list)  # index 0 = the main figure

    @property
    def main_action(self) -> str:
        return self.tracks[0].motion.action if self.tracks else labels.NOBODY


# How far a figure reaches above its ground line, in units of its height, per action (arms raised, jumps).
REACH_UP = {"jump": 1.45, "wave": 1.12}
STANDING_TOP = 0.93


class SyntheticVideo:
    def __init__(self, seed: int, seconds: float, fps: int = 10, width: int = 256, height: int = 256,
                 segment_seconds=(2.0, 5.0), nobody_probability: float = 0.11):
        if width % 2 or height % 2:
            raise ValueError("width and height must be even (Y4M 4:2:0)")
        self.seed, self.fps, self.width, self.height = seed, fps, width, height
        self.num_frames = max(1, int(round(seconds * fps)))
        rng = np.random.default_rng([seed, 0x5EED])
        self.segment_seconds = segment_seconds
        self.nobody_probability = nobody_probability
        self._next_figure_id = 0
        self.segments = self._timeline(rng)
        self._starts = [s.start for s in self.segments]
        # Per-video camera and sensor: gain/offset, blur, noise level, jitter track (AR(1), integer pixels).
        self.gain = rng.uniform(0.75, 1.25)
        self.offset = rng.uniform(-20, 20)
        self.blur = rng.uniform(0.5, 1.2) if rng.random() < 0.3 else 0.0
        self.noise = rng.uniform(0.0, 8.0)
        amp = rng.uniform(0.0, 0.012) * max(width, height)
        jitter = np.zeros((self.num_frames, 2))
        for f in range(1, self.num_frames):
            jitter[f] = 0.7 * jitter[f - 1] + rng.normal(0.0, amp, 2)
        self.jitter = np.clip(np.round(jitter), -MARGIN, MARGIN).astype(int)
        self._background_cache = {}

    # ---------------------------------------------------------------- timeline
    def _timeline(self, rng):
        segments, frame, previous = [], 0, None
        background_seed = int(rng.integers(1 << 62))
        while frame < self.num_frames:
            seconds = rng.uniform(*self.segment_seconds)
            end = min(self.num_frames, frame + max(1, int(round(seconds * self.fps))))
            if previous is not None and rng.random() < 0.25:
                background_seed = int(rng.integers(1 << 62))
            segment = Segment(frame, end, background_seed)
            if rng.random() >= self.nobody_probability:
                count = 1 + int(rng.choice(3, p=[0.55, 0.3, 0.15]))
                segment.tracks = self._figures(rng, count, (end - frame) / self.fps, previous)
            segments.append(segment)
            previous, frame = segment, end
        return segments

    def _figures(self, rng, count, duration, previous):
        w, h = self.width, self.height
        tracks = []
        keep_main = previous is not None and previous.tracks and rng.random() < 0.6
        for k in range(count):
            action = str(rng.choice(labels.FIGURE_ACTIONS))
            old = previous.tracks[0] if (k == 0 and keep_main) else None
            if old is not None:
                fig_height, look, figure_id = old.height, old.look, old.figure_id
            elif k == 0:
                fig_height = rng.uniform(0.25, 0.6) * h
                look, figure_id = figure.random_appearance(rng), self._new_id()
            else:
                fig_height = tracks[0].height * rng.uniform(0.45, 0.85)
                look, figure_id = figure.random_appearance(rng), self._new_id()
            fig_height = max(0.16 * h, fig_height)
            # Shrink a figure that cannot fit vertically with this action (jump needs the most room).
            reach = REACH_UP.get(action, STANDING_TOP)
            fig_height = min(fig_height, (h - 4) / reach)
            if k > 0:
                fig_height = min(fig_height, tracks[0].height / 1.15)
            motion = figure.Motion(
                action=action,
                speed=rng.uniform(0.7, 1.4),
                phase=rng.uniform(0, 1),
                facing=int(rng.choice([-1, 1])),
                wave_arm=int(rng.integers(2)),
                fall_dir=int(rng.choice([-1, 1])),
            )
            if action == "walk_left":
                motion.facing = -1
            elif action == "walk_right":
                motion.facing = 1
            # Vertical placement: the ground line, with room for the action's reach above it.
            lo, hi = reach * fig_height + 2, h - 2
            if old is not None and lo <= old.ground <= hi:
                ground = old.ground
            else:
                ground = rng.uniform(lo, max(lo, hi))
            # Horizontal placement and speed.
            half = 0.3 * fig_height
            vx, x_min, x_max = 0.0, half, w - half
            if action in ("walk_left", "walk_right"):
                room = max(0.0, x_max - x_min)
                speed = min(0.55 * motion.speed * fig_height, room / duration)
                vx = motion.facing * speed
                travel = speed * duration
                lo_x, hi_x = (x_min, x_max - travel) if vx > 0 else (x_min + travel, x_max)
            elif action == "run":
                vx = motion.facing * 1.4 * motion.speed * fig_height
                lo_x, hi_x = x_min, x_max
            elif action == "fall":
                # The head lands about one height away on the side the figure falls to.
                side = motion.facing * motion.fall_dir
                lo_x, hi_x = (x_min, w - fig_height - 2) if side > 0 else (fig_height + 2, x_max)
            else:
                lo_x, hi_x = x_min, x_max
            if hi_x < lo_x:
                lo_x = hi_x = 0.5 * (lo_x + hi_x)
            previous_end_x = None
            if old is not None:
                previous_end_x = old.position((previous.end - previous.start - 1) / self.fps)[0]
            if previous_end_x is not None and lo_x <= previous_end_x <= hi_x:
                x0 = previous_end_x
            else:
                x0 = self._spread_x(rng, lo_x, hi_x, tracks)
            track = Track(figure_id, look, fig_height, ground, x0, vx, x_min, x_max, motion)
            if old is not None and previous_end_x is not None and x0 == previous_end_x:
                track.blend_from = old.pose((previous.end - previous.start - 1) / self.fps)
            tracks.append(track)
        return tracks

    @staticmethod
    def _spread_x(rng, lo, hi, others):
        """Uniform in [lo, hi], preferring spots away from the figures already placed (few retries)."""
        best, best_gap = lo, -1.0
        for _ in range(6):
            x = rng.uniform(lo, hi) if hi > lo else lo
            gap = min((abs(x - t.x0) / t.height for t in others), default=math.inf)
            if gap > 0.6:
                return x
            if gap > best_gap:
                best, best_gap = x, gap
        return best

    def _new_id(self):
        self._next_figure_id += 1
        return self._next_figure_id - 1

    # ---------------------------------------------------------------- rendering
    def segment_of(self, f: int) -> Segment:
        return self.segments[bisect.bisect_right(self._starts, f) - 1]

    def main_action_ids(self) -> np.ndarray:
        """Per-frame main action id, int64 [num_frames]."""
        out = np.empty(self.num_frames, np.int64)
        for s in self.segments:
            out[s.start : s.end] = labels.ACTION_ID[s.main_action]
        return out

    def _background(self, seed):
        if seed not in self._background_cache:
            if len(self._background_cache) > 8:
                self._background_cache.clear()
            self._background_cache[seed] = backgrounds.random_background(
                seed, self.height + 2 * MARGIN, self.width + 2 * MARGIN
            )
        return self._background_cache[seed]

    def frame(self, f: int):
        """(canonical uint8 [H,W,3] RGB frame, ground-truth dict) for frame f: what a reader of the Y4M
        file sees (the Y4M round trip is not idempotent, so files are written from frame_yuv)."""
        planes, truth = self.frame_yuv(f)
        return y4m.yuv420_to_rgb(*planes), truth

    def _layout(self, f: int):
        """(segment, jitter, [(track index, placed, head)] in drawing order) for frame f."""
        if not 0 <= f < self.num_frames:
            raise IndexError(f"frame {f} outside 0..{self.num_frames - 1}")
        segment = self.segment_of(f)
        tau = (f - segment.start) / self.fps
        jx, jy = int(self.jitter[f, 0]), int(self.jitter[f, 1])
        layout = []
        # Smaller (farther) figures first, so the main figure is never hidden.
        for index in sorted(range(len(segment.tracks)), key=lambda i: segment.tracks[i].height):
            track = segment.tracks[index]
            x, facing = track.position(tau)
            placed, head = figure.place(track.pose(tau), x, track.ground, track.height, facing)
            layout.append((index, placed, head))
        return segment, (jx, jy), layout

    def truth(self, f: int) -> dict:
        """Frame f's ground truth without rendering it."""
        return self._truth(f, *self._layout(f))

    def _truth(self, f, segment, jitter, layout):
        jx, jy = jitter
        figures = []
        for index, placed, head in layout:
            track = segment.tracks[index]
            box = figure.bounding_box(placed, head)
            box = [box[0] - jx, box[1] - jy, box[2] - jx, box[3] - jy]
            clipped = [max(0.0, box[0]), max(0.0, box[1]), min(float(self.width), box[2]), min(float(self.height), box[3])]
            cw, ch = clipped[2] - clipped[0], clipped[3] - clipped[1]
            area = (box[2] - box[0]) * (box[3] - box[1])
            if cw < MIN_BOX_PIXELS or ch < MIN_BOX_PIXELS or cw * ch < MIN_VISIBLE_FRACTION * area:
                continue
            figures.append(
                {
                    "id": track.figure_id,
                    "action": track.motion.action,
                    "box": [round(v, 2) for v in clipped],
                    "main": index == 0,
                }
            )
        figures.sort(key=lambda d: not d["main"])
        return {
            "frame": f,
            "action": segment.main_action,
            "action_id": labels.ACTION_ID[segment.main_action],
            "figures": figures,
        }

    def frame_yuv(self, f: int):
        """((Y, Cb, Cr) uint8 planes, ground-truth dict) for frame f."""
        segment, (jx, jy), layout = self._layout(f)
        bg = self._background(segment.background_seed)
        image = np.ascontiguousarray(bg[MARGIN + jy : MARGIN + jy + self.height, MARGIN + jx : MARGIN + jx + self.width])
        for index, placed, head in layout:
            figure.draw(image, placed, head, segment.tracks[index].look, offset=(-jx, -jy))
        image = self._sensor(image, f)
        return y4m.rgb_to_yuv420(image), self._truth(f, segment, (jx, jy), layout)

    def _sensor(self, image, f):
        out = image.astype(np.float32) * self.gain + self.offset
        if self.blur:
            out = cv2.GaussianBlur(out, (0, 0), self.blur)
        if self.noise:
            rng = np.random.default_rng([self.seed, f, 0xA015E])
            out += rng.standard_normal(out.shape, dtype=np.float32) * np.float32(self.noise)
        return np.clip(np.round(out), 0, 255).astype(np.uint8)

    def header(self) -> dict:
        return {
            "type": "header",
            "generator": "tools/actdet/synth_video.py",
            "seed": self.seed,
            "fps": self.fps,
            "width": self.width,
            "height": self.height,
            "frames": self.num_frames,
            "labels": list(labels.ACTIONS),
            "detection_classes": list(labels.DETECTION_CLASSES),
            "segments": [
                {"start": s.start, "end": s.end, "action": s.main_action, "figures": len(s.tracks)}
                for s in self.segments
            ],
        }
