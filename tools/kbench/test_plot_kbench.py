#!/usr/bin/env python3
"""tools/kbench/plot_kbench.py: a plot of two synthetic results has one bar per result whose length follows
its % of peak, and bad inputs fail with a message naming the file."""
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


def bar_length(img, row):
    # The bars are drawn in the AVX-512 colour (BGR 40, 120, 220); count that colour along the row's middle.
    y = 64 + row * 22 + 11
    line = img[y]
    return int(np.sum((line[:, 0] == 40) & (line[:, 1] == 120) & (line[:, 2] == 220)))


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
    print("plot_kbench: ok")


if __name__ == "__main__":
    main()
