#!/usr/bin/env python3
"""End-to-end `vigil detect` speed: frames per second and per-frame latency at 1 and 2 threads.

    detect_fps.py --vigil build/vigil --work DIR [--model NAME=MODEL.vgl ...] [--actdet-tiny]
                  [--seconds 30] [--rounds 3] [--threads 1 2]

Each model runs over the same synthetic video (tools/actdet/synth_video.py, seed 4242, 256x256, 10 fps,
read from a Y4M file, so decoding is part of the cost), in fresh processes, alternating models and thread
counts round by round; the table reports the median over rounds of the summary line's fps and latency
percentiles (vigil detect's own measurement: a frame's backbone plus the window it triggered).

--actdet-tiny adds actdet-tiny at 256x256 (tools/models/actdet.py's spec widths, seeded random weights with
measured BatchNorm statistics) packaged as an action model with the demo vocabulary: 1 box class and 9
actions instead of the spec's 80 and 16, which changes only the two 1x1 output convs and the final Linear
(0.3 % of the FLOPs). Its weights are random, so its boxes and actions mean nothing: only its speed counts.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ACTDET = os.path.join(HERE, "..", "tools", "actdet")


def make_actdet_tiny(vigil, work):
    sys.path.insert(0, ACTDET)
    import torch

    import labels
    import model

    out = os.path.join(work, "actdet-tiny-256.vgl")
    if os.path.exists(out):
        return out
    config = model.ActDetConfig(width=1.0, input_size=256, num_classes=len(labels.DETECTION_CLASSES),
                                num_anchors=3, num_actions=labels.NUM_ACTIONS, window=16)
    net = model.actdet_model.build_actdet(config, seed=0)
    ckpt = os.path.join(work, "actdet-tiny-256.pt")
    torch.save(model.checkpoint(net, config, step=0), ckpt)
    subprocess.run([sys.executable, os.path.join(ACTDET, "export.py"), "--checkpoint", ckpt, "--vigil", vigil,
                    "--out", out], check=True, stdout=subprocess.DEVNULL)
    return out


def make_video(work, seconds):
    path = os.path.join(work, "video_4242.y4m")
    if not os.path.exists(path):
        subprocess.run([sys.executable, os.path.join(ACTDET, "synth_video.py"), "--out", work, "--seconds",
                        str(seconds), "--seed", "4242", "--size", "256"], check=True, stdout=subprocess.DEVNULL)
    return path


def run_detect(vigil, model, video, threads):
    done = subprocess.run([vigil, "detect", model, video, "--threads", str(threads)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise SystemExit(f"vigil detect {model} failed:\n{done.stderr}")
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    if summary.get("type") != "summary":
        raise SystemExit(f"vigil detect {model}: the last line is not the summary")
    return summary


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--work", required=True, help="directory for the video and generated models")
    ap.add_argument("--model", action="append", default=[], help="NAME=MODEL.vgl (repeatable)")
    ap.add_argument("--actdet-tiny", action="store_true")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    models = []
    for spec in args.model:
        name, sep, path = spec.partition("=")
        if not sep:
            raise SystemExit(f"--model '{spec}': expected NAME=MODEL.vgl")
        models.append((name, path))
    if args.actdet_tiny:
        models.append(("actdet-tiny 256", make_actdet_tiny(args.vigil, args.work)))
    if not models:
        raise SystemExit("nothing to measure: give --model and/or --actdet-tiny")
    video = make_video(args.work, args.seconds)

    results = {}
    for _ in range(args.rounds):
        for name, path in models:
            for t in args.threads:
                results.setdefault((name, t), []).append(run_detect(args.vigil, path, video, t))
    print("| model | threads | frames | fps | latency p50 (ms) | p90 | p99 | dropped |")
    print("|---|---|---|---|---|---|---|---|")
    for (name, t), runs in results.items():
        med = lambda f: statistics.median(f(r) for r in runs)  # noqa: E731
        print(f"| {name} | {t} | {runs[0]['frames']} | {med(lambda r: r['fps']):.1f} | "
              f"{med(lambda r: r['latency_ms']['p50']):.2f} | {med(lambda r: r['latency_ms']['p90']):.2f} | "
              f"{med(lambda r: r['latency_ms']['p99']):.2f} | {runs[0]['dropped_frames']} |")


if __name__ == "__main__":
    main()
