#!/usr/bin/env python3
"""End-to-end check of ONNX QDQ quantization: small PyTorch CNNs exported to ONNX (f32), quantized with
onnxruntime.quantization.quantize_static (QDQ format, per-channel int8 weights, a few random calibration
batches), then run by vigil and by onnxruntime with graph optimizations DISABLED (ORT_DISABLE_ALL: ORT then
executes every QuantizeLinear / DequantizeLinear node literally, in float, as the ONNX spec defines them).

Both compute the same f32 arithmetic except summation order inside Conv / MatMul / Gemm. After a
QuantizeLinear the float differences vanish (both round to the same integer) unless an activation lies
within float rounding (~1e-6 relative) of a rounding boundary (k + 0.5) * scale: then one side rounds up and
the other down, and that activation differs by exactly one quantization step, which later layers carry to
the output. So the check is, per output element:
|vigil - ort| <= 1e-5 * (1 + |ort|) (float summation order; in practice exact, as the output is requantized),
except for boundary flips: an element may instead differ by at most FLIP_STEPS steps of the output's
quantization scale (that of the DequantizeLinear producing the output), and at most max(1, FLIP_FRACTION of
the elements) may do so. Anything else fails. The counts and the worst differences are printed, with how
far onnxruntime's default execution (ORT_ENABLE_ALL: Q/DQ fused into int8 kernels, integer accumulation and
requantization) is from both, which is reported and not asserted.

First, ONNX's own QuantizeLinear / DequantizeLinear node tests (whose integer input or output vigil does not
compute at run time) are rewrapped into models vigil can run and compared exactly (check_node_tests), and
the block-quantized, int4 and float8 ones must be refused with an import error.

Usage: check_qdq_quantized.py VIGIL_BINARY WORK_DIR
"""
import logging
import os
import shutil
import subprocess
import sys
import warnings

FLOAT_TOL = 1e-5
FLIP_FRACTION = 0.01
FLIP_STEPS = 2


def build_models(torch):
    nn = torch.nn
    F = torch.nn.functional

    class ResidualCnn(nn.Module):
        """Conv-BN-ReLU, a residual block with an Add, max pool, strided conv, global average pool, Linear."""

        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 16, 3, padding=1)
            self.bn = nn.BatchNorm2d(16)
            self.c1 = nn.Conv2d(16, 16, 3, padding=1)
            self.c2 = nn.Conv2d(16, 16, 3, padding=1)
            self.down = nn.Conv2d(16, 24, 3, stride=2, padding=1)
            self.fc = nn.Linear(24, 10)

        def forward(self, x):
            x = F.relu(self.bn(self.stem(x)))
            x = F.relu(x + self.c2(F.relu(self.c1(x))))
            x = F.max_pool2d(x, 2)
            x = F.leaky_relu(self.down(x), 0.1)
            x = F.adaptive_avg_pool2d(x, 1).flatten(1)
            return self.fc(x)

    class DepthwiseCnn(nn.Module):
        """MobileNet-style: depthwise and pointwise convs, ReLU6 (Clip), a MatMul head."""

        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 12, 3, stride=2, padding=1)
            self.dw = nn.Conv2d(12, 12, 3, padding=1, groups=12)
            self.pw = nn.Conv2d(12, 20, 1)
            self.head = nn.Parameter(torch.randn(20, 6) * 0.3)

        def forward(self, x):
            x = F.relu6(self.stem(x))
            x = F.relu6(self.pw(F.relu6(self.dw(x))))
            x = x.mean(dim=(2, 3))
            return torch.matmul(x, self.head)

    class FeatureMap(nn.Module):
        """A dense output, like a detector head's feature map: 3x3 conv, ReLU, 1x1 conv, residual Add."""

        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(4, 8, 3, padding=1)
            self.c2 = nn.Conv2d(8, 8, 1)
            self.skip = nn.Conv2d(4, 8, 1)

        def forward(self, x):
            return self.c2(F.relu(self.c1(x))) + self.skip(x)

    return {"residual_cnn": (ResidualCnn(), (2, 3, 32, 32)), "depthwise_cnn": (DepthwiseCnn(), (2, 3, 24, 24)),
            "feature_map": (FeatureMap(), (2, 4, 16, 16))}


def output_step(model):
    """The per-tensor scale of the DequantizeLinear that produces the graph's output (0 if there is none)."""
    from onnx import numpy_helper
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    out = model.graph.output[0].name
    for n in model.graph.node:
        if n.op_type == "DequantizeLinear" and n.output[0] == out and n.input[1] in inits:
            return float(inits[n.input[1]].max())
    return 0.0


# ONNX's own QuantizeLinear / DequantizeLinear node tests that vigil can express: their integer graph
# input or output is not something vigil computes at run time, so each is rewrapped (below) into a model
# vigil runs; the others must be refused with an import error (not a crash).
NODE_TESTS_RUN = ("test_quantizelinear", "test_quantizelinear_axis", "test_quantizelinear_int16",
                  "test_quantizelinear_uint16", "test_dequantizelinear", "test_dequantizelinear_axis",
                  "test_dequantizelinear_int16", "test_dequantizelinear_uint16")
NODE_TESTS_REFUSED = ("test_quantizelinear_blocked_asymmetric", "test_quantizelinear_blocked_symmetric",
                      "test_dequantizelinear_blocked", "test_quantizelinear_int4", "test_dequantizelinear_uint4",
                      "test_quantizelinear_e4m3fn", "test_dequantizelinear_e4m3fn")


def check_node_tests(vigil, work, np, onnx):
    """QuantizeLinear(x) tests become x -> QuantizeLinear -> DequantizeLinear -> out (same scale and zero
    point), expected out = float(expected_q - zero_point) * scale; DequantizeLinear(x) tests get x as an
    initializer and out = f + DequantizeLinear(x) with a run-time f of zeros, expected out = the test's output. Exact equality:
    both are one f32 rounding of the same integers. Returns the number of failures."""
    import onnx.backend.test.case.node as node_cases
    from onnx import helper, numpy_helper
    cases = {c.name: c for c in node_cases.collect_testcases() if c.name in NODE_TESTS_RUN + NODE_TESTS_REFUSED}
    failures = 0
    for name in NODE_TESTS_RUN + NODE_TESTS_REFUSED:
        case = cases[name]
        node = case.model.graph.node[0]
        inputs, outputs = case.data_sets[0]
        ins = list(node.input)
        path = os.path.join(work, name + ".onnx")
        axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
        if name in NODE_TESTS_RUN:
            scale = inputs[1].astype(np.float32)
            zp = inputs[2].astype(np.int64) if len(inputs) > 2 else np.zeros_like(scale, np.int64)
            if scale.ndim == 1 and scale.size > 1:  # per axis: broadcast along `axis`
                shape = [1] * inputs[0].ndim
                shape[axis] = scale.size
                scale, zp = scale.reshape(shape), zp.reshape(shape)
        def initializer(value, value_name):  # int4 / float8 data come as TensorProto already
            if isinstance(value, onnx.TensorProto):
                value = onnx.TensorProto.FromString(value.SerializeToString())
                value.name = value_name
                return value
            return numpy_helper.from_array(value, value_name)

        inits = [initializer(v, n) for n, v in zip(ins[1:], inputs[1:])]
        if node.op_type == "QuantizeLinear":
            dq = helper.make_node("DequantizeLinear", [node.output[0]] + ins[1:], ["out"],
                                  axis=axis) if len(ins) > 2 else None
            if dq is None:  # no zero point: the test's output_dtype gives the type; DequantizeLinear takes it from q
                dq = helper.make_node("DequantizeLinear", [node.output[0], ins[1]], ["out"], axis=axis)
            nodes = [node, dq]
            feed = inputs[0]
            graph_inputs = [helper.make_tensor_value_info(ins[0], onnx.TensorProto.FLOAT, inputs[0].shape)]
            want = (outputs[0].astype(np.int64) - zp).astype(np.float32) * scale if name in NODE_TESTS_RUN else None
        else:
            f = np.zeros(outputs[0].shape, np.float32)  # the output is float; the input may be int4/float8
            inits.append(initializer(inputs[0], ins[0]))
            nodes = [node, helper.make_node("Add", ["f", node.output[0]], ["out"])]
            feed = f
            graph_inputs = [helper.make_tensor_value_info("f", onnx.TensorProto.FLOAT, f.shape)]
            want = outputs[0]
        graph = helper.make_graph(nodes, name, graph_inputs,
                                  [helper.make_tensor_value_info("out", onnx.TensorProto.FLOAT, None)], inits)
        model = helper.make_model(graph, opset_imports=list(case.model.opset_import))
        model.ir_version = case.model.ir_version
        onnx.save(model, path)
        x_path = os.path.join(work, name + "_input.npy")
        np.save(x_path, feed)
        out_dir = os.path.join(work, name + "_out")
        run = subprocess.run([vigil, "run", path, "--input", x_path, "--output-dir", out_dir], capture_output=True,
                             text=True)
        message = (run.stderr.strip().splitlines() or [""])[-1]
        if name in NODE_TESTS_REFUSED:
            ok = run.returncode == 1 and "not supported" in message  # an import error, not a crash
            print(f"{'ok  ' if ok else 'FAIL'} {name}: refused: {message}")
            failures += not ok
            continue
        if run.returncode != 0:
            print(f"FAIL {name}: vigil failed: {message}")
            failures += 1
            continue
        got = np.load(os.path.join(out_dir, "out.npy"))
        ok = got.shape == want.shape and np.array_equal(got, want.astype(np.float32))
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {got.size} values {'identical to' if ok else 'differ from'} "
              f"ONNX's expected output")
        failures += not ok
    return failures


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    vigil, work = sys.argv[1], sys.argv[2]
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)  # quantize_static's advice to pre-process
    import numpy as np
    import onnx
    import onnxruntime as ort
    import torch
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType, quantize_static)

    ort.set_default_logger_severity(3)
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)

    def session(path, level):
        so = ort.SessionOptions()
        so.graph_optimization_level = level
        return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])

    failures = check_node_tests(vigil, work, np, onnx)
    # uint8 activations with zero points (ORT's default); int8 symmetric activations (zero point 0).
    configs = [("u8act", QuantType.QUInt8, {}), ("s8act_symmetric", QuantType.QInt8, {"ActivationSymmetric": True})]
    for name, (model, shape) in build_models(torch).items():
        model.eval()
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
        f32_path = os.path.join(work, f"{name}_f32.onnx")
        torch.onnx.export(model, (torch.randn(*shape),), f32_path, opset_version=13, input_names=["input"],
                          output_names=["output"])
        calibration = [rng.standard_normal(shape).astype(np.float32) for _ in range(4)]

        class Reader(CalibrationDataReader):
            def __init__(self):
                self.it = iter({"input": c} for c in calibration)

            def get_next(self):
                return next(self.it, None)

        x = rng.standard_normal(shape).astype(np.float32)  # not one of the calibration batches
        for suffix, activation_type, extra in configs:
            path = os.path.join(work, f"{name}_qdq_{suffix}.onnx")
            quantize_static(f32_path, path, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                            activation_type=activation_type, weight_type=QuantType.QInt8, extra_options=extra)
            ops = {}
            for n in onnx.load(path).graph.node:
                ops[n.op_type] = ops.get(n.op_type, 0) + 1
            literal = session(path, ort.GraphOptimizationLevel.ORT_DISABLE_ALL).run(None, {"input": x})[0]
            fused = session(path, ort.GraphOptimizationLevel.ORT_ENABLE_ALL).run(None, {"input": x})[0]
            f32 = session(f32_path, ort.GraphOptimizationLevel.ORT_DISABLE_ALL).run(None, {"input": x})[0]
            xin = os.path.join(work, "input.npy")
            np.save(xin, x)
            out_dir = os.path.join(work, f"{name}_{suffix}_out")
            run = subprocess.run([vigil, "run", path, "--input", xin, "--output-dir", out_dir], capture_output=True,
                                 text=True)
            label = f"{name} ({suffix}, {ops.get('QuantizeLinear', 0)} QuantizeLinear, " \
                    f"{ops.get('DequantizeLinear', 0)} DequantizeLinear)"
            if run.returncode != 0:
                print(f"FAIL {label}: vigil run failed:\n{run.stdout}{run.stderr}")
                failures += 1
                continue
            got = np.load(os.path.join(out_dir, "output.npy"))
            if got.shape != literal.shape:
                print(f"FAIL {label}: vigil output shape {got.shape}, onnxruntime {literal.shape}")
                failures += 1
                continue
            diff = np.abs(got.astype(np.float64) - literal)
            off = diff > FLOAT_TOL * (1 + np.abs(literal))
            step = output_step(onnx.load(path))
            beyond = diff > FLIP_STEPS * step
            print(f"{label}: vigil vs onnxruntime ORT_DISABLE_ALL: max abs diff {diff.max():.3g}, "
                  f"{int(off.sum())} of {off.size} beyond float tolerance (boundary flips; output step {step:.3g})")
            print(f"    onnxruntime ORT_ENABLE_ALL (int8 kernels) vs vigil: max abs {np.abs(fused - got).max():.3g}, "
                  f"{int((fused != got).sum())} of {got.size} differ; vs ORT_DISABLE_ALL: "
                  f"{np.abs(fused - literal).max():.3g}; quantized vs f32 model: {np.abs(literal - f32).max():.3g} "
                  f"(output range {np.abs(f32).max():.3g})")
            if ops.get("QuantizeLinear", 0) == 0 or ops.get("DequantizeLinear", 0) == 0:
                print(f"FAIL {label}: quantize_static wrote no QDQ nodes")
                failures += 1
            elif (off & beyond).any():
                print(f"FAIL {label}: {int((off & beyond).sum())} outputs differ by more than {FLIP_STEPS} output steps")
                failures += 1
            elif off.sum() > max(1, FLIP_FRACTION * off.size):
                print(f"FAIL {label}: {int(off.sum())} outputs differ beyond float tolerance, more than "
                      f"max(1, {FLIP_FRACTION:.0%}) boundary flips")
                failures += 1
    print("qdq check:", "FAILED" if failures else "passed", f"({failures} failures)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
