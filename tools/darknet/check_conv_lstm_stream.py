#!/usr/bin/env python3
"""`vigil detect` carries a darknet [conv_lstm]'s state from frame to frame as an explicit chain of `vigil run`s does.

    check_conv_lstm_stream.py --vigil build/vigil --cfg tests/darknet/cfg/yolo-tiny-conv-lstm-small.cfg
                              --image ../shared/data/images/X.jpg --work DIR [--frames 6]

A recurrent detector (cfg with [conv_lstm] layers, seeded random weights from random_weights.py) sees a short
"video": crops of a real photo sliding a few pixels per frame, at the network's input size (so `vigil detect`
neither resizes nor maps boxes). Then:
  1. `vigil detect` over the frames' directory: one JSON line per frame;
  2. the same frames through `vigil run`, one process per frame, whose state inputs (metadata state_inputs)
     are the previous run's state outputs (zero for the first frame): the recurrence done by hand;
  3. every frame's boxes must agree (same count; coordinates within detect's 0.1 px printing, scores within
     its 4 decimals; detect clips boxes to the frame), and the chain must matter: with the state zeroed at every frame, the heads of frames
     after the first differ from the chained ones (else the check could not tell carried state from none).
Exit status 0 when all holds; the numbers are printed.
"""
import argparse
import json
import os
import subprocess
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfg_text import read_cfg  # noqa: E402
from random_weights import generate, write_weights  # noqa: E402


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)}\n{p.stderr}")
    return p.stdout


def model_info(vigil, model):
    """state_inputs / state_outputs, the heads and every input's shape, from `vigil info`."""
    meta, shapes, section = {}, {}, None
    for line in run([vigil, "info", model]).splitlines():
        if not line.startswith(" "):
            section = line.rstrip(":")
            continue
        line = line.strip()
        if section == "inputs":  # name:f32[1,16,12,12]
            name, typed = line.rsplit(":", 1)
            shapes[name] = [int(d) for d in typed.split("[", 1)[1].rstrip("]").split(",")]
        for key in ("state_inputs", "state_outputs", "yolo_heads"):
            if section == "metadata" and line.startswith(key + " = ["):
                meta[key] = line[len(key) + 4:-1].split(",")
    return meta, shapes


def chained_runs(vigil, model, frames, meta, shapes, work, carry):
    """Per frame: (detections rows, heads) from `vigil run`, the state carried by hand (or zeroed)."""
    state = None
    results = []
    for t, frame in enumerate(frames):
        out = os.path.join(work, f"run_{'carry' if carry else 'zero'}_{t}")
        os.makedirs(out, exist_ok=True)
        x = os.path.join(out, "input.npy")
        np.save(x, frame)
        args = [vigil, "run", model, "--input", f"input={x}", "--output-dir", out]
        for i, (name_in, name_out) in enumerate(zip(meta["state_inputs"], meta["state_outputs"])):
            path = os.path.join(out, f"state_{i}.npy")
            carried = state is not None and carry
            np.save(path, state[name_out] if carried else np.zeros(shapes[name_in], np.float32))
            args += ["--input", f"{name_in}={path}"]
        run(args)
        load = lambda name: np.load(os.path.join(out, "".join(c if c.isalnum() or c in ".-_" else "_" for c in name) + ".npy"))
        state = {name: load(name) for name in meta["state_outputs"]}
        count = int(load("detection_count")[0])
        results.append((load("detections")[:count], [load(h) for h in meta["yolo_heads"]]))
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--cfg", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--frames", type=int, default=6)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)

    weights = os.path.join(args.work, "model.weights")
    write_weights(weights, generate(args.cfg, seed=3, objectness_bias=-1.0))
    model = os.path.join(args.work, "model.vgl")
    run([args.vigil, "convert", args.cfg, weights, "-o", model])
    meta, shapes = model_info(args.vigil, model)
    if not meta.get("state_inputs") or len(meta["state_inputs"]) != len(meta.get("state_outputs", [])):
        sys.exit(f"FAIL: {model} has no state_inputs / state_outputs metadata: {meta}")

    # Input size from the cfg's [net]; frames: crops sliding 3 px right and 2 px down per frame.
    net = read_cfg(args.cfg)[0][1]
    w, h = int(net["width"]), int(net["height"])
    photo = cv2.imread(args.image)
    if photo is None:
        sys.exit(f"FAIL: cannot read {args.image}")
    scale = 2 * max(w / photo.shape[1], h / photo.shape[0])
    photo = cv2.resize(photo, (int(photo.shape[1] * scale) + 1, int(photo.shape[0] * scale) + 1))
    frame_dir = os.path.join(args.work, "frames")
    os.makedirs(frame_dir, exist_ok=True)
    tensors = []
    for t in range(args.frames):
        crop = photo[2 * t:2 * t + h, 3 * t:3 * t + w]
        cv2.imwrite(os.path.join(frame_dir, f"frame_{t:03d}.png"), crop)
        rgb = crop[:, :, ::-1].astype(np.float64) / 255.0
        tensors.append(rgb.transpose(2, 0, 1)[None].astype(np.float32))

    lines = [json.loads(l) for l in run([args.vigil, "detect", model, frame_dir]).splitlines()]
    detected = [l for l in lines if l.get("type") == "frame"]
    chained = chained_runs(args.vigil, model, tensors, meta, shapes, args.work, carry=True)
    zeroed = chained_runs(args.vigil, model, tensors, meta, shapes, args.work, carry=False)
    if len(detected) != args.frames:
        sys.exit(f"FAIL: vigil detect printed {len(detected)} frame lines for {args.frames} frames")

    ok = True
    total = 0
    for t in range(args.frames):
        rows, _ = chained[t]
        boxes = detected[t]["boxes"]
        total += len(boxes)
        if len(boxes) != len(rows):
            print(f"frame {t}: vigil detect {len(boxes)} boxes, chained vigil run {len(rows)}")
            ok = False
            continue
        for b, r in zip(boxes, rows):
            # detect clips boxes to the frame, which is the input here
            clipped = [min(max(float(r[i]), 0.0), float(w if i % 2 == 0 else h)) for i in range(4)]
            dx = max(abs(b["box"][i] - clipped[i]) for i in range(4))
            if dx > 0.051 or abs(b["score"] - float(r[4])) > 5.1e-5 or b["class_id"] != int(r[5]):
                print(f"frame {t}: detect {b} vs run {r.tolist()}")
                ok = False
    head_change = [max(float(np.abs(a - b).max()) for a, b in zip(chained[t][1], zeroed[t][1]))
                   for t in range(args.frames)]
    print(f"{args.frames} frames, {total} boxes; vigil detect == chained vigil run: {ok}")
    print("max |head(carried state) - head(zero state)| per frame: " + ", ".join(f"{d:.3g}" for d in head_change))
    if head_change[0] != 0.0:
        print("FAIL: the first frame differs between carried and zero state (both start at zero)")
        ok = False
    if min(head_change[1:]) < 1e-3:
        print("FAIL: the carried state does not change later frames' heads: the check would be vacuous")
        ok = False
    if total == 0:
        print("FAIL: no boxes at all: the check would be vacuous")
        ok = False
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
