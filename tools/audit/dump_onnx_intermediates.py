#!/usr/bin/env python3
"""Dumps every value an ONNX model computes, as ONNX Runtime computes it, for `vigil audit --reference`.

    python tools/audit/dump_onnx_intermediates.py MODEL.onnx OUTDIR [--input NAME=FILE.npy ...]

Every node output of the main graph is added as a graph output (types from onnx.shape_inference; a value
it cannot type is assumed float), the model is run once with ONNX Runtime's CPU provider and graph
optimisations off (so every value is computed by its own node, as written), and OUTDIR receives
    <sanitized name>.npy   one per value (characters other than letters, digits, '.', '-', '_' become '_';
                           a numeric suffix keeps clashing names apart), graph inputs included;
    index.json             {"<ONNX value name>": "<file>.npy", ...}.
Inputs not given are seeded random normal floats (seed 0); give --input for anything else.
"""

import argparse
import json
import os
import re
import sys

try:
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import shape_inference
except ImportError as e:
    sys.exit(f"dump_onnx_intermediates.py: missing Python package ({e}); use /opt/vigil-venv/bin/python")

ORT_NUMPY = {"tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(int64)": np.int64,
             "tensor(int32)": np.int32, "tensor(bool)": np.bool_, "tensor(uint8)": np.uint8,
             "tensor(int8)": np.int8, "tensor(float16)": np.float16}


def with_all_outputs(model):
    """A copy of `model` whose graph outputs are every node output (original outputs first)."""
    try:
        inferred = shape_inference.infer_shapes(model)
    except Exception as e:  # noqa: BLE001 - a model ORT runs may still defeat ONNX's inference
        print(f"warning: shape inference failed ({e}); assuming float for untyped values", file=sys.stderr)
        inferred = model
    types = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.output) + list(inferred.graph.input):
        if vi.type.HasField("tensor_type") and vi.type.tensor_type.elem_type:
            types[vi.name] = vi.type.tensor_type.elem_type
    out = onnx.ModelProto()
    out.CopyFrom(model)
    present = {o.name for o in out.graph.output}
    initializers = {i.name for i in out.graph.initializer}
    for node in out.graph.node:
        for name in node.output:
            if not name or name in present or name in initializers:
                continue
            present.add(name)
            out.graph.output.append(onnx.helper.make_tensor_value_info(name, types.get(name, onnx.TensorProto.FLOAT),
                                                                       None))
    return out


def sanitize(name, taken):
    base = re.sub(r"[^A-Za-z0-9._-]", "_", name) or "value"
    stem, k = base, 1
    while stem.lower() in taken:
        stem = f"{base}.{k}"
        k += 1
    taken.add(stem.lower())
    return stem + ".npy"


def dump(model_path, outdir, given):
    """Runs the model and writes the dump; returns {name: file}."""
    model = with_all_outputs(onnx.load(model_path))
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    feeds = {}
    rng = np.random.default_rng(0)
    for inp in session.get_inputs():
        if inp.name in given:
            feeds[inp.name] = given[inp.name]
            continue
        if any(not isinstance(d, int) for d in inp.shape):
            sys.exit(f"input '{inp.name}' has a dynamic shape {inp.shape}: give it with --input")
        feeds[inp.name] = rng.standard_normal(inp.shape).astype(ORT_NUMPY.get(inp.type, np.float32))
    unknown = set(given) - set(feeds)
    if unknown:
        sys.exit(f"the model has no input(s) {sorted(unknown)}")
    names = [o.name for o in session.get_outputs()]
    results = session.run(names, feeds)
    os.makedirs(outdir, exist_ok=True)
    index, taken = {}, set()
    for name, value in list(feeds.items()) + list(zip(names, results)):
        if name in index:
            continue
        index[name] = sanitize(name, taken)
        np.save(os.path.join(outdir, index[name]), np.ascontiguousarray(value))
    with open(os.path.join(outdir, "index.json"), "w") as f:
        json.dump(index, f, indent=1, sort_keys=True)
    return index


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("outdir")
    parser.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy")
    args = parser.parse_args()
    given = {}
    for spec in args.input:
        name, sep, file = spec.partition("=")
        if not sep:
            sys.exit(f"--input '{spec}': expected NAME=FILE.npy")
        given[name] = np.load(file)
    index = dump(args.model, args.outdir, given)
    print(f"{len(index)} values -> {args.outdir}")


if __name__ == "__main__":
    main()
