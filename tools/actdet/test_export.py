#!/usr/bin/env python3
"""export.py end to end: an untrained seeded actdet is saved as train.py saves it, exported and converted to
one .vgl; `vigil run` on that file must reproduce PyTorch, and its YoloDetect rows yolo.decode's.

    test_export.py --vigil build/vigil --work DIR

Tolerances (float32 through different kernels and summation orders):
  - heads, embedding: max |vigil - torch| <= 1e-4 * max |torch| (the output's scale);
  - action probabilities: max |vigil - torch| <= 1e-5 (they are in [0, 1]);
  - YoloDetect on vigil's heads vs yolo.decode on the same heads: the same number of rows, the same classes,
    boxes within 1e-3 px and scores within 1e-5 (both decode in float32, with different exp/sigmoid);
  - YoloDetect vs yolo.decode on PyTorch's heads: the same number of rows, boxes within 1e-2 px.
The untrained net's objectness priors give ~1 object per frame, so its scores lie below the 0.05
threshold; the test draws the head biases from N(0, 1) (objectness N(-2, 1)) so that many boxes reach
NMS, and fewer than max_detections survive it (so the row count itself is compared).
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export  # noqa: E402
import labels  # noqa: E402
import model  # noqa: E402
import preprocess  # noqa: E402
import seeding  # noqa: E402  (tools/models/seeding.py, on the path model.py set up)
import yolo  # noqa: E402

SEED = 5


def save_untrained_checkpoint(path):
    """The checkpoint layout of train.py's save() (what load_checkpoint reads), for an untrained net whose
    BatchNorm statistics are measured (as tools/models/actdet.py's build_actdet does): with PyTorch's
    defaults the activations shrink layer by layer, every cell's heads equal their biases, and the tied
    scores would leave NMS's order to chance."""
    config = model.demo_config()
    net = model.build(config, SEED)
    generator = torch.Generator().manual_seed(SEED)
    seeding.randomize_batch_norm_affine(net, generator)
    calibration = torch.rand((2, 3, config.input_size, config.input_size), generator=generator)
    seeding.calibrate_batch_norm(net, lambda m: m(calibration), generator)
    with torch.no_grad():
        for head in (net.h2, net.h7):
            head.bias.copy_(torch.randn(head.bias.shape, generator=generator))
            head.bias.view(config.num_anchors, -1)[:, 4] -= 2.0  # fewer objects: NMS keeps fewer than 100
        # Far-from-uniform probabilities, so that a wrong LSTM cannot hide behind values all near 1/K.
        net.classifier.weight.mul_(30.0)
        net.classifier.bias.mul_(30.0)
    torch.save(model.checkpoint(net, config, step=0), path)


def max_diff(a, b):
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    ckpt = os.path.join(args.work, "untrained.pt")
    vgl = os.path.join(args.work, "actdet.vgl")
    save_untrained_checkpoint(ckpt)
    subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "export.py"),
                    "--checkpoint", ckpt, "--vigil", args.vigil, "--out", vgl], check=True)
    with open(os.path.join(args.work, "actdet.json")) as f:
        meta = json.load(f)

    net, config, _ = model.load_checkpoint(ckpt)
    s, t = config.input_size, config.window
    rng = np.random.default_rng(SEED)
    # T preprocessed frames (random pixels through the deployed preprocessing); the image input is the last.
    frames = np.stack([preprocess.to_input(rng.integers(0, 256, (96, 160, 3), dtype=np.uint8), s, s)
                       for _ in range(t)])
    with torch.no_grad():
        _, _, embeddings = net(torch.from_numpy(frames))
        window = embeddings.unsqueeze(1).numpy()  # [T,1,E]: what a streaming detector collects
        image = frames[-1:]
        deploy = export.DeployModel(net).eval()
        torch_out = [o.numpy() for o in deploy(torch.from_numpy(image), torch.from_numpy(window))]
    np.save(os.path.join(args.work, "image.npy"), image)
    np.save(os.path.join(args.work, "window.npy"), window)
    out_dir = os.path.join(args.work, "out")
    subprocess.run([args.vigil, "run", vgl, "--input", "image=" + os.path.join(args.work, "image.npy"),
                    "--input", "window=" + os.path.join(args.work, "window.npy"), "--output-dir", out_dir], check=True)
    names = export.OUTPUTS + ["detections", "detection_count"]
    vigil_out = {n: np.load(os.path.join(out_dir, n + ".npy")) for n in names}

    failures = []

    def check(ok, what):
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            failures.append(what)

    check(meta["temporal_window"] == t and meta["action_labels"] == list(labels.ACTIONS), "metadata: window and labels")
    for name, ref in zip(export.OUTPUTS, torch_out):
        got = vigil_out[name]
        if got.shape != ref.shape:
            check(False, f"{name}: shape {got.shape} vs PyTorch {ref.shape}")
            continue
        d = max_diff(got, ref)
        if name == export.SCORES_OUTPUT:
            check(d <= 1e-5, f"{name}: max |diff| {d:.2e} <= 1e-5")
            check(float(ref.max()) > 0.3, f"{name}: some probability {float(ref.max()):.3f} > 0.3 (not near 1/K)")
        else:
            scale = float(np.max(np.abs(ref)))
            check(d <= 1e-4 * scale, f"{name}: max |diff| {d:.2e} <= 1e-4 * {scale:.3g}")

    count = int(vigil_out["detection_count"][0])
    rows = vigil_out["detections"][:count]
    decode = lambda heads: yolo.decode([torch.from_numpy(h) for h in heads], s, config.num_classes,  # noqa: E731
                                       export.SCORE_THRESHOLD, export.NMS_THRESHOLD, export.MAX_DETECTIONS)[0].numpy()
    same_heads = decode([vigil_out[n] for n in export.HEAD_OUTPUTS])
    check(20 <= count < export.MAX_DETECTIONS, f"YoloDetect kept {count} boxes (20 .. {export.MAX_DETECTIONS - 1}: "
          "the comparison is not vacuous, and not capped)")
    check(len(same_heads) == count, f"yolo.decode on vigil's heads: {len(same_heads)} rows, YoloDetect {count}")
    if len(same_heads) == count and count:
        check(np.array_equal(rows[:, 5], same_heads[:, 5]), "classes equal")
        check(max_diff(rows[:, :4], same_heads[:, :4]) <= 1e-3,
              f"boxes: max |diff| {max_diff(rows[:, :4], same_heads[:, :4]):.2e} px <= 1e-3")
        check(max_diff(rows[:, 4], same_heads[:, 4]) <= 1e-5,
              f"scores: max |diff| {max_diff(rows[:, 4], same_heads[:, 4]):.2e} <= 1e-5")
    torch_heads = decode(torch_out[:2])
    check(len(torch_heads) == count, f"yolo.decode on PyTorch's heads: {len(torch_heads)} rows, YoloDetect {count}")
    if len(torch_heads) == count and count:
        check(max_diff(rows[:, :4], torch_heads[:, :4]) <= 1e-2,
              f"boxes vs PyTorch: max |diff| {max_diff(rows[:, :4], torch_heads[:, :4]):.2e} px <= 1e-2")
    # The hoisted variant, streamed as a detector would: the frame part per frame, the window part on the
    # stacked per-frame projections. Must give PyTorch's probabilities too.
    hoisted = os.path.join(args.work, "actdet_hoisted.vgl")
    subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "export.py"),
                    "--checkpoint", ckpt, "--vigil", args.vigil, "--out", hoisted, "--hoist-lstm-projection"],
                   check=True)
    projected_window = "window/lstm_input_projection"
    projection = "embedding/lstm_input_projection"
    hidden = config.lstm_hidden
    zeros = os.path.join(args.work, "zeros.npy")
    np.save(zeros, np.zeros((t, 1, 8 * hidden), np.float32))
    rows = []
    for k in range(t):
        frame = os.path.join(args.work, f"frame{k}.npy")
        np.save(frame, frames[k:k + 1])
        d = os.path.join(args.work, f"hoisted_frame{k}")
        subprocess.run([args.vigil, "run", hoisted, "--input", "image=" + frame, "--input",
                        f"{projected_window}={zeros}", "--output-dir", d], check=True, capture_output=True)
        rows.append(np.load(os.path.join(d, projection.replace("/", "_") + ".npy")))
    np.save(os.path.join(args.work, "projections.npy"), np.stack(rows))
    d = os.path.join(args.work, "hoisted_window")
    subprocess.run([args.vigil, "run", hoisted, "--input", "image=" + os.path.join(args.work, "image.npy"), "--input",
                    f"{projected_window}=" + os.path.join(args.work, "projections.npy"), "--output-dir", d],
                   check=True, capture_output=True)
    probs = np.load(os.path.join(d, export.SCORES_OUTPUT + ".npy"))
    diff = max_diff(probs, torch_out[3])
    check(diff <= 1e-5, f"hoisted LSTM projection, streamed: action_probs max |diff| {diff:.2e} <= 1e-5")

    print(f"export test: {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
