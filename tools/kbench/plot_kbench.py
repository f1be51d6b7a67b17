#!/usr/bin/env python3
"""Plot vigil-kbench results as a PNG: one horizontal bar per kernel call (kind, shape, kernel, ISA, threads)
giving its GFLOP/s at the median as a percentage of the FMA peak measured in the same run, with a tick at the
p10 time's percentage and guide lines at 90 % (issue 6's GEMM/direct-conv target) and 100 %. Rows of one
layer stay together, so oneDNN's rows (vigil-kbench built with -DVIGIL_BENCH_ONEDNN=ON; drawn in green) sit
right under vigil's for the same layer.

    build/apps/kbench/vigil-kbench --isa avx2,avx512 --threads 1,2 --json kbench.json
    python3 tools/kbench/plot_kbench.py kbench.json [more.json ...] --png kbench.png [--kind conv]
            [--engine vigil|onednn]

Needs numpy and OpenCV (python3-opencv), which the project's tools already use; the engine never does.
"""
import argparse
import json
import sys

import cv2
import numpy as np

ROW = 22          # pixels per bar
LABEL_W = 400     # left column with the labels
PLOT_W = 640      # the bar area: 0 .. max_pct
MARGIN = 12
HEADER = 64
COLORS = {"scalar": (160, 160, 160), "avx2": (200, 140, 40), "avx512": (40, 120, 220)}  # BGR, vigil's by ISA
ONEDNN_COLOR = (60, 170, 60)  # every oneDNN bar, whatever its ISA


def load(paths, kind, engine=None):
    rows, runs = [], []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            sys.exit(f"plot_kbench: {path}: cannot read a vigil-kbench JSON file: {e}")
        results = doc.get("results")
        if not isinstance(results, list):
            sys.exit(f"plot_kbench: {path}: no 'results' list (not written by vigil-kbench --json?)")
        runs.append(doc)
        for i, r in enumerate(results):
            for key in ("kind", "name", "isa", "threads", "pct_peak", "pct_peak_p10", "gflops"):
                if key not in r:
                    sys.exit(f"plot_kbench: {path}: results[{i}] has no '{key}'")
            r = {**r, "engine": r.get("engine", "vigil")}  # files from before the oneDNN column: all vigil
            if (kind and r["kind"] != kind) or (engine and r["engine"] != engine):
                continue
            rows.append(r)
    if not rows:
        sys.exit("plot_kbench: no results to plot" + (f" of kind '{kind}'" if kind else "") +
                 (f" of engine '{engine}'" if engine else ""))
    return group_by_layer(rows), runs


def group_by_layer(rows):
    """Rows of one conv layer (any kind, kernel or engine) or one GEMM size next to each other, groups in the
    order they first appear, input order inside a group (a stable sort)."""
    first = {}
    def key(r):
        return ("gemm " if r["kind"] == "gemm" else "") + str(r["name"])
    for i, r in enumerate(rows):
        first.setdefault(key(r), i)
    return sorted(rows, key=lambda r: first[key(r)])


def render(rows, runs, title):
    max_pct = max(110.0, max(float(r["pct_peak_p10"]) for r in rows) * 1.05)
    height = HEADER + ROW * len(rows) + 2 * MARGIN + 20
    width = LABEL_W + PLOT_W + 2 * MARGIN + 80
    img = np.full((height, width, 3), 255, np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(img, title, (MARGIN, 24), font, 0.6, (0, 0, 0), 1, cv2.LINE_AA)
    cpu = runs[0].get("cpu", "?")
    legend = "   green: oneDNN" if any(r["engine"] == "onednn" for r in rows) else ""
    cv2.putText(img, f"% of the measured fp32 FMA peak (bar: median, tick: p10){legend}   cpu: {cpu}", (MARGIN, 46),
                font, 0.42, (60, 60, 60), 1, cv2.LINE_AA)
    x0, y0 = MARGIN + LABEL_W, HEADER

    def x_of(pct):
        return int(x0 + PLOT_W * pct / max_pct)

    for pct, color in ((90.0, (0, 160, 0)), (100.0, (0, 0, 200))):
        x = x_of(pct)
        cv2.line(img, (x, y0 - 4), (x, y0 + ROW * len(rows)), color, 1)
        cv2.putText(img, f"{pct:.0f}%", (x - 14, y0 + ROW * len(rows) + 16), font, 0.4, color, 1, cv2.LINE_AA)
    for i, r in enumerate(rows):
        y = y0 + i * ROW
        kernel = f" {r['kernel']}" if r.get("kernel") and r["kernel"] != r["kind"] else ""
        impl = f"  ({r['impl'].split(': ')[-1]})" if r["engine"] == "onednn" and r.get("impl") else ""
        label = f"{r['kind']} {r['name']}{kernel}  {r['isa']} x{r['threads']}{impl}"
        cv2.putText(img, label, (MARGIN, y + ROW - 7), font, 0.42, (0, 0, 0), 1, cv2.LINE_AA)
        pct, p10 = float(r["pct_peak"]), float(r["pct_peak_p10"])
        color = ONEDNN_COLOR if r["engine"] == "onednn" else COLORS.get(r["isa"], (120, 120, 120))
        cv2.rectangle(img, (x0, y + 4), (max(x0 + 1, x_of(pct)), y + ROW - 4), color, -1)
        cv2.line(img, (x_of(p10), y + 2), (x_of(p10), y + ROW - 2), (0, 0, 0), 1)
        cv2.putText(img, f"{pct:.0f}%  {float(r['gflops']):.0f} GF/s", (x_of(max(pct, p10)) + 6, y + ROW - 7), font,
                    0.38, (40, 40, 40), 1, cv2.LINE_AA)
    return img


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("json", nargs="+", help="vigil-kbench --json outputs")
    ap.add_argument("--png", required=True, help="where to write the plot")
    ap.add_argument("--kind", choices=["conv", "direct", "wino", "gemm"], help="only this kind of result")
    ap.add_argument("--engine", choices=["vigil", "onednn"], help="only this engine's results")
    ap.add_argument("--title", default="vigil-kbench")
    args = ap.parse_args()
    rows, runs = load(args.json, args.kind, args.engine)
    img = render(rows, runs, args.title)
    if not cv2.imwrite(args.png, img):
        sys.exit(f"plot_kbench: {args.png}: cannot write the PNG")
    print(f"{args.png}: {len(rows)} results")


if __name__ == "__main__":
    main()
