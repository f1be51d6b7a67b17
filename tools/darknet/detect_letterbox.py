#!/usr/bin/env python3
"""`vigil detect` on a letter_box=1 darknet model, end to end, against OpenCV DNN.

    detect_letterbox.py --vigil VIGIL --cfg tests/darknet/cfg/yolov4-csp-small.cfg --image dog.jpg --work DIR

The model (vigil's own cfg, seeded generated weights) is converted with `vigil convert` and run with
`vigil detect` on frames whose letterbox rectangle has exactly the frame's size (a wide frame, a tall frame), so
that the input darknet's letterbox_image makes is known bit for bit without any resampling: gray 0.5 around the
frame's pixels / 255, centred with offsets rounded down. That input goes to OpenCV
(cv2.dnn.readNetFromDarknet); its heads are decoded by compare_opencv.py's reference decoder (new_coords,
DIoU-NMS as the cfg says), and the boxes mapped back to frame pixels through the letterbox (minus the offset,
divided by the scale, clipped to the frame). vigil's detections must be the same: count, class and score at
every rank, boxes within 0.11 px (detect prints one decimal). Also checked: some frame has detections, and
mapping matters (the offset moves some box by more than 1 px). Exits 1 on any failure, never skips.
"""
import argparse
import json
import os
import subprocess
import sys

try:
    import numpy as np
    import cv2
except ImportError as e:  # the test must fail, not skip
    print(f"detect_letterbox: FAILED: cannot import numpy/cv2 ({e})", file=sys.stderr)
    sys.exit(1)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfg_text import read_cfg  # noqa: E402
from compare_opencv import nms_setting, reference_detections, yolo_heads  # noqa: E402
from random_weights import generate, write_weights  # noqa: E402


def letterbox_geometry(frame_w, frame_h, net_w, net_h):
    """darknet's letterbox_image: (x, y, new_w, new_h) of the scaled frame in the input."""
    if net_w / frame_w < net_h / frame_h:
        new_w, new_h = net_w, (frame_h * net_w) // frame_w
    else:
        new_w, new_h = (frame_w * net_h) // frame_h, net_h
    return (net_w - new_w) // 2, (net_h - new_h) // 2, new_w, new_h


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--cfg", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)

    sections = read_cfg(args.cfg)
    net_w, net_h = int(sections[0][1]["width"]), int(sections[0][1]["height"])
    if sections[0][1].get("letter_box") != "1":
        print(f"detect_letterbox: FAILED: {args.cfg} does not set letter_box=1", file=sys.stderr)
        return 1
    heads, nms = yolo_heads(sections), nms_setting(sections)
    weights = os.path.join(args.work, "model.weights")
    write_weights(weights, generate(args.cfg, 11, 8.0, -3.2))  # compare_opencv_generated.py's setting
    model = os.path.join(args.work, "model.vgl")
    subprocess.run([args.vigil, "convert", args.cfg, weights, "-o", model, "--bn-epsilon", "1e-6"], check=True,
                   capture_output=True)
    net = cv2.dnn.readNetFromDarknet(args.cfg, weights)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)

    photo = cv2.imread(args.image, cv2.IMREAD_COLOR)
    if photo is None:
        print(f"detect_letterbox: FAILED: cannot read {args.image}", file=sys.stderr)
        return 1
    # Frames whose letterbox rectangle is their own size: a wide one (gray above and below) and a tall one.
    frames = {"wide": (net_w, net_h // 2), "tall": (net_w * 2 // 5, net_h)}
    problems, total, moved = [], 0, 0.0
    for name, (fw, fh) in frames.items():
        x0, y0, pw, ph = letterbox_geometry(fw, fh, net_w, net_h)
        assert (pw, ph) == (fw, fh), (name, pw, ph, fw, fh)
        path = os.path.join(args.work, name + ".png")
        cv2.imwrite(path, cv2.resize(photo, (fw, fh), interpolation=cv2.INTER_AREA))
        rgb = cv2.cvtColor(cv2.imread(path, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        blob = np.full((1, 3, net_h, net_w), 0.5, np.float32)
        blob[0, :, y0:y0 + ph, x0:x0 + pw] = (rgb.astype(np.float64) / 255.0).astype(np.float32).transpose(2, 0, 1)
        net.setInput(blob)
        cv_heads = net.forward([h["opencv"] for h in heads])
        ref = []
        for x1, y1, x2, y2, score, cls in reference_detections(cv_heads, heads, net_w, net_h, nms)[:100]:
            fx = lambda v: min(max((v - x0) * fw / pw, 0.0), fw)  # noqa: E731
            fy = lambda v: min(max((v - y0) * fh / ph, 0.0), fh)  # noqa: E731
            ref.append((fx(x1), fy(y1), fx(x2), fy(y2), score, cls))
            moved = max(moved, abs(fx(x1) - x1), abs(fy(y1) - y1))
        proc = subprocess.run([args.vigil, "detect", model, path], capture_output=True, text=True)
        if proc.returncode != 0:
            problems.append(f"{name}: vigil detect failed: {proc.stderr.strip()}")
            continue
        frame = next(json.loads(line) for line in proc.stdout.splitlines() if '"type":"frame"' in line)
        mine = frame["boxes"]
        total += len(mine)
        if len(mine) != len(ref):
            problems.append(f"{name}: {len(mine)} detections, reference {len(ref)}")
        for rank, (m, r) in enumerate(zip(mine, ref)):
            box = max(abs(a - b) for a, b in zip(m["box"], r[:4]))
            if m["class_id"] != r[5] or box > 0.11 or abs(m["score"] - r[4]) > 1e-3:
                problems.append(f"{name} rank {rank}: vigil {m} vs reference class {r[5]} score {r[4]:.4f} "
                                f"box {[round(v, 2) for v in r[:4]]}")
        print(f"{name} {fw}x{fh} (letterbox at {x0},{y0}): {len(mine)} detections, reference {len(ref)}")
    if total == 0:
        problems.append("no frame gave any detection: the comparison would be vacuous")
    if moved <= 1.0:
        problems.append("the letterbox mapping moved no box by more than 1 px: the comparison would not see it")
    for p in problems:
        print("FAIL:", p)
    print("ok" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
