#!/usr/bin/env python3
"""Writes a seeded synthetic action video and its per-frame ground truth.

    synth_video.py --out DIR --seconds S [--fps 10] [--size 256] [--seed N] [--format y4m|png|both]

Writes into DIR (named after the seed, so several videos can share a directory):
    video_<seed>.y4m          YUV4MPEG2, 4:2:0, full-range BT.601 (see y4m.py for the exact conversion)
    video_<seed>_frames/      frame_000000.png ... (with --format png or both): the same pixels as the Y4M
                              decodes to
    video_<seed>.jsonl        line 1: a header (labels, fps, size, segments); then one line per frame:
                              {"frame", "action", "action_id", "figures": [{"id", "action", "box", "main"}]}
                              boxes are [x1, y1, x2, y2] in frame pixels; "action" is the main action.
The same arguments always produce the same bytes.
"""

import argparse
import json
import os
import sys
import time

import cv2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scene import SyntheticVideo  # noqa: E402
import y4m  # noqa: E402
from y4m import Y4MWriter  # noqa: E402


def write_video(out_dir, seed, seconds, fps=10, size=256, fmt="y4m", quiet=False):
    os.makedirs(out_dir, exist_ok=True)
    video = SyntheticVideo(seed, seconds, fps=fps, width=size, height=size)
    stem = os.path.join(out_dir, f"video_{seed}")
    writer = Y4MWriter(stem + ".y4m", size, size, fps) if fmt in ("y4m", "both") else None
    png_dir = stem + "_frames"
    if fmt in ("png", "both"):
        os.makedirs(png_dir, exist_ok=True)
    start = time.time()
    with open(stem + ".jsonl", "w") as gt:
        gt.write(json.dumps(video.header()) + "\n")
        for f in range(video.num_frames):
            planes, truth = video.frame_yuv(f)
            if writer:
                writer.write_planes(*planes)
            rgb = y4m.yuv420_to_rgb(*planes)
            if fmt in ("png", "both"):
                cv2.imwrite(os.path.join(png_dir, f"frame_{f:06d}.png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
            gt.write(json.dumps(truth) + "\n")
    if writer:
        writer.close()
    if not quiet:
        print(f"{stem}: {video.num_frames} frames, {len(video.segments)} segments, "
              f"{time.time() - start:.1f} s")
    return stem


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--fps", type=int, default=10)
    ap.add_argument("--size", type=int, default=256, help="frame width and height (even)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--count", type=int, default=1, help="write videos seed, seed+1, ..., seed+count-1")
    ap.add_argument("--format", choices=["y4m", "png", "both"], default="y4m")
    args = ap.parse_args()
    for seed in range(args.seed, args.seed + args.count):
        write_video(args.out, seed, args.seconds, args.fps, args.size, args.format)


if __name__ == "__main__":
    main()
