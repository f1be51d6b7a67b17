#!/usr/bin/env python3
"""tools/kbench/winograd_error.py: the transforms it derives are exact for several point sets and, for F(4,3)
with 0, +-2/3, +-3/2, are the matrices of kernels/conv2d_winograd (docs/KERNELS.md); its pipeline with every
stage in float64 equals a float64 direct convolution; in float32 the chosen points beat 0, +-1, +-2 (the claim
the kernel's choice rests on); repeated points are refused with a message."""
import os
import sys
from fractions import Fraction as Fr

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import winograd_error as we  # noqa: E402


def expect(cond, what):
    if not cond:
        print(f"FAIL: {what}")
        sys.exit(1)


def main():
    t = Fr(2, 3)
    for points in ([0, 1, -1], [0, 1, -1, 2, -2], [0, 1, -1, Fr(1, 2), -2], [0, t, -t, 1 / t, -1 / t],
                   [0, 1, -1, 2, -2, Fr(1, 2), Fr(-1, 2)]):
        we.check_exact(*we.transforms(points))  # exits on a mismatch
    at, g, bt = we.transforms([0, t, -t, 1 / t, -1 / t])
    kernel_at = [[1, 27, 27, 8, 8, 0], [0, 18, -18, 12, -12, 0], [0, 12, 12, 18, 18, 0], [0, 8, -8, 27, -27, 1]]
    expect(at == [[Fr(v) for v in row] for row in kernel_at], f"A^T {at}")
    # The kernel's B^T rows 1-4 are these divided by 4 (G's rows times 4).
    kernel_bt = [[36, 0, -97, 0, 36, 0], [0, 18, 27, -8, -12, 0], [0, -18, 27, 8, -12, 0],
                 [0, -12, -8, 27, 18, 0], [0, 12, -8, -27, 18, 0], [0, 36, 0, -97, 0, 36]]
    expect(bt == [[Fr(v) for v in row] for row in kernel_bt], f"B^T {bt}")
    kernel_g = [[Fr(1, 36), 0, 0], [Fr(1, 130), Fr(1, 195), Fr(2, 585)], [Fr(1, 130), Fr(-1, 195), Fr(2, 585)],
                [Fr(2, 585), Fr(1, 195), Fr(1, 130)], [Fr(2, 585), Fr(-1, 195), Fr(1, 130)], [0, 0, Fr(1, 36)]]
    for i in range(6):
        scale = 4 if 1 <= i <= 4 else 1
        expect([v * scale for v in g[i]] == kernel_g[i], f"G row {i}: {g[i]}")

    rng = np.random.default_rng(5)
    x = we.inputs(rng, 8, 10, "normal")
    w = rng.standard_normal((3, 8, 3, 3)).astype(np.float32)
    mats = we.point_set([0, t, -t, 1 / t, -1 / t])
    y64 = we.winograd(*mats, x, w, 0, (True, True, True))
    ref = we.direct(x, w, False)
    expect(np.max(np.abs(y64 - ref)) < 1e-12 * np.max(np.abs(ref)), "float64 pipeline vs direct conv")

    sets = {"old": we.point_set([0, 1, -1, 2, -2]), "new": mats}
    r = we.errors(sets, 128, "relu", 0)
    expect(r["new"][1] < r["old"][1] / 1.5 and r["new"][0] < r["old"][0] / 2, f"float32 errors {r}")

    try:
        we.transforms([0, 1, 1, 2, -2])
        expect(False, "repeated points accepted")
    except ValueError as e:
        expect("distinct" in str(e), f"message {e}")
    print("ok: transforms exact, kernel matrices, float64 pipeline, float32 errors", r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
