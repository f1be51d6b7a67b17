#!/usr/bin/env python3
"""Proves a deployed action model: vigil's `detect` output against PyTorch's on the same held-out videos.

    compare_vigil.py --vigil build/vigil --model MODEL.vgl --checkpoint CKPT --videos DIR
                     [--stride D] [--score-threshold 0.05] [--threads 2] [--report FILE]

DIR holds video_*.y4m with their ground truth video_*.jsonl (tools/actdet/synth_video.py). Both runtimes
read the same Y4M bytes (vigil through its own decoder, PyTorch through y4m.py, which decodes to the same
RGB bytes), so any difference comes from the runtimes. For PyTorch, inference.run_video defines the
result; for vigil, `vigil detect MODEL VIDEO --stride D` prints it, one JSON line per frame.

Reported: per-frame top-1 agreement, the largest per-frame probability difference, and the accuracy
metrics of evaluate.py (frame accuracy, segment F1@0.5, box AP50) for each runtime and their difference.
The exit status is 1 when agreement is below --min-agreement or a metric differs by more than
--max-metric-gap (in points, i.e. percent), so the script can serve as a test.
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evaluate  # noqa: E402
import inference  # noqa: E402
from model import load_checkpoint  # noqa: E402

METRICS = ("frame_accuracy", "segment_f1@0.5", "box_ap50")


def run_vigil(vigil, model, video, stride, threads, num_frames):
    """Runs `vigil detect` and returns the prediction dict evaluate.score expects, plus the segments."""
    cmd = [vigil, "detect", model, video, "--threads", str(threads)]
    if stride:
        cmd += ["--stride", str(stride)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    frames, segments, summary = {}, [], None
    for line in done.stdout.splitlines():
        row = json.loads(line)
        kind = row.get("type")
        if kind == "frame":
            frames[row["frame"]] = row
        elif kind == "segment":
            segments.append(row)
        elif kind == "summary":
            summary = row
    if sorted(frames) != list(range(num_frames)):
        raise SystemExit(f"{video}: vigil printed {len(frames)} frame lines, the video has {num_frames} frames")
    probs = np.array([frames[i]["actions"] for i in range(num_frames)], dtype=np.float64)
    detections = [
        np.array([b["box"] + [b["score"], b["class_id"]] for b in frames[i]["boxes"]], np.float64).reshape(-1, 6)
        for i in range(num_frames)
    ]
    return {"probs": probs, "detections": detections}, segments, summary


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--model", required=True, help="the .vgl made by export.py")
    ap.add_argument("--checkpoint", required=True, help="the PyTorch checkpoint the .vgl was exported from")
    ap.add_argument("--videos", required=True)
    ap.add_argument("--stride", type=int, default=None, help="temporal stride (default T/2 in both)")
    ap.add_argument("--score-threshold", type=float, default=0.05,
                    help="PyTorch's box threshold; must equal the one the .vgl's YoloDetect node applies")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--min-length", type=int, default=3)
    ap.add_argument("--min-agreement", type=float, default=0.995)
    ap.add_argument("--max-metric-gap", type=float, default=0.5, help="points")
    ap.add_argument("--report")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    net, _, _ = load_checkpoint(args.checkpoint)
    torch_results, vigil_results = [], []
    agree = total = 0
    max_prob_diff = 0.0
    for name, frames, truth in evaluate.file_sources(args.videos):
        reference = inference.run_video(net, frames, stride=args.stride, score_threshold=args.score_threshold)
        deployed, _, _ = run_vigil(args.vigil, args.model, os.path.join(args.videos, name + ".y4m"), args.stride,
                                   args.threads, len(frames))
        same = np.argmax(reference["probs"], 1) == np.argmax(deployed["probs"], 1)
        agree += int(same.sum())
        total += len(same)
        max_prob_diff = max(max_prob_diff, float(np.abs(reference["probs"] - deployed["probs"]).max()))
        torch_results.append((name, reference, truth))
        vigil_results.append((name, deployed, truth))
        print(f"{name}: {len(same)} frames, top-1 agreement {same.mean():.4f}", flush=True)

    s_torch = evaluate.score(torch_results, args.min_length)
    s_vigil = evaluate.score(vigil_results, args.min_length)
    report = {
        "videos": len(torch_results),
        "frames": total,
        "top1_agreement": agree / max(1, total),
        "max_probability_difference": max_prob_diff,
        "pytorch": {m: s_torch[m] for m in METRICS},
        "vigil": {m: s_vigil[m] for m in METRICS},
        "gap_points": {m: 100 * abs(s_torch[m] - s_vigil[m]) for m in METRICS},
        "stride": args.stride,
        "score_threshold": args.score_threshold,
    }
    print(f"\n{report['videos']} videos, {total} frames; top-1 agreement {report['top1_agreement']:.4%}, "
          f"max |p_torch - p_vigil| {max_prob_diff:.2e}")
    print("| metric | PyTorch | vigil | gap (points) |\n|---|---|---|---|")
    for m in METRICS:
        print(f"| {m} | {100 * s_torch[m]:.2f} | {100 * s_vigil[m]:.2f} | {report['gap_points'][m]:.2f} |")
    if args.report:
        with open(args.report, "w") as f:
            json.dump(report, f, indent=1)
    ok = report["top1_agreement"] >= args.min_agreement and all(
        g <= args.max_metric_gap for g in report["gap_points"].values())
    if not ok:
        print("FAIL: vigil does not reproduce PyTorch within the limits", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
