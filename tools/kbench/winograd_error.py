#!/usr/bin/env python3
"""Float32 error of Winograd F(m x m, 3 x 3) convolution for a choice of interpolation points, against a float64
direct convolution: the harness behind the point set of kernels/conv2d_winograd (docs/KERNELS.md, Winograd
accuracy).

    /opt/vigil-venv/bin/python tools/kbench/winograd_error.py [--channels 32,64,128,256,512] [--sum-block 0]
            [--inputs relu|relu_white|normal] [--stages] [--search]

For each point set it builds the transforms A^T, G, B^T (Toom-Cook: evaluation at the points and infinity,
interpolation by the exact inverse of the evaluation matrix, computed with fractions), then runs the kernel's
pipeline in float32 on random data: V = B^T d B with sequential float sums, U = G g G^T in double rounded once,
M = sum over the input channels of U V as one float FMA chain per output (or in blocks of --sum-block
channels), y = A^T M A. Inputs are post-ReLU activations (spatially correlated, per-channel shifts) and
He-initialised weights. Errors are max and RMS of |y - y64| over the outputs, relative to the RMS of y64. The
direct float32 convolution (one FMA chain over the 9C terms) is printed for comparison.

--stages repeats the default comparison with one stage at a time in float64 (input transform, GEMM, output
transform) to show where the error comes from. --search ranks symmetric sets 0, +-a, +-b over small fractions.
Needs numpy only. A throwaway-quality simulation: it models the kernel's arithmetic, it does not run it.
"""
import argparse
import itertools
import math
import sys
from fractions import Fraction as Fr

import numpy as np

F32 = np.float32


def transforms(points, r=3):
    """A^T (m x a), G (a x r), B^T (a x a) for F(m, r) with the given finite points and infinity, as exact
    fractions. B^T's rows are scaled to coprime integers and A^T's columns to integers; G takes the inverse
    scales (so y = A^T [(G g) * (B^T d)] holds exactly)."""
    pts = [Fr(p) for p in points]
    if len(set(pts)) != len(pts) or len(pts) < r - 1:
        raise ValueError(f"need at least {r - 1} distinct finite points, got {[str(p) for p in pts]}")
    a = len(pts) + 1
    m = a - r + 1

    def evaluation(cols):  # rows: (1, p, p^2, ...) per point, (0, ..., 0, 1) for infinity
        return [[p**k for k in range(cols)] for p in pts] + [[Fr(0)] * (cols - 1) + [Fr(1)]]

    # Exact inverse of the a x a evaluation matrix (Gauss-Jordan).
    aug = [row + [Fr(int(i == j)) for j in range(a)] for i, row in enumerate(evaluation(a))]
    for col in range(a):
        piv = next(i for i in range(col, a) if aug[i][col] != 0)
        aug[col], aug[piv] = aug[piv], aug[col]
        aug[col] = [v / aug[col][col] for v in aug[col]]
        for i in range(a):
            if i != col and aug[i][col] != 0:
                f = aug[i][col]
                aug[i] = [x - f * y for x, y in zip(aug[i], aug[col])]
    interp = [row[a:] for row in aug]
    bt = [[interp[j][i] for j in range(a)] for i in range(a)]  # correlation = transposed convolution
    ev_m = evaluation(m)
    at = [[ev_m[i][k] for i in range(a)] for k in range(m)]
    g = evaluation(r)
    for i in range(a):  # B^T row i -> coprime integers
        den = math.lcm(*[v.denominator for v in bt[i]])
        num = math.gcd(*[int(v * den) for v in bt[i]]) or 1
        s = Fr(den, num)
        bt[i] = [v * s for v in bt[i]]
        g[i] = [v / s for v in g[i]]
    for i in range(a):  # A^T column i -> integers
        s = Fr(math.lcm(*[at[k][i].denominator for k in range(m)]))
        for k in range(m):
            at[k][i] *= s
        g[i] = [v / s for v in g[i]]
    return at, g, bt


def as_float(matrix):
    return np.array([[float(v) for v in row] for row in matrix])


def check_exact(at, g, bt, r=3):
    """The transforms compute the correlation exactly (fractions): y_k = sum_j g_j d_{k+j}."""
    m, a = len(at), len(bt)
    for trial in range(3):
        d = [Fr(trial * 7 + i * i - 3, i + 2) for i in range(a)]
        w = [Fr(2 * j + 1 - trial, 3) for j in range(r)]
        gw = [sum(g[i][j] * w[j] for j in range(r)) for i in range(a)]
        bd = [sum(bt[i][j] * d[j] for j in range(a)) for i in range(a)]
        y = [sum(at[k][i] * gw[i] * bd[i] for i in range(a)) for k in range(m)]
        if y != [sum(w[j] * d[k + j] for j in range(r)) for k in range(m)]:
            raise SystemExit("transforms are not exact: bug in transforms()")


def apply_rows(t, x, axis, exact):
    """t @ x along axis: float32 sums in column order (products rounded), or float64 with exact."""
    x = np.moveaxis(x, axis, 0)
    if exact:
        return np.moveaxis(np.tensordot(t, x.astype(np.float64), axes=(1, 0)), 0, axis)
    rows = []
    for i in range(t.shape[0]):
        acc = np.zeros_like(x[0], dtype=F32)
        for j in np.nonzero(t[i])[0]:
            acc = (acc + (F32(t[i, j]) * x[j]).astype(F32)).astype(F32)
        rows.append(acc)
    return np.moveaxis(np.stack(rows), 0, axis)


def fma_sum(u, v, block, exact):
    """u [x, K, C], v [x, C, T] -> [x, K, T]: one float FMA chain over C per output (the product is exact in
    double, the sum is rounded to float once per step), or chains of `block` channels added up in float."""
    if exact:
        return np.einsum("xkc,xct->xkt", u.astype(np.float64), v.astype(np.float64))
    c_total = u.shape[2]
    block = block or c_total
    total = None
    for c0 in range(0, c_total, block):
        acc = np.zeros((u.shape[0], u.shape[1], v.shape[2]), F32)
        for c in range(c0, min(c_total, c0 + block)):
            acc = (acc.astype(np.float64) + u[:, :, c, None].astype(np.float64) * v[:, None, c, :]).astype(F32)
        total = acc if total is None else (total + acc).astype(F32)
    return total


def winograd(at, g, bt, x, w, block=0, exact=(False, False, False)):
    """x [C, H, W] float32 (padding included; H - 2 and W - 2 multiples of m), w [K, C, 3, 3]."""
    m, a = at.shape
    c, h, wd = x.shape
    th, tw = (h - 2) // m, (wd - 2) // m
    rows = np.arange(th)[:, None] * m + np.arange(a)[None, :]
    cols = np.arange(tw)[:, None] * m + np.arange(a)[None, :]
    d = x[:, rows[:, None, :, None], cols[None, :, None, :]]  # C, th, tw, a, a
    v = apply_rows(bt, apply_rows(bt, d, 3, exact[0]), 4, exact[0])
    u = np.einsum("ir,kcrs,js->ijkc", g, w.astype(np.float64), g)
    if not all(exact):  # the kernel rounds U to float once; all stages in float64 keep it (a check of the math)
        u = u.astype(F32)
    v = v.reshape(c, th * tw, a * a).transpose(2, 0, 1)
    mm = fma_sum(u.reshape(a * a, w.shape[0], c), v, block, exact[1])
    mm = mm.reshape(a, a, w.shape[0], th, tw).transpose(2, 3, 4, 0, 1)
    y = apply_rows(at, apply_rows(at, mm, 3, exact[2]), 4, exact[2])
    return y.transpose(0, 1, 3, 2, 4).reshape(w.shape[0], th * m, tw * m)


def direct(x, w, f32):
    c, h, wd = x.shape
    oh, ow = h - 2, wd - 2
    cols = np.stack([x[:, i:i + oh, j:j + ow] for i in range(3) for j in range(3)], 1).reshape(c * 9, oh * ow)
    wm = w.reshape(w.shape[0], c * 9)
    if not f32:
        return (wm.astype(np.float64) @ cols.astype(np.float64)).reshape(-1, oh, ow)
    return fma_sum(wm[None], cols[None], 0, False)[0].reshape(-1, oh, ow)


def inputs(rng, c, size, kind):
    if kind == "normal":
        return rng.standard_normal((c, size, size)).astype(F32)
    base = rng.standard_normal((c, size, size))
    if kind == "relu":  # neighbours correlated, per-channel shift, then ReLU
        smooth = base.copy()
        smooth[:, 1:, :] += base[:, :-1, :]
        smooth[:, :, 1:] += base[:, :, :-1]
        base = smooth / math.sqrt(3) + 0.5 * rng.standard_normal((c, 1, 1))
    return np.maximum(base, 0).astype(F32)


def errors(sets, channels, kind, block, exact=(False, False, False), out_channels=16, size=14, seed=0):
    """{name: (max, rms)} of |y - y64| / rms(y64); a set of None is the direct float convolution."""
    rng = np.random.default_rng(seed + channels)
    x = inputs(rng, channels, size, kind)
    w = (rng.standard_normal((out_channels, channels, 3, 3)) * math.sqrt(2 / (9 * channels))).astype(F32)
    ref = direct(x, w, False)
    scale = math.sqrt(float(np.mean(ref**2)))
    result = {}
    for name, mats in sets.items():
        y = direct(x, w, True) if mats is None else winograd(*mats, x, w, block, exact)
        e = np.abs(y - ref) / scale
        result[name] = (float(e.max()), math.sqrt(float(np.mean(e**2))))
    return result


def point_set(points):
    at, g, bt = transforms(points)
    check_exact(at, g, bt)
    return as_float(at), as_float(g), as_float(bt)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--channels", default="32,64,128,256,512")
    ap.add_argument("--sum-block", type=int, default=0, help="GEMM chain length in channels (0: all C)")
    ap.add_argument("--inputs", default="relu", choices=["relu", "relu_white", "normal"])
    ap.add_argument("--stages", action="store_true")
    ap.add_argument("--search", action="store_true")
    args = ap.parse_args()
    channels = [int(c) for c in args.channels.split(",")]
    h, t = Fr(1, 2), Fr(2, 3)
    sets = {
        "F(4,3) 0,+-1,+-2 (Lavin)": point_set([0, 1, -1, 2, -2]),
        "F(4,3) 0,+-1,1/2,-2": point_set([0, 1, -1, h, -2]),
        "F(4,3) 0,+-1/2,+-2": point_set([0, h, -h, 2, -2]),
        "F(4,3) 0,+-2/3,+-3/2 (vigil)": point_set([0, t, -t, 1 / t, -1 / t]),
        "F(2,3) 0,+-1": point_set([0, 1, -1]),
        "direct float": None,
    }
    if args.search:
        values = [Fr(v) for v in ["1/4", "1/3", "1/2", "2/3", "3/4", "4/5", "1", "5/4", "4/3", "3/2", "5/3", "2", "3"]]
        sets = {f"0,+-{a},+-{b}": point_set([0, a, -a, b, -b]) for a, b in itertools.combinations(values, 2)
                if Fr(1, 4) <= a * b <= 4}
        sets["direct float"] = None
        score = {n: 0.0 for n in sets}
        for c in channels:
            r = errors(sets, c, args.inputs, args.sum_block)
            for n in sets:
                score[n] += r[n][1] / r["direct float"][1] / len(channels)
        for n in sorted(score, key=score.get)[:15]:
            print(f"{n:24s} RMS error / direct float's: {score[n]:.2f}")
        return 0
    stage_modes = [("all float32", (False, False, False))]
    if args.stages:
        stage_modes += [("input transform in float64", (True, False, False)),
                        ("GEMM in float64", (False, True, False)),
                        ("output transform in float64", (False, False, True))]
    for label, exact in stage_modes:
        print(f"{label}; inputs {args.inputs}; GEMM blocks {args.sum_block or 'none'}; max / RMS error "
              "relative to the output's RMS")
        for c in channels:
            r = errors(sets, c, args.inputs, args.sum_block, exact)
            print(f"  C = {c}")
            for n, (mx, rms) in r.items():
                print(f"    {n:30s} max {mx:.2e}  RMS {rms:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
