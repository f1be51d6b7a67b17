#!/usr/bin/env python3
"""ONNX models with external data, as large exports are saved, run by vigil and by onnxruntime.

Usage: check_external_data.py VIGIL WORK_DIR

A small PyTorch CNN + bidirectional LSTM (BatchNorm kept, so folding reads external bytes too) is exported
at opset 13, then saved three ways with onnx.save_model(save_as_external_data=True): every tensor in one
file, one file per tensor, and one file in a subfolder. vigil (`vigil run MODEL.onnx`) must give the same
outputs as onnxruntime on the same input within |vigil - ort| <= 1e-4 * (1 + |ort|) (the conformance
tolerance of tests/onnx for float models), and exactly the same outputs as from the self-contained .onnx file
of the same model. A copy whose external file is truncated must be refused with an error naming the file.
Needs torch, onnx and onnxruntime; never skips.
"""
import os
import shutil
import subprocess
import sys
import warnings


def export_model(torch, path):
    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
            self.bn = torch.nn.BatchNorm2d(8)
            self.pool = torch.nn.AdaptiveAvgPool2d((1, 1))
            self.lstm = torch.nn.LSTM(8, 16, batch_first=True, bidirectional=True)
            self.fc = torch.nn.Linear(32, 5)

        def forward(self, x):  # x [T, 3, 16, 16]: T frames
            f = self.pool(torch.relu(self.bn(self.conv(x)))).flatten(1)  # [T, 8]
            y, _ = self.lstm(f.unsqueeze(0))
            return self.fc(y)

    model = Model().eval()
    model.bn.running_mean.uniform_(-0.5, 0.5)
    model.bn.running_var.uniform_(0.5, 2.0)
    torch.onnx.export(model, (torch.randn(4, 3, 16, 16),), path, opset_version=13, input_names=["frames"],
                      output_names=["scores"])


def run_vigil(vigil, model, x_path, out_dir):
    return subprocess.run([vigil, "run", model, "--input", x_path, "--output-dir", out_dir], capture_output=True,
                          text=True)


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    vigil, work = sys.argv[1], sys.argv[2]
    warnings.simplefilter("ignore")
    import numpy as np
    import onnx
    import onnxruntime as ort
    import torch

    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    torch.manual_seed(0)
    embedded = os.path.join(work, "embedded.onnx")
    export_model(torch, embedded)
    x = np.random.default_rng(0).standard_normal((4, 3, 16, 16)).astype(np.float32)
    x_path = os.path.join(work, "frames.npy")
    np.save(x_path, x)
    run = run_vigil(vigil, embedded, x_path, os.path.join(work, "embedded_out"))
    if run.returncode != 0:
        print(f"FAIL the self-contained model: vigil run failed:\n{run.stdout}{run.stderr}")
        return 1
    reference = np.load(os.path.join(work, "embedded_out", "scores.npy"))

    failures = 0
    layouts = {"one_file": ("weights.bin", True), "per_tensor": (None, False), "subfolder": ("data/weights.bin", True)}
    for name, (location, one_file) in layouts.items():
        folder = os.path.join(work, name)
        os.makedirs(os.path.join(folder, "data"))
        path = os.path.join(folder, "model.onnx")
        model = onnx.load(embedded)
        onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=one_file, location=location,
                        size_threshold=0)
        external = sum(1 for t in onnx.load(path, load_external_data=False).graph.initializer
                       if t.data_location == onnx.TensorProto.EXTERNAL)
        want = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"frames": x})[0]
        run = run_vigil(vigil, path, x_path, os.path.join(folder, "out"))
        if run.returncode != 0:
            print(f"FAIL {name}: vigil run failed:\n{run.stdout}{run.stderr}")
            failures += 1
            continue
        got = np.load(os.path.join(folder, "out", "scores.npy"))
        close = got.shape == want.shape and bool(np.all(np.abs(got - want) <= 1e-4 * (1 + np.abs(want))))
        same = got.shape == reference.shape and np.array_equal(got, reference)
        ok = external > 0 and close and same
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {external} external initializers; "
              f"max |vigil - ort| {np.max(np.abs(got - want)):.2e}; "
              f"{'identical to' if same else 'differs from'} the self-contained model")
        failures += not ok

    # A truncated external file: an error naming it, exit status 1, no output.
    folder = os.path.join(work, "one_file")
    with open(os.path.join(folder, "weights.bin"), "r+b") as f:
        f.truncate(os.path.getsize(f.name) // 2)
    run = run_vigil(vigil, os.path.join(folder, "model.onnx"), x_path, os.path.join(folder, "truncated_out"))
    message = (run.stderr.strip().splitlines() or [""])[-1]
    ok = run.returncode == 1 and "weights.bin" in message and "too few for" in message
    print(f"{'ok  ' if ok else 'FAIL'} truncated external file refused: {message}")
    failures += not ok
    print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
