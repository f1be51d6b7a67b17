#!/usr/bin/env python3
"""Detectors that decode their own boxes (YOLOv5- and YOLOv8-style ONNX exports) through
`vigil convert --decoded-boxes` and `vigil run` / `vigil detect`, against onnxruntime and OpenCV's NMS.

Usage: check_decoded_boxes.py VIGIL WORK_DIR

Two small PyTorch detectors with random weights, written the way Ultralytics' heads compute at export:
- "yolov5": three anchors per cell at strides 8 and 16, sigmoid, xy = (2s - 0.5 + grid) * stride,
  wh = (2s)^2 * anchor, output [1, N, 5+C] (cx, cy, w, h, objectness, classes);
- "yolov8": anchor-free at strides 8 and 16, box distances as the expectation of a softmax over 16 bins
  (DFL, a 1x1 conv with weights 0..15), cx, cy, w, h from the anchor points, sigmoid classes, output
  [1, 4+C, N].
Each is exported at opset 13 and 17, converted with metadata {boxes_format, input_size, class_names} and run
on a real photo (../shared/data/images). Checked:
1. the predictions output against onnxruntime: |vigil - ort| <= 1e-4 * (1 + |ort|);
2. the detections against a reference built on OpenCV's cv2.dnn.NMSBoxes, per class, from vigil's own
   predictions (so that a score at the threshold or an IoU tie cannot flip between two runtimes): Ultralytics'
   candidate rule (score = objectness x class, or the class score; the best class of each box; score >
   threshold), per-class NMS, score order, the first max_detections. Same count, classes and order; boxes
   within 1e-3 px, scores within 1e-6;
3. every case keeps some boxes and suppresses others (else the check proves nothing);
4. `vigil detect` on the photos (resized to the network input and saved as PNG, so that its preprocessing
   is the division by 255 `vigil run` was given) prints one frame line each, the first with exactly the
   boxes `vigil run` found (clipped to the image and rounded as `vigil detect` prints them).
Needs torch, onnx, onnxruntime, OpenCV; never skips.
"""
import json
import os
import shutil
import subprocess
import sys
import warnings

CLASSES = ["person", "car", "dog", "bicycle", "bird", "horse"]
SIZE = 96  # network input, square


def build_models(torch):
    nn = torch.nn
    C = len(CLASSES)

    def backbone():
        return nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1), nn.SiLU(), nn.Conv2d(16, 32, 3, 2, 1), nn.SiLU(),
                             nn.Conv2d(32, 32, 3, 2, 1), nn.SiLU())  # stride 8

    class V5(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = backbone()
            self.down = nn.Sequential(nn.Conv2d(32, 32, 3, 2, 1), nn.SiLU())  # stride 16
            self.heads = nn.ModuleList([nn.Conv2d(32, 3 * (5 + C), 1), nn.Conv2d(32, 3 * (5 + C), 1)])
            self.anchors = [torch.tensor([[10., 13.], [16., 30.], [33., 23.]]),
                            torch.tensor([[30., 61.], [62., 45.], [59., 119.]])]

        def forward(self, x):
            f8 = self.body(x)
            outs = []
            for f, head, stride, anchors in zip([f8, self.down(f8)], self.heads, [8, 16], self.anchors):
                p = head(f)
                n, _, h, w = p.shape
                p = p.view(n, 3, 5 + C, h, w).permute(0, 1, 3, 4, 2).sigmoid()
                gy, gx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
                grid = torch.stack((gx, gy), 2).view(1, 1, h, w, 2).float()
                xy = (p[..., 0:2] * 2 - 0.5 + grid) * stride
                wh = (p[..., 2:4] * 2) ** 2 * anchors.view(1, 3, 1, 1, 2)
                outs.append(torch.cat((xy, wh, p[..., 4:]), -1).view(n, -1, 5 + C))
            return torch.cat(outs, 1)

    class V8(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = backbone()
            self.down = nn.Sequential(nn.Conv2d(32, 32, 3, 2, 1), nn.SiLU())
            self.box = nn.ModuleList([nn.Conv2d(32, 64, 1), nn.Conv2d(32, 64, 1)])
            self.cls = nn.ModuleList([nn.Conv2d(32, C, 1), nn.Conv2d(32, C, 1)])
            self.dfl = nn.Conv2d(16, 1, 1, bias=False)
            self.dfl.weight.data[:] = torch.arange(16, dtype=torch.float).view(1, 16, 1, 1)

        def forward(self, x):
            f8 = self.body(x)
            feats = [f8, self.down(f8)]
            raw, points, strides = [], [], []
            for f, box, cls, stride in zip(feats, self.box, self.cls, [8, 16]):
                n, _, h, w = f.shape
                raw.append(torch.cat((box(f), cls(f)), 1).view(n, 64 + C, -1))
                f32 = torch.float32  # as Ultralytics' make_anchors: the feature dtype, not an integer promoted
                sy, sx = torch.meshgrid(torch.arange(h, dtype=f32) + 0.5, torch.arange(w, dtype=f32) + 0.5, indexing="ij")
                points.append(torch.stack((sx, sy), -1).view(-1, 2))
                strides.append(torch.full((h * w, 1), float(stride)))
            y = torch.cat(raw, 2)
            anchors = torch.cat(points).transpose(0, 1).unsqueeze(0)
            stride = torch.cat(strides).transpose(0, 1).unsqueeze(0)
            box, cls = y.split((64, C), 1)
            b, _, a = box.shape
            dist = self.dfl(box.view(b, 4, 16, a).transpose(2, 1).softmax(1)).view(b, 4, a)
            lt, rb = dist.chunk(2, 1)
            x1y1, x2y2 = anchors - lt, anchors + rb
            xywh = torch.cat(((x1y1 + x2y2) / 2, x2y2 - x1y1), 1) * stride
            return torch.cat((xywh, cls.sigmoid()), 1)

    return {"yolov5": V5(), "yolov8": V8()}


def reference_nms(np, cv2, predictions, fmt, score_threshold, nms_threshold, max_detections):
    """Ultralytics' candidate rule, then OpenCV's NMSBoxes per class."""
    p = predictions[0] if fmt == "yolov5" else predictions[0].T  # [N, values]
    xywh = p[:, :4].astype(np.float64)
    if fmt == "yolov5":  # objectness x class, in double as the kernel forms it
        cls = p[:, 4:5].astype(np.float64) * p[:, 5:].astype(np.float64)
    else:
        cls = p[:, 4:].astype(np.float64)
    best = cls.argmax(1)
    score = cls[np.arange(len(cls)), best]
    keep = score > score_threshold
    rows = []
    for c in np.unique(best[keep]):
        idx = np.nonzero(keep & (best == c))[0]
        rects = [(float(x - w / 2), float(y - h / 2), float(w), float(h)) for x, y, w, h in xywh[idx]]
        kept = cv2.dnn.NMSBoxes(rects, [float(s) for s in score[idx]], float(score_threshold), float(nms_threshold))
        for k in np.array(kept).reshape(-1):
            i = idx[int(k)]
            x, y, w, h = xywh[i]
            rows.append((score[i], i, int(c), [x - w / 2, y - h / 2, x + w / 2, y + h / 2]))
    rows.sort(key=lambda r: (-r[0], r[1], r[2]))
    candidates = int(keep.sum())
    return rows[:max_detections], candidates


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    vigil, work = sys.argv[1], sys.argv[2]
    warnings.simplefilter("ignore")
    import cv2
    import numpy as np
    import onnxruntime as ort
    import torch

    images = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data", "images")
    photos = sorted(f for f in os.listdir(images) if f.endswith(".jpg"))
    if not photos:
        print(f"FAIL no photos in {images}")
        return 1
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    torch.manual_seed(0)
    failures = 0
    for fmt, model in build_models(torch).items():
        model.eval()
        for opset in (13, 17):
            name = f"{fmt}_op{opset}"
            onnx_path = os.path.join(work, name + ".onnx")
            torch.onnx.export(model, (torch.rand(1, 3, SIZE, SIZE),), onnx_path, opset_version=opset,
                              input_names=["images"], output_names=["predictions"])
            meta = os.path.join(work, name + ".json")
            with open(meta, "w") as f:
                json.dump({"boxes_format": fmt, "input_size": [SIZE, SIZE], "class_names": CLASSES,
                           "channel_order": "RGB", "mean": [0.0], "std": [1.0]}, f)
            vgl = os.path.join(work, name + ".vgl")
            r = run([vigil, "convert", onnx_path, "--metadata", meta, "--decoded-boxes", "predictions", "-o", vgl])
            if r.returncode != 0:
                print(f"FAIL {name}: vigil convert failed:\n{r.stdout}{r.stderr}")
                failures += 1
                continue
            # The photos at the network's size, as PNG: `vigil detect` then only maps pixels to [0, 1] (mean 0, std 1)
            # and gives the boxes in the same pixels, so its lines can be compared with `vigil run`'s table.
            frames = os.path.join(work, "frames")
            if not os.path.exists(frames):
                os.makedirs(frames)
                for ph in photos:
                    small = cv2.resize(cv2.imread(os.path.join(images, ph)), (SIZE, SIZE), interpolation=cv2.INTER_AREA)
                    cv2.imwrite(os.path.join(frames, ph[:-4] + ".png"), small)
            rgb = cv2.cvtColor(cv2.imread(os.path.join(frames, photos[0][:-4] + ".png")), cv2.COLOR_BGR2RGB)
            x = (rgb.astype(np.float32) / 255.0).transpose(2, 0, 1)[None].copy()
            x_path = os.path.join(work, name + "_input.npy")
            np.save(x_path, x)
            out_dir = os.path.join(work, name + "_out")
            r = run([vigil, "run", vgl, "--input", f"images={x_path}", "--output-dir", out_dir])
            if r.returncode != 0:
                print(f"FAIL {name}: vigil run failed:\n{r.stdout}{r.stderr}")
                failures += 1
                continue
            got = np.load(os.path.join(out_dir, "predictions.npy"))
            dets = np.load(os.path.join(out_dir, "detections.npy"))
            count = int(np.load(os.path.join(out_dir, "detection_count.npy"))[0])
            want = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"]).run(None, {"images": x})[0]
            close = got.shape == want.shape and bool(np.all(np.abs(got - want) <= 1e-4 * (1 + np.abs(want))))
            defaults = {"yolov5": (0.45, 1000), "yolov8": (0.7, 300)}[fmt]
            ref, candidates = reference_nms(np, cv2, got, fmt, 0.25, defaults[0], defaults[1])
            same = count == len(ref) and dets.shape == (defaults[1], 6)
            if same:
                for k, (score, _, c, box) in enumerate(ref):
                    row = dets[k]
                    same &= int(row[5]) == c and abs(row[4] - score) <= 1e-6 and \
                        bool(np.all(np.abs(row[:4] - np.array(box)) <= 1e-3))
                same &= bool(np.all(dets[count:, 5] == -1))
            meaningful = 0 < count < candidates
            ok = close and same and meaningful
            print(f"{'ok  ' if ok else 'FAIL'} {name}: predictions {list(got.shape)} max |vigil - ort| "
                  f"{np.max(np.abs(got - want)):.2e}; {candidates} candidates, {count} kept "
                  f"({'same as' if same else 'DIFFERENT from'} OpenCV NMSBoxes per class)")
            failures += not ok
            if not ok or opset != 17:
                continue
            # vigil detect over the photos: the first frame's boxes are vigil run's.
            r = run([vigil, "detect", vgl, frames])
            lines = [json.loads(s) for s in r.stdout.splitlines() if s.startswith("{")]
            frame_lines = [s for s in lines if s.get("type") == "frame"]
            first = frame_lines[0] if frame_lines else {}
            boxes_ok = len(first.get("boxes", [])) == count and all(
                b["class_id"] == int(dets[k][5]) and b["label"] == CLASSES[int(dets[k][5])] and
                abs(b["score"] - dets[k][4]) <= 5e-5 + 1e-6 and  # printed with 4 decimals
                all(abs(b["box"][i] - min(max(dets[k][i], 0), SIZE)) <= 0.05 + 1e-4 for i in range(4))  # 1 decimal
                for k, b in enumerate(first.get("boxes", [])))
            ok = r.returncode == 0 and len(frame_lines) == len(photos) and boxes_ok
            print(f"{'ok  ' if ok else 'FAIL'} {name}: vigil detect: {len(frame_lines)} frame lines for "
                  f"{len(photos)} photos, first photo {len(first.get('boxes', []))} boxes"
                  f"{'' if r.returncode == 0 else ': ' + r.stderr.strip()}")
            failures += not ok
    print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
