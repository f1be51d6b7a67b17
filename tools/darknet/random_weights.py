#!/usr/bin/env python3
"""Seeded random darknet .weights for a cfg (test assets: vigil has no YOLOv2 or classifier weights).

    random_weights.py MODEL.cfg OUT.weights [--seed N] [--head-gain G] [--objectness-bias B]

Walks the cfg with its own small shape tracker (independent of vigil's importer) and writes, in darknet's
file order, a 20-byte header (version 0.2.5, 64-bit "seen") then per layer:
  [convolutional]: biases, with batch_normalize scales / rolling means / rolling variances, then the
                   weights [filters][C/groups][size][size];
  [connected]:     biases, weights [outputs][inputs], then with batch_normalize scales / means / variances;
  [shortcut] with weights_type: (1 + len(from)) weights, times the channels for per_channel;
  [conv_lstm]:     its gate convs as [convolutional] ones, in darknet's order: with peephole=1 vf, vi, vo
                   (on the cell), then wf, wi, wg, wo (on the state), then uf, ui, ug, uo (on the input);
  [crnn]:          its input, self and output convs, likewise.
Weights are uniform with a fan-in scale that keeps activations O(1); the batch-norm statistics are far from
the identity (scales 0.5..1.5, means -0.3..0.3, variances 0.3..2) so that a wrong epsilon, order or fold
shows. The weights and biases of every layer feeding a [yolo] / [region] head (of a classifier: the last
weighted layer) are multiplied by --head-gain (default 3) so that detector objectness / class logits and
classifier logits spread well beyond the ~0.5 / uniform region.
"""
import argparse
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfg_text import read_cfg  # noqa: E402


def layer_weights(sections):
    """Per layer: (kind, count pieces) where kind is None for layers without weights."""
    net = sections[0][1]
    shape = (int(net["channels"]), int(net["height"]), int(net["width"]))
    shapes, plan = [], []
    for i, (name, kv) in enumerate(sections[1:]):
        c, h, w = shape
        entry = None
        if name in ("convolutional", "conv"):
            f, k = int(kv["filters"]), int(kv["size"])
            s, g = int(kv.get("stride", 1)), int(kv.get("groups", 1))
            p = k // 2 if int(kv.get("pad", 0)) else int(kv.get("padding", 0))
            entry = ("conv", f, c // g * k * k, int(kv.get("batch_normalize", 0)))
            shape = (f, (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1)
        elif name == "conv_lstm":
            f, k, g = int(kv["output"]), int(kv.get("size", 3)), int(kv.get("groups", 1))
            on_state = (3 if int(kv.get("peephole", 0)) else 0) + 4
            entry = ("recurrent", None, [(f, f // g * k * k)] * on_state + [(f, c // g * k * k)] * 4,
                     int(kv.get("batch_normalize", 0)))
            shape = (f, h, w)  # size-preserving (vigil refuses other paddings)
        elif name == "crnn":
            f, hid, k, g = int(kv["output"]), int(kv["hidden"]), int(kv.get("size", 3)), int(kv.get("groups", 1))
            # one entry per conv: (filters, fan-in)
            entry = ("recurrent", None, [(hid, c // g * k * k), (hid, hid // g * k * k), (f, hid // g * k * k)],
                     int(kv.get("batch_normalize", 0)))
            shape = (f, h, w)
        elif name == "connected":
            o = int(kv["output"])
            entry = ("connected", o, c * h * w, int(kv.get("batch_normalize", 0)))
            shape = (o, 1, 1)
        elif name in ("maxpool", "max"):
            k, s = int(kv["size"]), int(kv["stride"])
            p = int(kv.get("padding", k - 1))
            shape = (c, (h + p - k) // s + 1, (w + p - k) // s + 1)
        elif name in ("avgpool", "avg"):
            shape = (c, 1, 1)
        elif name == "route":
            refs = [int(x) for x in kv["layers"].split(",")]
            refs = [r if r >= 0 else i + r for r in refs]
            shape = (sum(shapes[r][0] for r in refs), shapes[refs[0]][1], shapes[refs[0]][2])
        elif name == "reorg":
            s = int(kv["stride"])
            shape = (c * s * s, h // s, w // s)
        elif name == "upsample":
            s = int(kv.get("stride", 2))
            shape = (c, h * s, w * s)
        elif name == "shortcut":
            # darknet's weighted shortcut: one weight per input (previous layer + each `from`), x C per_channel
            kind = kv.get("weights_type", "none")
            inputs = len(kv["from"].split(",")) + 1
            if kind in ("per_feature", "per_layer"):
                entry = ("shortcut", inputs, 0, 0)
            elif kind == "per_channel":
                entry = ("shortcut", inputs * c, 0, 0)
        elif name not in ("dropout", "softmax", "cost", "region", "yolo", "Gaussian_yolo"):
            raise RuntimeError(f"random_weights.py: section [{name}] is not handled")
        shapes.append(shape)
        plan.append(entry)
    return plan


def generate(cfg, seed=1, head_gain=3.0, objectness_bias=0.0):
    rng = np.random.default_rng(seed)
    sections = read_cfg(cfg)
    plan = layer_weights(sections)
    # The gain goes to every layer feeding a detection head, else (a classifier) to the last weighted layer.
    layers = sections[1:]
    gained = {i - 1 for i, (name, _) in enumerate(layers) if name in ("yolo", "Gaussian_yolo", "region") and i > 0}
    if not gained:
        gained = {max(i for i, e in enumerate(plan) if e is not None)}
    out = []
    for i, e in enumerate(plan):
        if e is None:
            continue
        kind, n, fan_in, bn = e
        if kind == "shortcut":  # some negative (relu normalisation clips them), spread for softmax
            out.append(rng.uniform(-0.5, 1.5, n))
            continue
        gain = head_gain if i in gained else 1.0
        if kind == "recurrent":  # its convs in order, each as a [convolutional]
            for filters, conv_fan_in in fan_in:
                stats = [rng.uniform(0.5, 1.5, filters), rng.uniform(-0.3, 0.3, filters),
                         rng.uniform(0.3, 2.0, filters)] if bn else []
                out += [rng.uniform(-0.2, 0.2, filters)] + stats
                out.append(np.sqrt(3.0 / conv_fan_in) * rng.uniform(-1.0, 1.0, filters * conv_fan_in))
            continue
        bias = gain * rng.uniform(-0.2, 0.2, n)
        if objectness_bias and i in gained and layers[i + 1][0] == "yolo":
            # Trained detectors start every objectness logit far below zero: so that only some boxes are
            # candidates, the objectness channels (anchor * (5 + classes) + 4) are shifted by this much.
            per_anchor = 5 + int(layers[i + 1][1]["classes"])
            bias[4::per_anchor] += objectness_bias
        stats = [rng.uniform(0.5, 1.5, n), rng.uniform(-0.3, 0.3, n), rng.uniform(0.3, 2.0, n)] if bn else []
        weights = gain * np.sqrt(3.0 / fan_in) * rng.uniform(-1.0, 1.0, n * fan_in)
        out += [bias] + (stats + [weights] if kind == "conv" else [weights] + stats)
    return np.concatenate(out).astype("<f4")


def write_weights(path, floats):
    with open(path, "wb") as f:
        f.write(struct.pack("<iiiQ", 0, 2, 5, 0))
        f.write(floats.tobytes())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cfg")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--head-gain", type=float, default=3.0)
    ap.add_argument("--objectness-bias", type=float, default=0.0,
                    help="added to the objectness biases of convs feeding a [yolo] head")
    args = ap.parse_args()
    write_weights(args.out, generate(args.cfg, args.seed, args.head_gain, args.objectness_bias))
    return 0


if __name__ == "__main__":
    sys.exit(main())
