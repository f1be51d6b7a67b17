#!/usr/bin/env python3
"""Exports every conformance model to ONNX with seeded weights and records ONNX Runtime's outputs.

    python tools/models/export_all.py OUTDIR

For each model <stem> it writes into OUTDIR:
    <stem>.onnx                    the exported model (static shapes)
    <stem>.input.<name>.npy        a seeded random input per graph input
    <stem>.ort.<name>.npy          ONNX Runtime's output (CPU execution provider) per graph output
    <stem>.io.txt                  the same as lines "model FILE" / "input NAME FILE" / "output NAME FILE"
                                   (what tests/models/compare_with_ort.cpp reads)
and manifest.json describing all models (files, shapes, ONNX op histogram, ORT-vs-PyTorch error).

ONNX Runtime is the reference; PyTorch's own outputs are only used to check that the export is faithful
(ORT must agree with PyTorch within 1e-4 of the output's scale, else the reference is not trusted and
this script fails). Everything is seeded: the same torch build writes the same files.
"""

import collections
import json
import os
import sys
import time
import warnings

try:
    import numpy as np
    import onnx
    import onnxruntime as ort
    import torch
except ImportError as e:  # the comparison tests must fail loudly, never skip
    sys.exit(f"export_all.py: missing Python package ({e}); run tools/setup.sh or set VIGIL_PYTHON")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import actdet  # noqa: E402
import crnn  # noqa: E402
import mobilenet_v2  # noqa: E402

EXPORT_TOLERANCE = 1e-4  # ORT vs PyTorch, relative to the output's max |value|
# The torch 1.13 exporter warns about its own missing shape inference for prim::Constant and about LSTMs
# exported with batch != 1; neither applies to these static-shape exports.
warnings.filterwarnings("ignore", category=UserWarning, module=r"torch\.")


def seeded_input(shape, seed, kind):
    rng = np.random.default_rng(seed)
    if kind == "image":  # pixels in [0, 1]
        return rng.random(shape, dtype=np.float32)
    return rng.standard_normal(shape, dtype=np.float32)


def run_torch(module, inputs, input_names):
    module.eval()
    with torch.no_grad():
        outputs = module(*(torch.from_numpy(inputs[n]) for n in input_names))
    return [t.numpy() for t in ((outputs,) if isinstance(outputs, torch.Tensor) else outputs)]


def export_one(outdir, stem, module, inputs, input_names, output_names, opset, preserve_batch_norm=False,
               torch_outputs=None):
    """Exports `module` on `inputs` (dict name -> np.ndarray), runs ORT, writes the files; returns the
    manifest entry. `torch_outputs` (PyTorch's outputs on `inputs`) are computed when not given."""
    onnx_path = os.path.join(outdir, stem + ".onnx")
    args = tuple(torch.from_numpy(inputs[n]) for n in input_names)
    training = torch.onnx.TrainingMode.PRESERVE if preserve_batch_norm else torch.onnx.TrainingMode.EVAL
    module.eval()
    torch.onnx.export(
        module,
        args,
        onnx_path,
        opset_version=opset,
        input_names=input_names,
        output_names=output_names,
        training=training,
        do_constant_folding=not preserve_batch_norm,
    )
    model = onnx.load(onnx_path)
    onnx.checker.check_model(model)
    ops = collections.Counter(n.op_type for n in model.graph.node)
    if preserve_batch_norm and "BatchNormalization" not in ops:
        raise RuntimeError(f"{stem}: PRESERVE export has no BatchNormalization node")

    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
    ort_outputs = session.run(output_names, {n: inputs[n] for n in input_names})
    if torch_outputs is None:
        torch_outputs = run_torch(module, inputs, input_names)

    entry = {
        "stem": stem,
        "model": stem + ".onnx",
        "opset": opset,
        "batch_norm_preserved": preserve_batch_norm,
        "onnx_ops": dict(sorted(ops.items())),
        "inputs": [],
        "outputs": [],
    }
    lines = [f"model {stem}.onnx"]
    for name in input_names:
        fname = f"{stem}.input.{name}.npy"
        np.save(os.path.join(outdir, fname), inputs[name])
        lines.append(f"input {name} {fname}")
        entry["inputs"].append({"name": name, "file": fname, "shape": list(inputs[name].shape)})
    for name, ref, mine in zip(output_names, ort_outputs, torch_outputs):
        scale = float(np.abs(ref).max())
        err = float(np.abs(ref - mine).max())
        if not np.isfinite(ref).all() or scale == 0.0:
            raise RuntimeError(f"{stem}: ORT output {name} is degenerate (scale {scale})")
        if err > EXPORT_TOLERANCE * scale:
            raise RuntimeError(f"{stem}: ORT and PyTorch disagree on {name}: max abs {err:g}, scale {scale:g}")
        fname = f"{stem}.ort.{name}.npy"
        np.save(os.path.join(outdir, fname), ref)
        lines.append(f"output {name} {fname}")
        entry["outputs"].append(
            {
                "name": name,
                "file": fname,
                "shape": list(ref.shape),
                "max_abs": scale,
                "ort_vs_torch_max_abs_err": err,
                "ort_vs_torch_rel_err": err / scale,
            }
        )
    with open(os.path.join(outdir, stem + ".io.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return entry


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: export_all.py OUTDIR")
    outdir = argv[1]
    os.makedirs(outdir, exist_ok=True)
    torch.set_num_threads(2)
    started = time.time()
    entries = []

    cfg = actdet.ActDetConfig()
    net = actdet.build_actdet(cfg, seed=0)
    size, window = cfg.input_size, cfg.window
    frame_in = {"image": seeded_input((1, 3, size, size), 100, "image")}
    temporal_in = {"embeddings": seeded_input((window, 1, cfg.embedding), 101, "normal")}
    clip_in = {"frames": seeded_input((window, 3, size, size), 102, "image")}
    frame, temporal, clip = actdet.FrameModel(net), actdet.TemporalModel(net), actdet.ClipModel(net)
    # PyTorch runs once per model; the exports at both opsets are checked against the same outputs.
    frame_ref = run_torch(frame, frame_in, ["image"])
    temporal_ref = run_torch(temporal, temporal_in, ["embeddings"])
    clip_ref = run_torch(clip, clip_in, ["frames"])
    for opset in (13, 17):
        entries.append(export_one(outdir, f"actdet_frame_op{opset}", frame, frame_in, ["image"], actdet.FRAME_OUTPUTS,
                                  opset, torch_outputs=frame_ref))
        entries.append(export_one(outdir, f"actdet_temporal_op{opset}", temporal, temporal_in, ["embeddings"],
                                  actdet.TEMPORAL_OUTPUTS, opset, torch_outputs=temporal_ref))
        entries.append(export_one(outdir, f"actdet_clip_op{opset}", clip, clip_in, ["frames"], actdet.CLIP_OUTPUTS,
                                  opset, torch_outputs=clip_ref))
    entries.append(export_one(outdir, "actdet_frame_bn_op13", frame, frame_in, ["image"], actdet.FRAME_OUTPUTS, 13,
                              preserve_batch_norm=True, torch_outputs=frame_ref))

    mcfg = mobilenet_v2.MobileNetV2Config()
    mnet = mobilenet_v2.build_mobilenet_v2(mcfg, seed=1)
    entries.append(
        export_one(outdir, "mobilenet_v2_op13", mnet,
                   {"image": seeded_input((1, 3, mcfg.input_size, mcfg.input_size), 103, "image")}, ["image"],
                   mobilenet_v2.OUTPUTS, 13))

    ccfg = crnn.CrnnConfig()
    cnet = crnn.build_crnn(ccfg, seed=2)
    entries.append(
        export_one(outdir, "crnn_op13", cnet, {"text_line": seeded_input((1, 1, ccfg.height, ccfg.width), 104, "image")},
                   ["text_line"], crnn.OUTPUTS, 13))

    manifest = {
        "generator": "tools/models/export_all.py",
        "torch": torch.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": ort.__version__,
        "models": entries,
    }
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    for e in entries:
        errs = ", ".join(f"{o['name']} {o['ort_vs_torch_rel_err']:.1e}" for o in e["outputs"])
        print(f"{e['stem']}: ORT vs PyTorch (rel. to scale): {errs}")
    print(f"exported {len(entries)} models to {outdir} in {time.time() - started:.1f} s")


if __name__ == "__main__":
    main(sys.argv)
