#!/usr/bin/env python3
"""ONNX models exported with dynamic axes run by `vigil run` / `vigil bench` on inputs of several shapes.

Usage: check_dynamic_shapes.py VIGIL WORK_DIR

PyTorch exports usually leave the batch (and often the image size or sequence length) dynamic. A small
two-input model is exported that way (dynamic N, H, W for the image, N and T for the sequence; its
x.flatten / x.view(x.size(0), -1) becomes Shape/Gather/Concat arithmetic that only folds once the shapes are
known). Checked:
- `vigil run` takes the dynamic dims from the .npy files: two different sets of shapes, each against
  onnxruntime within |vigil - ort| <= 1e-4 * (1 + |ort|) (the conformance tolerance of tests/onnx);
- --input-shape fixes a dim instead; a file that then disagrees is refused naming both shapes;
- `vigil info` with --input-shape prints the fixed shapes, and without it fails naming the dynamic dim;
- `vigil bench` takes the shapes from --input files as well;
- a file whose rank differs from the model's input is refused, not silently reshaped.
Needs torch, onnx and onnxruntime; never skips.
"""
import os
import subprocess
import sys
import warnings


def export_model(torch, path):
    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
            self.lstm = torch.nn.LSTM(6, 8, batch_first=True, bidirectional=True)
            self.fc = torch.nn.Linear(24, 5)

        def forward(self, image, seq):  # image [N, 3, H, W], seq [N, T, 6]
            f = torch.relu(self.conv(image))
            f = torch.nn.functional.adaptive_avg_pool2d(f, 1)
            f = f.view(f.size(0), -1)  # [N, 8] through Shape/Gather/Concat
            y, _ = self.lstm(seq)  # [N, T, 16]
            return self.fc(torch.cat([f, y.mean(1)], 1)).softmax(-1)

    torch.manual_seed(0)
    model = Model().eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.randn(2, 3, 12, 12), torch.randn(2, 4, 6)), path, opset_version=13,
                          input_names=["image", "seq"], output_names=["probs"],
                          dynamic_axes={"image": {0: "N", 2: "H", 3: "W"}, "seq": {0: "N", 1: "T"},
                                        "probs": {0: "N"}})


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    vigil, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    import numpy as np
    import onnxruntime as ort
    import torch

    model = os.path.join(work, "dynamic.onnx")
    export_model(torch, model)
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(7)
    failures = []

    def check(name, ok, detail=""):
        print(("PASS " if ok else "FAIL ") + name + (f": {detail}" if detail and not ok else ""))
        if not ok:
            failures.append(name)

    def save(name, array):
        path = os.path.join(work, name)
        np.save(path, array)
        return path

    for n, h, w, t in [(1, 17, 23, 3), (3, 8, 30, 7)]:
        image = rng.standard_normal((n, 3, h, w)).astype(np.float32)
        seq = rng.standard_normal((n, t, 6)).astype(np.float32)
        want = session.run(None, {"image": image, "seq": seq})[0]
        out_dir = os.path.join(work, f"out_{n}_{h}_{w}_{t}")
        r = run([vigil, "run", model, "--input", "image=" + save(f"image_{n}_{h}_{w}.npy", image), "--input",
                 "seq=" + save(f"seq_{n}_{t}.npy", seq), "--output-dir", out_dir])
        label = f"run takes N={n} H={h} W={w} T={t} from the files"
        if r.returncode != 0:
            check(label, False, r.stderr.strip())
            continue
        got = np.load(os.path.join(out_dir, "probs.npy"))
        worst = float(np.max(np.abs(got - want) - 1e-4 * (1 + np.abs(want)))) if got.shape == want.shape else 1.0
        check(label, got.shape == want.shape and worst <= 0, f"shape {got.shape} vs {want.shape}, excess {worst}")

    image = save("image_a.npy", rng.standard_normal((2, 3, 9, 9)).astype(np.float32))
    seq = save("seq_a.npy", rng.standard_normal((2, 5, 6)).astype(np.float32))
    r = run([vigil, "run", model, "--input", "image=" + image, "--input", "seq=" + seq, "--input-shape",
             "seq=2x6x6", "--output-dir", os.path.join(work, "out_fixed")])
    check("--input-shape wins over the file, and the mismatch is reported",
          r.returncode != 0 and "f32[2,5,6]" in r.stderr and "f32[2,6,6]" in r.stderr, r.stderr.strip())
    r = run([vigil, "run", model, "--input", "image=" + image, "--input", "seq=" + save(
        "seq_rank2.npy", np.zeros((5, 6), np.float32)), "--output-dir", os.path.join(work, "out_rank")])
    check("a file of another rank is refused", r.returncode != 0 and "dynamic dim" in r.stderr, r.stderr.strip())

    r = run([vigil, "info", model, "--input-shape", "image=1x3x16x16", "--input-shape", "seq=1x4x6"])
    check("info with --input-shape", r.returncode == 0 and "image:f32[1,3,16,16]" in r.stdout
          and "probs:f32[1,5]" in r.stdout, r.stdout + r.stderr)
    r = run([vigil, "info", model])
    check("info without shapes names the dynamic dim",
          r.returncode != 0 and "graph input 'image' has dynamic dim 0 ('N')" in r.stderr
          and "--input-shape image=" in r.stderr, r.stderr.strip())

    r = run([vigil, "bench", model, "--input", "image=" + image, "--input", "seq=" + seq, "--runs", "2", "--warmup",
             "1"])
    check("bench takes the shapes from --input", r.returncode == 0 and "p50" in r.stdout, r.stderr.strip())

    print(f"dynamic shapes: {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
