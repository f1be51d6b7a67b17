#!/usr/bin/env python3
"""tools/kbench/plot_kbench.py: a plot of two synthetic results has one bar per result whose length follows
its % of peak; oneDNN results are drawn in their own colour right under vigil's row of the same layer and can
be filtered by engine; bad inputs fail with a message naming the file."""
import json
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "plot_kbench.py")


def result(name, pct):
    return {"kind": "conv", "name": name, "isa": "avx512", "threads": 1, "pct_peak": pct, "pct_peak_p10": pct + 2,
            "gflops": pct * 1.8}


def run(*args):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True)


def bar_length(img, row, color=(40, 120, 220)):
    # vigil's AVX-512 bars are BGR 40, 120, 220, oneDNN's 60, 170, 60; count that colour along the row's middle.
    y = 64 + row * 22 + 11
    line = img[y]
    return int(np.sum((line[:, 0] == color[0]) & (line[:, 1] == color[1]) & (line[:, 2] == color[2])))


ONEDNN = (60, 170, 60)


def check_onednn(tmp):
    # A vigil-kbench -DVIGIL_BENCH_ONEDNN=ON file: oneDNN's L1 row comes last in the file but is drawn right
    # under vigil's L1 row, in oneDNN's colour.
    path = os.path.join(tmp, "onednn.json")
    onednn_l1 = {**result("L1", 80.0), "engine": "onednn", "kernel": "onednn",
                 "impl": "auto=direct: brgconv:avx512_core"}
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"cpu": "test", "results": [{**result("L1", 40.0), "engine": "vigil", "kernel": "gemm"},
                                              {**result("L2", 60.0), "engine": "vigil", "kernel": "gemm"},
                                              onednn_l1]}, f)
    png = os.path.join(tmp, "onednn.png")
    r = run(path, "--png", png, "--kind", "conv")
    assert r.returncode == 0, r.stderr
    img = cv2.imread(png)
    assert img.shape[0] == 64 + 3 * 22 + 2 * 12 + 20, img.shape
    vigil_l1, onednn_row1, vigil_row2 = bar_length(img, 0), bar_length(img, 1, ONEDNN), bar_length(img, 2)
    assert vigil_l1 > 10 and abs(onednn_row1 - 2 * vigil_l1) <= 2, (vigil_l1, onednn_row1)  # oneDNN L1 in row 1
    assert bar_length(img, 1) == 0 and bar_length(img, 0, ONEDNN) == 0  # each row in its engine's colour
    assert abs(2 * vigil_row2 - 3 * vigil_l1) <= 3, (vigil_l1, vigil_row2)  # vigil L2 (60 %) moved to row 2

    r = run(path, "--png", png, "--engine", "onednn")
    assert r.returncode == 0, r.stderr
    img = cv2.imread(png)
    assert img.shape[0] == 64 + 22 + 2 * 12 + 20 and bar_length(img, 0, ONEDNN) > 10, img.shape
    r = run(path, "--png", png, "--kind", "gemm", "--engine", "onednn")
    assert r.returncode != 0 and "no results to plot" in r.stderr, r.stderr


def main():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "k.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"cpu": "test", "results": [result("L1", 40.0), result("L2", 80.0),
                                                   {**result("G", 99.0), "kind": "gemm"}]}, f)
        png = os.path.join(tmp, "k.png")
        r = run(path, "--png", png, "--kind", "conv")
        assert r.returncode == 0, r.stderr
        img = cv2.imread(png)
        assert img is not None, "no PNG written"
        assert img.shape[0] == 64 + 2 * 22 + 2 * 12 + 20, img.shape  # two conv rows, the gemm row filtered out
        short, long = bar_length(img, 0), bar_length(img, 1)
        assert short > 10 and abs(long - 2 * short) <= 2, (short, long)  # 80 % is twice 40 %

        bad = os.path.join(tmp, "bad.json")
        with open(bad, "w", encoding="utf-8") as f:
            f.write("{ not json")
        r = run(bad, "--png", png)
        assert r.returncode != 0 and "bad.json" in r.stderr, r.stderr
        with open(bad, "w", encoding="utf-8") as f:
            json.dump({"results": [{"kind": "conv"}]}, f)
        r = run(bad, "--png", png)
        assert r.returncode != 0 and "results[0] has no 'name'" in r.stderr, r.stderr

        check_onednn(tmp)
    print("plot_kbench: ok")


if __name__ == "__main__":
    main()
