#!/usr/bin/env python3
"""ONNX models whose values are FLOAT16, BFLOAT16 or DOUBLE, run by vigil (`vigil run MODEL.onnx`).

Usage: check_float16.py VIGIL WORK_DIR

vigil computes such models in float32 and converts at the graph boundary (docs/ONNX.md, "Element types").
torch 1.13 cannot trace a half model on the CPU ("slow_conv2d_cpu" not implemented for 'Half'), so the FLOAT16
models are float32 exports converted the way fp16 converters do it: initializers, graph inputs and outputs,
value_info and Cast targets FLOAT -> FLOAT16. Models:
 - cnn: Conv + BatchNorm + ReLU + MaxPool + Flatten + Linear; lstm: a CNN + bidirectional LSTM + Linear over
   frames. Each as FLOAT16 (input .npy float16, output float16) and as DOUBLE (torch exports model.double();
   input and output float64).
 - mixed: a FLOAT model with a FLOAT16 stretch (Cast to FLOAT16, Mul and Relu in FLOAT16, Cast back), and one
   with BFLOAT16 Casts.
Peers and tolerances:
 - FLOAT16 models against onnxruntime float32 on the same float16-rounded weights and input, output rounded to
   float16: vigil computes in float32 too, so the outputs differ only where float32 summation order moves a value
   across a float16 rounding boundary: |vigil - ref| <= 2^-10 * |ref| + 1e-5 (one float16 ulp, plus float32
   noise near zero). onnxruntime runs the fp16 CNN as well; its fp16 kernels round intermediate values to
   float16 (vigil does not, so it is MORE accurate), so that comparison allows |vigil - ort| <= 2^-6 * (1 + |ort|)
   and is reported alongside. The output dtype must be float16.
 - DOUBLE models against PyTorch float64 (onnxruntime has no double Conv on the CPU): vigil computes in float32,
   so |vigil - ref| <= 1e-4 * (1 + |ref|) (the float conformance tolerance); output dtype float64.
 - mixed models against onnxruntime, which rounds at the Casts as vigil does: |vigil - ort| <= 1e-5 * (1 + |ort|)
   and the Cast round trip alone (f32 -> f16 -> f32) bit-exact.
 - a BFLOAT16 input and output (float32 .npy in and out) against numpy's bfloat16 rounding, bit-exact.
 - `vigil detect` runs a FLOAT16 detector (YOLOv8-style, --decoded-boxes) on the photos in ../shared/data/images:
   one frame line per photo, each with boxes (the FLOAT model's box counts printed beside).
 - errors: a graph input of type INT16 and a Cast to FLOAT8E4M3FN are refused naming the input / node.
Needs torch, onnx, onnxruntime and OpenCV; never skips.
"""
import json
import os
import shutil
import subprocess
import sys
import warnings


def export_models(torch, work):
    class Cnn(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
            self.bn = torch.nn.BatchNorm2d(8)
            self.pool = torch.nn.MaxPool2d(2)
            self.fc = torch.nn.Linear(8 * 8 * 8, 10)

        def forward(self, x):
            return self.fc(torch.flatten(self.pool(torch.relu(self.bn(self.conv(x)))), 1))

    class Lstm(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
            self.pool = torch.nn.AdaptiveAvgPool2d((1, 1))
            self.lstm = torch.nn.LSTM(8, 16, batch_first=True, bidirectional=True)
            self.fc = torch.nn.Linear(32, 5)

        def forward(self, x):  # x [T, 3, 16, 16]
            f = self.pool(torch.relu(self.conv(x))).flatten(1)
            y, _ = self.lstm(f.unsqueeze(0))
            return self.fc(y)

    models = {}
    for name, cls, shape in [("cnn", Cnn, (2, 3, 16, 16)), ("lstm", Lstm, (4, 3, 16, 16))]:
        model = cls().eval()
        if hasattr(model, "bn"):
            model.bn.running_mean.uniform_(-0.5, 0.5)
            model.bn.running_var.uniform_(0.5, 2.0)
        x = torch.randn(*shape)
        f32 = os.path.join(work, f"{name}_f32.onnx")
        torch.onnx.export(model, (x,), f32, opset_version=13, input_names=["x"], output_names=["y"])
        f64 = os.path.join(work, f"{name}_f64.onnx")
        torch.onnx.export(model.double(), (x.double(),), f64, opset_version=13, input_names=["x"], output_names=["y"])
        models[name] = (model.float(), f32, f64, x)
    return models


def to_float16(onnx, np, src, dst, rounded_f32=False):
    """FLOAT -> FLOAT16 everywhere: initializers, Constant nodes, graph inputs/outputs, value_info, Cast targets.
    With rounded_f32 the model stays FLOAT but every float constant is rounded to float16 (the reference)."""
    m = onnx.load(src)
    g = m.graph
    F, H = onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16
    if rounded_f32:
        for t in g.initializer:
            if t.data_type == F:
                a = onnx.numpy_helper.to_array(t).astype(np.float16).astype(np.float32)
                t.CopyFrom(onnx.numpy_helper.from_array(a, t.name))
        onnx.save(m, dst)
        return
    for t in g.initializer:
        if t.data_type == F:
            t.CopyFrom(onnx.numpy_helper.from_array(onnx.numpy_helper.to_array(t).astype(np.float16), t.name))
    for n in g.node:
        for a in n.attribute:
            if n.op_type == "Constant" and a.name == "value" and a.t.data_type == F:
                a.t.CopyFrom(onnx.numpy_helper.from_array(onnx.numpy_helper.to_array(a.t).astype(np.float16)))
            if n.op_type == "Cast" and a.name == "to" and a.i == F:
                a.i = H
    for v in list(g.input) + list(g.output) + list(g.value_info):
        if v.type.tensor_type.elem_type == F:
            v.type.tensor_type.elem_type = H
    onnx.save(m, dst)


def mixed_model(onnx, path, via):
    """x (FLOAT) -> Cast(via) -> Mul by a `via` constant -> Relu -> Cast(FLOAT) -> y; also the bare round trip.
    onnxruntime has no BFLOAT16 Mul on the CPU: there the Mul and Relu run in FLOAT after the Cast back."""
    h = onnx.helper
    T = onnx.TensorProto
    half = via == T.FLOAT16
    scale = h.make_tensor("scale", via if half else T.FLOAT, [1], [1.0009765625])
    nodes = [h.make_node("Cast", ["x"], ["xh"], to=via)]
    if half:
        nodes += [h.make_node("Mul", ["xh", "scale"], ["m"]), h.make_node("Relu", ["m"], ["r"]),
                  h.make_node("Cast", ["r"], ["y"], to=T.FLOAT)]
    else:
        nodes += [h.make_node("Cast", ["xh"], ["xf"], to=T.FLOAT), h.make_node("Mul", ["xf", "scale"], ["m"]),
                  h.make_node("Relu", ["m"], ["y"])]
    nodes += [h.make_node("Cast", ["x"], ["t"], to=via), h.make_node("Cast", ["t"], ["round_trip"], to=T.FLOAT)]
    g = h.make_graph(nodes, "mixed", [h.make_tensor_value_info("x", T.FLOAT, [4, 1000])],
                     [h.make_tensor_value_info("y", T.FLOAT, [4, 1000]),
                      h.make_tensor_value_info("round_trip", T.FLOAT, [4, 1000])], [scale])
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 13)]), path)


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
    import onnx.numpy_helper  # noqa: F401
    import onnxruntime as ort
    import torch

    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    torch.manual_seed(0)
    failures = 0

    def report(ok, what):
        nonlocal failures
        print(f"{'ok  ' if ok else 'FAIL'} {what}")
        failures += not ok

    def vigil_output(model, x, tag, name="y"):
        x_path = os.path.join(work, f"{tag}_x.npy")
        np.save(x_path, x)
        out = os.path.join(work, f"{tag}_out")
        run = run_vigil(vigil, model, x_path, out)
        if run.returncode != 0:
            report(False, f"{tag}: vigil run failed:\n{run.stdout}{run.stderr}")
            return None
        return np.load(os.path.join(out, f"{name}.npy"))

    for name, (model, f32, f64, x) in export_models(torch, work).items():
        # FLOAT16: the reference is onnxruntime float32 on the exported model with its weights rounded to float16
        # (the export folded BatchNorm into the Conv in float32 first, so these are the FLOAT16 model's weights),
        # the float16 input, output rounded to float16.
        f16 = os.path.join(work, f"{name}_f16.onnx")
        to_float16(onnx, np, f32, f16)
        rounded = os.path.join(work, f"{name}_f32_rounded.onnx")
        to_float16(onnx, np, f32, rounded, rounded_f32=True)
        x16 = x.numpy().astype(np.float16)
        ref = ort.InferenceSession(rounded, providers=["CPUExecutionProvider"]).run(
            None, {"x": x16.astype(np.float32)})[0].astype(np.float16)
        got = vigil_output(f16, x16, f"{name}_f16")
        if got is not None:
            r = ref.astype(np.float64)
            err = np.abs(got.astype(np.float64) - r)
            ok = got.dtype == np.float16 and got.shape == ref.shape and bool(np.all(err <= 2.0**-10 * np.abs(r) + 1e-5))
            ulps = np.max(err / np.maximum(2.0**-10 * np.abs(r), 2.0**-24))
            report(ok, f"{name} FLOAT16: output {got.dtype}{list(got.shape)}, max |vigil - ort f32 on f16 weights| "
                       f"{np.max(err):.2e} ({ulps:.2f} f16 ulp)")
            try:
                want = ort.InferenceSession(f16, providers=["CPUExecutionProvider"]).run(None, {"x": x16})[0]
                e = np.abs(got.astype(np.float64) - want.astype(np.float64))
                report(bool(np.all(e <= 2.0**-6 * (1 + np.abs(want.astype(np.float64))))),
                       f"{name} FLOAT16 vs onnxruntime fp16: max |vigil - ort| {np.max(e):.2e}, "
                       f"max |ort f32 on f16 weights - ort fp16| {np.max(np.abs(r - want.astype(np.float64))):.2e}")
            except Exception as ex:  # onnxruntime has no fp16 kernel for some op: say so, torch is the peer
                print(f"note {name} FLOAT16: onnxruntime cannot run it ({str(ex).splitlines()[0][:120]})")
        # DOUBLE: PyTorch float64 of the same weights.
        xd = x.numpy().astype(np.float64)
        with torch.no_grad():
            refd = model.double()(torch.from_numpy(xd)).numpy()
        got = vigil_output(f64, xd, f"{name}_f64")
        if got is not None:
            err = np.abs(got - refd)
            ok = got.dtype == np.float64 and got.shape == refd.shape and bool(np.all(err <= 1e-4 * (1 + np.abs(refd))))
            report(ok, f"{name} DOUBLE: output {got.dtype}{list(got.shape)}, max |vigil - torch f64| {np.max(err):.2e}")

    for via, label in [(onnx.TensorProto.FLOAT16, "FLOAT16"), (onnx.TensorProto.BFLOAT16, "BFLOAT16")]:
        path = os.path.join(work, f"mixed_{label}.onnx")
        mixed_model(onnx, path, via)
        rng = np.random.default_rng(via)
        x = (rng.standard_normal((4, 1000)) * np.exp2(rng.integers(-30, 20, (4, 1000)))).astype(np.float32)
        x[0, :4] = [65520.0, 1.0 + 2.0**-11, 2.0**-25, -0.0]
        try:
            want_y, want_rt = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"x": x})
        except Exception as ex:
            print(f"note mixed {label}: onnxruntime cannot run it ({str(ex).splitlines()[0][:120]})")
            continue
        got_y = vigil_output(path, x, f"mixed_{label}")
        got_rt = vigil_output(path, x, f"mixed_{label}_rt", "round_trip")
        if got_y is None or got_rt is None:
            continue
        finite = np.isfinite(want_y)
        close = bool(np.all(np.abs(got_y[finite] - want_y[finite]) <= 1e-5 * (1 + np.abs(want_y[finite]))))
        same_inf = np.array_equal(np.isinf(got_y), np.isinf(want_y))
        exact = np.array_equal(got_rt.view(np.uint32), want_rt.view(np.uint32))
        report(close and same_inf and exact,
               f"mixed {label}: Cast round trip bit-exact with onnxruntime: {exact}; max |vigil - ort| after "
               f"Mul/Relu {np.max(np.abs(got_y[finite] - want_y[finite])):.2e}")

    # BFLOAT16 graph input and output (NumPy has no bfloat16: float32 files in and out). x -> Relu -> Mul(1.5) -> y;
    # expected: the input rounded to bfloat16, the f32 result rounded to bfloat16 (nearest even, integer formula).
    def to_bf16(a):
        u = a.astype(np.float32).view(np.uint32).astype(np.uint64)
        r = ((u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000).astype(np.uint32).view(np.float32)
        return np.where(np.isnan(a), np.float32(np.nan), r)
    T = onnx.TensorProto
    hp = onnx.helper
    g = hp.make_graph([hp.make_node("Relu", ["x"], ["r"]), hp.make_node("Mul", ["r", "k"], ["y"])], "bf16",
                      [hp.make_tensor_value_info("x", T.BFLOAT16, [3, 257])],
                      [hp.make_tensor_value_info("y", T.BFLOAT16, [3, 257])],
                      [hp.make_tensor("k", T.BFLOAT16, [1], [1.5])])
    bf = os.path.join(work, "bf16_io.onnx")
    onnx.save(hp.make_model(g, opset_imports=[hp.make_opsetid("", 13)]), bf)
    xb = (np.random.default_rng(3).standard_normal((3, 257)) * 1e3).astype(np.float32)
    xb[0, :3] = [3.4e38, 1.0 + 2.0**-8, 1.0 + 3 * 2.0**-8]
    got = vigil_output(bf, xb, "bf16_io")
    if got is not None:
        want = to_bf16(np.maximum(to_bf16(xb), 0) * np.float32(1.5))
        same = got.dtype == np.float32 and np.array_equal(got.view(np.uint32), want.view(np.uint32))
        report(same, f"BFLOAT16 input and output through float32 .npy files: {got.dtype}{list(got.shape)}, "
                     f"{'bit-identical to' if same else 'DIFFERENT from'} numpy's bfloat16 rounding")

    # vigil detect on a FLOAT16 detector (the YOLOv8-style head of check_decoded_boxes.py, converted to FLOAT16,
    # NMS appended by --decoded-boxes): it feeds f32 frames and reads f32 boxes (use_f32_boundaries).
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import cv2
    from check_decoded_boxes import CLASSES, SIZE, build_models
    images = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data", "images")
    photos = sorted(f for f in os.listdir(images) if f.endswith(".jpg"))
    frames = os.path.join(work, "frames")
    os.makedirs(frames)
    for ph in photos:
        small = cv2.resize(cv2.imread(os.path.join(images, ph)), (SIZE, SIZE), interpolation=cv2.INTER_AREA)
        cv2.imwrite(os.path.join(frames, ph[:-4] + ".png"), small)
    detector = build_models(torch)["yolov8"].eval()
    det32 = os.path.join(work, "detector_f32.onnx")
    torch.onnx.export(detector, (torch.rand(1, 3, SIZE, SIZE),), det32, opset_version=17, input_names=["x"],
                      output_names=["predictions"])
    det16 = os.path.join(work, "detector_f16.onnx")
    to_float16(onnx, np, det32, det16)
    meta = os.path.join(work, "detector.json")
    with open(meta, "w") as f:
        json.dump({"boxes_format": "yolov8", "input_size": [SIZE, SIZE], "class_names": CLASSES,
                   "channel_order": "RGB", "mean": [0.0], "std": [1.0]}, f)
    counts = {}
    for tag, path in [("f32", det32), ("f16", det16)]:
        vgl = os.path.join(work, f"detector_{tag}.vgl")
        r = subprocess.run([vigil, "convert", path, "--metadata", meta, "--decoded-boxes", "predictions", "-o", vgl],
                           capture_output=True, text=True)
        if r.returncode == 0:
            r = subprocess.run([vigil, "detect", vgl, frames], capture_output=True, text=True)
        lines = [json.loads(s) for s in r.stdout.splitlines() if s.startswith("{")]
        counts[tag] = [len(s.get("boxes", [])) for s in lines if s.get("type") == "frame"]
        if r.returncode != 0:
            report(False, f"vigil detect on the {tag} detector: {r.stderr.strip()}")
    if "f16" in counts and counts.get("f16"):
        ok = len(counts["f16"]) == len(photos) and all(c > 0 for c in counts["f16"])
        report(ok, f"vigil detect on a FLOAT16 detector: {len(counts['f16'])} frames for {len(photos)} photos, boxes "
                   f"per frame {counts['f16']} (FLOAT model: {counts.get('f32')})")

    # Errors name what is unsupported.
    h, T = onnx.helper, onnx.TensorProto
    bad_input = os.path.join(work, "int16_input.onnx")
    g = h.make_graph([h.make_node("Relu", ["a"], ["b"])], "g", [h.make_tensor_value_info("a", T.INT16, [2])],
                     [h.make_tensor_value_info("b", T.INT16, [2])])
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 13)]), bad_input)
    run = subprocess.run([vigil, "info", bad_input], capture_output=True, text=True)
    report(run.returncode == 1 and "graph input 'a' has element type INT16" in run.stderr,
           f"INT16 input refused: {run.stderr.strip()}")
    bad_cast = os.path.join(work, "float8_cast.onnx")
    g = h.make_graph([h.make_node("Cast", ["a"], ["b"], to=17, name="to_f8")], "g",
                     [h.make_tensor_value_info("a", T.FLOAT, [2])], [h.make_tensor_value_info("b", 17, [2])])
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 19)]), bad_cast)
    run = subprocess.run([vigil, "info", bad_cast], capture_output=True, text=True)
    report(run.returncode == 1 and "node 'to_f8'" in run.stderr and "cannot cast to FLOAT8E4M3FN" in run.stderr,
           f"Cast to FLOAT8E4M3FN refused: {run.stderr.strip()}")
    print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
