#!/usr/bin/env python3
"""Tests of the actdet training tools (stdlib unittest; no pytest needed):

    /opt/vigil-venv/bin/python tools/actdet/test_actdet.py
"""

import math
import os
import sys
import tempfile
import unittest

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dataset  # noqa: E402
import figure  # noqa: E402
import inference  # noqa: E402
import labels  # noqa: E402
import metrics  # noqa: E402
import preprocess  # noqa: E402
import y4m  # noqa: E402
import yolo  # noqa: E402
from scene import SyntheticVideo  # noqa: E402


def clamp8(v):
    return min(255, max(0, v))


class Y4MTest(unittest.TestCase):
    def test_conversion_matches_scalar_formulas(self):
        rng = np.random.default_rng(1)
        img = rng.integers(0, 256, (6, 10, 3)).astype(np.uint8)
        img[0, 0] = (255, 255, 255)
        img[0, 1] = (0, 0, 0)
        yp, cb, cr = y4m.rgb_to_yuv420(img)
        for r in range(6):
            for c in range(10):
                p = [int(v) for v in img[r, c]]
                self.assertEqual(yp[r, c], clamp8((19595 * p[0] + 38470 * p[1] + 7471 * p[2] + 32768) // 65536))
        for r in range(3):
            for c in range(5):
                s = img[2 * r : 2 * r + 2, 2 * c : 2 * c + 2].reshape(-1, 3).astype(int).sum(0)
                self.assertEqual(cb[r, c], clamp8(128 + (-11059 * s[0] - 21709 * s[1] + 32768 * s[2] + 131072) // 2**18))
                self.assertEqual(cr[r, c], clamp8(128 + (32768 * s[0] - 27439 * s[1] - 5329 * s[2] + 131072) // 2**18))
        rgb = y4m.yuv420_to_rgb(yp, cb, cr)
        for r in range(6):
            for c in range(10):
                d, e, lum = int(cb[r // 2, c // 2]) - 128, int(cr[r // 2, c // 2]) - 128, int(yp[r, c])
                want = [lum + math.floor((91881 * e + 32768) / 65536),
                        lum + math.floor((-22554 * d - 46802 * e + 32768) / 65536),
                        lum + math.floor((116130 * d + 32768) / 65536)]
                self.assertEqual(list(rgb[r, c]), [clamp8(v) for v in want])

    def test_flat_colours_survive_the_round_trip(self):
        for colour in [(0, 0, 0), (255, 255, 255), (200, 30, 90), (12, 240, 7)]:
            img = np.full((4, 4, 3), colour, np.uint8)
            self.assertLessEqual(np.abs(y4m.yuv420_roundtrip(img).astype(int) - img).max(), 2, colour)

    def test_write_read(self):
        rng = np.random.default_rng(2)
        frames = [rng.integers(0, 256, (6, 8, 3)).astype(np.uint8) for _ in range(3)]
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "a.y4m")
            with y4m.Y4MWriter(path, 8, 6, 10) as w:
                for f in frames:
                    w.write(f)
            with open(path, "rb") as f:
                data = f.read()
            self.assertTrue(data.startswith(b"YUV4MPEG2 W8 H6 F10:1 Ip A1:1 C420jpeg XCOLORRANGE=FULL\nFRAME\n"))
            self.assertEqual(len(data), 56 + 3 * (6 + 8 * 6 * 3 // 2))
            r = y4m.Y4MReader(path)
            self.assertEqual((len(r), r.width, r.height, r.fps), (3, 8, 6, (10, 1)))
            for i, f in enumerate(frames):
                self.assertTrue((r.frame(i) == y4m.yuv420_roundtrip(f)).all())
            # Frame headers with parameters are skipped up to their newline.
            with open(path, "wb") as f:
                f.write(b"YUV4MPEG2 C420jpeg W8 H6 F25:1\nFRAME Ixyz\n" + bytes(72))
            self.assertEqual(len(y4m.Y4MReader(path)), 1)
            with open(path, "wb") as f:
                f.write(b"YUV4MPEG2 W8 H6 F25:1\nFRAME\n" + bytes(71))
            with self.assertRaisesRegex(ValueError, "truncated"):
                y4m.Y4MReader(path)
        with self.assertRaisesRegex(ValueError, "even"):
            y4m.rgb_to_yuv420(np.zeros((3, 4, 3), np.uint8))


class PreprocessTest(unittest.TestCase):
    @staticmethod
    def reference(img, w, h):
        """Transliteration of apps/vigil/preprocess.cpp's loop."""
        out = np.zeros((3, h, w))
        sx, sy = img.shape[1] / w, img.shape[0] / h
        for y in range(h):
            fy = min(max((y + 0.5) * sy - 0.5, 0.0), img.shape[0] - 1.0)
            y0 = int(fy)
            y1 = min(y0 + 1, img.shape[0] - 1)
            wy = fy - y0
            for x in range(w):
                fx = min(max((x + 0.5) * sx - 0.5, 0.0), img.shape[1] - 1.0)
                x0 = int(fx)
                x1 = min(x0 + 1, img.shape[1] - 1)
                wx = fx - x0
                for c in range(3):
                    top = img[y0, x0, c] * (1 - wx) + img[y0, x1, c] * wx
                    bottom = img[y1, x0, c] * (1 - wx) + img[y1, x1, c] * wx
                    out[c, y, x] = (top * (1 - wy) + bottom * wy) / 255.0
        return out.astype(np.float32)

    def test_matches_the_cli(self):
        rng = np.random.default_rng(3)
        for (ih, iw), (oh, ow) in [((7, 5), (4, 3)), ((4, 6), (9, 11)), ((1, 1), (2, 3)), ((16, 16), (8, 8))]:
            img = rng.integers(0, 256, (ih, iw, 3)).astype(np.uint8)
            np.testing.assert_array_equal(preprocess.to_input(img, ow, oh), self.reference(img.astype(float), ow, oh))

    def test_halving_is_a_2x2_mean(self):
        img = np.random.default_rng(4).integers(0, 256, (8, 8, 3)).astype(np.uint8)
        mean = img.astype(float).reshape(4, 2, 4, 2, 3).mean(axis=(1, 3)).transpose(2, 0, 1) / 255
        np.testing.assert_allclose(preprocess.to_input(img, 4, 4), mean, rtol=0, atol=1e-7)


class FigureTest(unittest.TestCase):
    def test_box_is_tight_around_drawn_pixels(self):
        """The box matches the extent of the pixels the figure covers at least half (white on black)."""
        white = figure.Appearance((255, 255, 255), (255, 255, 255), (255, 255, 255), (255, 255, 255))
        errors = []
        shade, figure.FAR_SHADE = figure.FAR_SHADE, 1.0
        self.addCleanup(setattr, figure, "FAR_SHADE", shade)
        for action in labels.FIGURE_ACTIONS:
            for tau in np.linspace(0.0, 3.0, 9):
                for height in (40.0, 100.0):
                    m = figure.Motion(action, speed=1.1, phase=0.3, facing=-1 if action == "walk_left" else 1)
                    img = np.zeros((260, 260, 3), np.uint8)
                    placed, head = figure.place(figure.pose_at(tau, m), 130.3, 200.7, height, m.facing)
                    figure.draw(img, placed, head, white)
                    ys, xs = np.nonzero(img.min(-1) >= 128)
                    drawn = [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
                    errors.append(np.array(figure.bounding_box(placed, head)) - drawn)
        errors = np.array(errors)
        self.assertLess(np.abs(errors).max(), 1.5)
        self.assertLess(np.abs(errors.mean(0)).max(), 0.3)


class SceneTest(unittest.TestCase):
    def test_deterministic_and_random_access(self):
        a = SyntheticVideo(7, 6, fps=10, width=64, height=64)
        b = SyntheticVideo(7, 6, fps=10, width=64, height=64)
        fa = [a.frame(i) for i in (0, 31, 59)]
        fb = [b.frame(i) for i in (59, 31, 0)][::-1]
        for (ia, ta), (ib, tb) in zip(fa, fb):
            self.assertTrue((ia == ib).all())
            self.assertEqual(ta, tb)
        self.assertFalse((SyntheticVideo(8, 6, 10, 64, 64).frame(0)[0] == fa[0][0]).all())

    def test_ground_truth_is_consistent(self):
        seen = set()
        for seed in range(12):
            v = SyntheticVideo(seed, 20, fps=10, width=128, height=128)
            self.assertEqual(v.segments[0].start, 0)
            self.assertEqual(v.segments[-1].end, v.num_frames)
            for f in range(0, v.num_frames, 3):
                t = v.truth(f)
                seen.add(t["action"])
                seg = v.segment_of(f)
                self.assertEqual(t["action"], labels.NOBODY if not seg.tracks else seg.tracks[0].motion.action)
                self.assertEqual(t["action_id"], labels.ACTION_ID[t["action"]])
                for fig in t["figures"]:
                    x1, y1, x2, y2 = fig["box"]
                    self.assertTrue(0 <= x1 < x2 <= 128 and 0 <= y1 < y2 <= 128, fig)
                self.assertLessEqual(sum(fig["main"] for fig in t["figures"]), 1)
                heights = [tr.height for tr in seg.tracks]
                for h in heights[1:]:
                    self.assertGreaterEqual(heights[0], 1.15 * h - 1e-9)
        self.assertEqual(seen, set(labels.ACTIONS))


class YoloTest(unittest.TestCase):
    def encode(self, loss, targets, n_frames, size):
        """Raw head outputs that decode exactly to `targets` at their assigned anchors (objectness high
        there, low elsewhere)."""
        outs = []
        for h, stride in enumerate(yolo.STRIDES):
            g = size // stride
            raw = torch.full((n_frames, 3, 6, g, g), -20.0)
            outs.append(raw)
        for m, h, slot in loss._assign(targets):
            fr, _, x1, y1, x2, y2 = targets[m].tolist()
            stride = yolo.STRIDES[h]
            cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
            j, i = int(cx // stride), int(cy // stride)
            s = yolo.SCALE_X_Y
            aw, ah = loss.anchors[yolo.MASKS[h][slot]]

            def logit(v):
                return math.log(v / (1 - v))

            raw = outs[h]
            raw[int(fr), slot, 0, i, j] = logit((cx / stride - j + (s - 1) / 2) / s)
            raw[int(fr), slot, 1, i, j] = logit((cy / stride - i + (s - 1) / 2) / s)
            raw[int(fr), slot, 2, i, j] = math.log((x2 - x1) / aw)
            raw[int(fr), slot, 3, i, j] = math.log((y2 - y1) / ah)
            raw[int(fr), slot, 4, i, j] = 20.0
            raw[int(fr), slot, 5, i, j] = 20.0
        return [o.view(n_frames, 18, o.shape[-1], o.shape[-1]) for o in outs]

    def test_perfect_prediction_has_near_zero_loss_and_decodes_back(self):
        size = 128
        targets = torch.tensor([[0, 0, 10.0, 20.0, 40.0, 90.0], [0, 0, 70.0, 60.0, 82.0, 84.0], [1, 0, 5.0, 5.0, 120.0, 125.0]])
        loss = yolo.YoloLoss(size)
        raw = self.encode(loss, targets, 2, size)
        total, parts = loss(raw, targets, 2)
        self.assertLess(parts["box"].item(), 1e-4)
        self.assertLess(parts["obj"].item(), 1e-3)
        self.assertLess(parts["cls"].item(), 1e-3)
        dets = yolo.decode(raw, size)
        self.assertEqual([len(d) for d in dets], [2, 1])
        got = sorted(dets[0][:, :4].tolist())
        want = sorted(targets[:2, 2:].tolist())
        np.testing.assert_allclose(got, want, atol=1e-3)
        # Wrong boxes cost: move every predicted centre right.
        for r in raw:
            r[:, 0::6] += 3.0
        self.assertGreater(loss(raw, targets, 2)[1]["box"].item(), 0.05)

    def test_assignment_picks_the_best_shaped_anchor(self):
        loss = yolo.YoloLoss(416)  # unscaled anchors
        t = torch.tensor([[0, 0, 0, 0, 81, 82.0], [0, 0, 0, 0, 23, 27.0], [0, 0, 0, 0, 300, 330.0], [0, 0, 0, 0, 2, 3.0]])
        got = loss._assign(t)
        # 81x82 = anchor 3: both heads; 23x27 = anchor 1: head B slot 0; 300x330 = anchor 5: head A slot 2;
        # 2x3 fits anchor 0 best, which no head uses, so the best used one (anchor 1) takes it.
        self.assertEqual(got, [(0, 0, 0), (0, 1, 2), (1, 1, 0), (2, 0, 2), (3, 1, 0)])

    def test_decode_formula(self):
        raw = torch.zeros(1, 18, 4, 4)
        raw[0, 6 + 0, 2, 1] = 0.5  # anchor 1: tx
        raw[0, 6 + 1, 2, 1] = -1.0
        raw[0, 6 + 2, 2, 1] = 0.2
        raw[0, 6 + 3, 2, 1] = -0.3
        raw[0, 6 + 4, 2, 1] = 5.0
        raw[0, 6 + 5, 2, 1] = 4.0
        dets = yolo.decode([raw, torch.full((1, 18, 8, 8), -20.0)], 128, score_threshold=0.5)[0]
        sig = lambda v: 1 / (1 + math.exp(-v))  # noqa: E731
        aw, ah = yolo.anchors_for(128)[4]
        cx = (1 + sig(0.5) * 1.05 - 0.025) * 32
        cy = (2 + sig(-1.0) * 1.05 - 0.025) * 32
        w, h = aw * math.exp(0.2), ah * math.exp(-0.3)
        self.assertEqual(len(dets), 1)
        np.testing.assert_allclose(dets[0].tolist(), [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, sig(5) * sig(4), 0], rtol=1e-5)


class MetricsTest(unittest.TestCase):
    def test_smooth(self):
        self.assertEqual(metrics.smooth([1, 1, 1, 2, 1, 1, 1], 3).tolist(), [1] * 7)
        self.assertEqual(metrics.smooth([1, 1, 1, 1, 2, 3, 3, 3], 3).tolist(), [1, 1, 1, 1, 1, 3, 3, 3])
        self.assertEqual(metrics.smooth([5, 5, 5, 3, 3, 3], 3).tolist(), [5, 5, 5, 3, 3, 3])
        self.assertEqual(metrics.smooth([4, 2], 3).tolist(), [2, 2])  # no left neighbour: joins the right

    def test_segment_f1(self):
        truth = [1] * 10 + [2] * 10 + [0] * 5 + [3] * 5
        pred = [1] * 6 + [2] * 14 + [0] * 5 + [4] * 5
        # pred 1 [0,6) vs truth 1 [0,10): IoU .6 -> TP; pred 2 [6,20) vs [10,20): 10/14 -> TP;
        # pred 4: FP; truth 3: FN; nobody ignored.
        f1, tp, fp, fn = metrics.segment_f1(pred, truth, 0.5, 1)
        self.assertEqual((tp, fp, fn), (2, 1, 1))
        self.assertAlmostEqual(f1, 4 / 6)
        pred = [1] * 4 + [2] * 16 + [0] * 10
        self.assertEqual(metrics.segment_f1(pred, truth, 0.5, 1)[1:], (1, 1, 2))  # 4/10 < .5, 10/16 ok

    def test_average_precision(self):
        truths = [np.array([[0, 0, 10, 10.0]]), np.array([[0, 0, 10, 10.0], [20, 20, 30, 30.0]])]
        dets = [
            np.array([[0, 0, 10, 10, 0.9, 0], [0, 0, 10, 10, 0.8, 0]]),  # TP, duplicate FP
            np.array([[20, 20, 30, 31, 0.7, 0]]),  # TP (IoU 10/11)
        ]
        # ranked: TP (p 1, r 1/3), FP (p 1/2), TP (p 2/3, r 2/3) -> AP = 1/3 * 1 + 1/3 * 2/3
        self.assertAlmostEqual(metrics.average_precision(dets, truths), 1 / 3 + 2 / 9)
        self.assertEqual(metrics.average_precision([np.zeros((0, 6))] * 2, truths), 0.0)


class InferenceTest(unittest.TestCase):
    def test_window_starts(self):
        self.assertEqual(inference.window_starts(16, 16, 8), [0])
        self.assertEqual(inference.window_starts(40, 16, 8), [0, 8, 16, 24])
        self.assertEqual(inference.window_starts(41, 16, 8), [0, 8, 16, 24, 25])
        self.assertEqual(inference.window_starts(5, 16, 8), [0])


class DatasetTest(unittest.TestCase):
    def test_clip_and_collate(self):
        ds = dataset.SyntheticClips(0, 4, clip_frames=4, input_size=64, video_sizes=(64, 128), video_seconds=3)
        a, b = ds[1], ds[1]
        self.assertTrue(torch.equal(a["frames"], b["frames"]))
        self.assertEqual(tuple(a["frames"].shape), (4, 3, 64, 64))
        frames, actions, targets = dataset.collate([ds[0], ds[1]])
        self.assertEqual(tuple(frames.shape), (2, 4, 3, 64, 64))
        self.assertEqual(tuple(actions.shape), (2, 4))
        self.assertTrue(((targets[:, 0] >= 0) & (targets[:, 0] < 8)).all())
        self.assertTrue((targets[:, 2:] <= 64).all() and (targets[:, 4] > targets[:, 2]).all())


if __name__ == "__main__":
    unittest.main()
