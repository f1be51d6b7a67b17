#!/usr/bin/env python3
"""Measures a trained actdet on held-out synthetic videos: frame accuracy, segment F1@0.5, box AP50.

    evaluate.py --checkpoint CKPT --seeds 1000 --count 8 --seconds 60 [--size 256]   # rendered in memory
    evaluate.py --checkpoint CKPT --videos DIR                                        # video_*.y4m + .jsonl
    evaluate.py --predictions DIR --videos DIR          # score predictions written by another runtime

Options: --predictions-out DIR writes video_<seed>.pred.jsonl per video (line 1 a header with the labels,
then per frame {"frame", "probs", "action", "detections": [[x1, y1, x2, y2, score, class], ...]}, boxes
in frame pixels) so that another runtime's output (vigil's) can be compared frame by frame;
--report FILE writes the summary as JSON. Metric definitions: metrics.py; inference: inference.py.
"""

import argparse
import glob
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import inference  # noqa: E402
import labels  # noqa: E402
import metrics  # noqa: E402
from dataset import TRAIN_SEED_BIT  # noqa: E402
from scene import SyntheticVideo  # noqa: E402
from y4m import Y4MReader  # noqa: E402


class _Frames:
    """A lazily rendered sequence of frames (so a long video is never all in memory as RGB)."""

    def __init__(self, n, get):
        self.n, self.get = n, get

    def __len__(self):
        return self.n

    def __iter__(self):
        return (self.get(i) for i in range(self.n))


def synthetic_sources(seeds, seconds, size, fps):
    for seed in seeds:
        if seed >= TRAIN_SEED_BIT:
            raise ValueError(f"seed {seed} is in the training seed range (>= 2^61)")
        video = SyntheticVideo(seed, seconds, fps=fps, width=size, height=size)
        truth = [video.truth(f) for f in range(video.num_frames)]
        yield f"video_{seed}", _Frames(video.num_frames, lambda i, v=video: v.frame(i)[0]), truth


def file_sources(directory):
    paths = sorted(glob.glob(os.path.join(directory, "video_*.y4m")))
    if not paths:
        raise SystemExit(f"no video_*.y4m in {directory}")
    for path in paths:
        stem = path[: -len(".y4m")]
        with open(stem + ".jsonl") as f:
            truth = [json.loads(line) for line in f][1:]
        reader = Y4MReader(path)
        yield os.path.basename(stem), _Frames(len(reader), reader.frame), truth


def write_predictions(path, result):
    with open(path, "w") as f:
        f.write(json.dumps({"type": "header", "labels": list(labels.ACTIONS)}) + "\n")
        for i, (p, d) in enumerate(zip(result["probs"], result["detections"])):
            row = {
                "frame": i,
                "probs": [round(float(v), 6) for v in p],
                "action": labels.ACTIONS[int(np.argmax(p))],
                "detections": [[round(float(v), 3) for v in det] for det in d],
            }
            f.write(json.dumps(row) + "\n")


def read_predictions(path):
    with open(path) as f:
        rows = [json.loads(line) for line in f][1:]
    return {
        "probs": np.array([r["probs"] for r in rows]),
        "detections": [np.array(r["detections"], dtype=np.float64).reshape(-1, 6) for r in rows],
    }


def score(results, min_length=3):
    """results: list of (name, prediction dict, truth list). Returns the summary dict."""
    all_pred, all_true, all_dets, all_boxes = [], [], [], []
    tp = fp = fn = 0
    per_video = []
    for name, result, truth in results:
        pred = np.argmax(result["probs"], axis=1)
        true = np.array([t["action_id"] for t in truth])
        if len(pred) != len(true):
            raise ValueError(f"{name}: {len(pred)} predicted frames, {len(true)} ground-truth frames")
        boxes = [np.array([f["box"] for f in t["figures"]], np.float64).reshape(-1, 4) for t in truth]
        f1, a, b, c = metrics.segment_f1(pred, true, 0.5, min_length)
        tp, fp, fn = tp + a, fp + b, fn + c
        per_video.append(
            {
                "video": name,
                "frames": len(true),
                "frame_accuracy": metrics.frame_accuracy(pred, true),
                "segment_f1@0.5": f1,
                "box_ap50": metrics.average_precision(result["detections"], boxes),
            }
        )
        all_pred.append(pred)
        all_true.append(true)
        all_dets += result["detections"]
        all_boxes += boxes
    pred, true = np.concatenate(all_pred), np.concatenate(all_true)
    k = labels.NUM_ACTIONS
    conf = metrics.confusion(pred, true, k)
    return {
        "videos": len(results),
        "frames": int(len(true)),
        "frame_accuracy": metrics.frame_accuracy(pred, true),
        "segment_f1@0.5": 2 * tp / max(1, 2 * tp + fp + fn),
        "segments": {"tp": tp, "fp": fp, "fn": fn, "min_length": min_length},
        "box_ap50": metrics.average_precision(all_dets, all_boxes),
        "per_class_recall": {
            labels.ACTIONS[i]: (float(conf[i, i] / conf[i].sum()) if conf[i].sum() else None) for i in range(k)
        },
        "confusion": conf.tolist(),
        "per_video": per_video,
    }


def print_summary(s):
    print(f"videos {s['videos']}, frames {s['frames']}")
    print(f"frame accuracy   {s['frame_accuracy']:.4f}")
    seg = s["segments"]
    print(f"segment F1@0.5   {s['segment_f1@0.5']:.4f}  (tp {seg['tp']}, fp {seg['fp']}, fn {seg['fn']})")
    print(f"box AP50         {s['box_ap50']:.4f}")
    print("confusion (rows = truth, columns = prediction):")
    names = [a[:6] for a in labels.ACTIONS]
    print("        " + " ".join(f"{n:>6}" for n in names))
    for name, row in zip(names, s["confusion"]):
        print(f"{name:>7} " + " ".join(f"{v:6d}" for v in row))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint")
    ap.add_argument("--videos", help="directory of video_*.y4m + .jsonl")
    ap.add_argument("--predictions", help="directory of video_*.pred.jsonl to score instead of running a model")
    ap.add_argument("--seeds", type=int, default=1000, help="first held-out seed (rendered in memory)")
    ap.add_argument("--count", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--fps", type=int, default=10)
    ap.add_argument("--stride", type=int, default=None, help="temporal window stride (default T/2)")
    ap.add_argument("--score-threshold", type=float, default=0.01)
    ap.add_argument("--min-length", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--predictions-out")
    ap.add_argument("--report")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.videos:
        sources = file_sources(args.videos)
    else:
        sources = synthetic_sources(range(args.seeds, args.seeds + args.count), args.seconds, args.size, args.fps)
    net = None
    if not args.predictions:
        if not args.checkpoint:
            raise SystemExit("need --checkpoint (or --predictions)")
        from model import load_checkpoint

        net, _, _ = load_checkpoint(args.checkpoint)
    results = []
    start = time.time()
    for name, frames, truth in sources:
        if args.predictions:
            result = read_predictions(os.path.join(args.predictions, name + ".pred.jsonl"))
        else:
            result = inference.run_video(net, frames, stride=args.stride, score_threshold=args.score_threshold)
        if args.predictions_out:
            os.makedirs(args.predictions_out, exist_ok=True)
            write_predictions(os.path.join(args.predictions_out, name + ".pred.jsonl"), result)
        results.append((name, result, truth))
    summary = score(results, args.min_length)
    summary["seconds"] = round(time.time() - start, 1)
    print_summary(summary)
    if args.report:
        with open(args.report, "w") as f:
            json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
