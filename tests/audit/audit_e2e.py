#!/usr/bin/env python3
"""End-to-end checks of `vigil audit` (docs/AUDIT.md), one ctest per mode:

    audit_e2e.py VIGIL WORKDIR onnx-clean MODELS_DIR STEM
        dump ONNX Runtime's intermediates of STEM.onnx (tools/audit/dump_onnx_intermediates.py) on the
        export's input and require `vigil audit STEM.onnx --reference DUMP` to pass with every node compared;
    audit_e2e.py VIGIL WORKDIR lstm-swap MODELS_DIR STEM
    audit_e2e.py VIGIL WORKDIR bn-epsilon MODELS_DIR STEM
        plant a converter defect in a copy of STEM.onnx (tools/audit/plant_defect.py), dump the ORIGINAL
        model's intermediates, audit the DEFECTIVE one against them and require the first failing node to be
        the defective one (for the BatchNorm: the conv it was folded into, whose fused_values name it);
    audit_e2e.py VIGIL WORKDIR darknet CFG WEIGHTS
        convert the darknet model, then audit it (each path vs the reference kernels) on a seeded image for
        every kernel path this CPU supports; every node must pass.
MODELS_DIR is tools/models/export_all.py's output (files <stem>.onnx and <stem>.input.<name>.npy).
"""

import glob
import json
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = os.path.join(ROOT, "tools", "audit")


def run(cmd, expect_rc=(0,)):
    print("$ " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in expect_rc:
        sys.stdout.write(p.stdout)
        sys.stderr.write(p.stderr)
        sys.exit(f"exit code {p.returncode}, expected {expect_rc}")
    return p


def audit_json(vigil, args, expect_rc):
    p = run([vigil, "audit", *args, "--json"], expect_rc)
    return json.loads(p.stdout)


def dump(model, models_dir, stem, outdir):
    inputs = dump_inputs(models_dir, stem)
    if not inputs:
        sys.exit(f"no inputs {stem}.input.*.npy in {models_dir}")
    run([sys.executable, os.path.join(TOOLS, "dump_onnx_intermediates.py"), model, outdir, *inputs])


def summary(report):
    bad = report["first_failure"]
    print(f"passed={report['passed']} compared={report['compared_nodes']}/{len(report['nodes'])} "
          f"failed={report['failed_nodes']} first_failure={bad}")


def onnx_clean(vigil, work, models_dir, stem):
    model = os.path.join(models_dir, stem + ".onnx")
    # Each test its own dump directory: ctest runs the tests of one model at once (-j).
    d = os.path.join(work, stem + ".clean.ort")
    dump(model, models_dir, stem, d)
    report = audit_json(vigil, [model, "--reference", d], (0,))
    summary(report)
    assert report["passed"]
    assert report["compared_nodes"] == len(report["nodes"]), "every vigil node's output should be in the dump"
    # Every kernel path this CPU runs: against the reference kernels, and against ONNX Runtime.
    inputs = dump_inputs(models_dir, stem)
    for isa, report in each_isa(vigil, [model, *inputs]):
        assert report["passed"], f"--isa {isa}: {report['first_failure']}"
        assert report["compared_nodes"] == len(report["nodes"])
    for isa, report in each_isa(vigil, [model, "--reference", d]):
        assert report["passed"], f"--isa {isa} vs ORT: {report['first_failure']}"


def dump_inputs(models_dir, stem):
    args = []
    for f in sorted(glob.glob(os.path.join(models_dir, f"{stem}.input.*.npy"))):
        name = os.path.basename(f)[len(stem) + len(".input."):-len(".npy")]
        args += ["--input", f"{name}={f}"]
    return args


def each_isa(vigil, args):
    """Yields (isa, report) of `vigil audit ARGS --isa ISA --json` for every path this CPU supports."""
    audited = 0
    for isa in ["reference", "scalar", "avx2", "avx512"]:
        p = subprocess.run([vigil, "audit", *args, "--isa", isa, "--json"], capture_output=True, text=True)
        if p.returncode == 1 and "does not support" in p.stderr:
            print(f"{isa}: not supported by this CPU ({p.stderr.strip()})")
            continue
        if p.returncode not in (0, 4):
            sys.stderr.write(p.stderr)
            sys.exit(f"vigil audit --isa {isa}: exit code {p.returncode}")
        report = json.loads(p.stdout)
        assert (p.returncode == 0) == report["passed"]
        print(f"{isa}: ", end="")
        summary(report)
        worst = max((o.get("worst_ratio", 0) for n in report["nodes"] for o in n["outputs"]), default=0)
        print(f"{isa}: worst error/tolerance ratio {worst:.3g}", flush=True)
        audited += 1
        yield isa, report
    assert audited >= 2, "at least reference and scalar run everywhere"


def planted(vigil, work, models_dir, stem, defect):
    model = os.path.join(models_dir, stem + ".onnx")
    bad_model = os.path.join(work, f"{stem}.{defect}.onnx")
    args = ["swap-lstm-gates"] if defect == "lstm-swap" else ["bn-epsilon", "0.5"]
    planted_node = json.loads(run([sys.executable, os.path.join(TOOLS, "plant_defect.py"), model, bad_model,
                                   *args]).stdout)
    d = os.path.join(work, f"{stem}.{defect}.ort")
    dump(model, models_dir, stem, d)
    # The unmodified model passes against the dump, the defective one fails with exit code 4...
    assert audit_json(vigil, [model, "--reference", d], (0,))["passed"]
    report = audit_json(vigil, [bad_model, "--reference", d], (4,))
    summary(report)
    first = report["nodes"][report["first_failure"]["node"]]
    # ...and names the defective node: the LSTM itself, or the conv that absorbed the BatchNorm.
    if defect == "lstm-swap":
        assert first["op"] == "LSTM" and first["name"] == planted_node["node"], (first["name"], planted_node)
    else:
        assert first["op"] == "Conv2d", first
        assert planted_node["outputs"][0] in first["fused_values"], (first["fused_values"], planted_node)
    assert all(n["pass"] for n in report["nodes"][:report["first_failure"]["node"]])
    # The name map survives conversion: the .vgl (folded and fused at conversion) names the same node.
    bad_vgl = bad_model[:-len(".onnx")] + ".vgl"
    run([vigil, "convert", bad_model, "-o", bad_vgl])
    from_vgl = audit_json(vigil, [bad_vgl, "--reference", d], (4,))
    assert from_vgl["first_failure"] == report["first_failure"], (from_vgl["first_failure"], report["first_failure"])


def darknet(vigil, work, cfg, weights):
    stem = os.path.splitext(os.path.basename(cfg))[0]
    vgl = os.path.join(work, stem + ".vgl")
    run([vigil, "convert", cfg, weights, "-o", vgl])
    net = {}
    with open(cfg) as f:
        for line in f:
            line = line.split("#")[0].strip()
            if line.startswith("[") and net:
                break
            if "=" in line:
                k, v = line.split("=", 1)
                net[k.strip()] = v.strip()
    shape = (1, int(net.get("channels", 3)), int(net["height"]), int(net["width"]))
    image = os.path.join(work, stem + ".input.npy")
    np.save(image, np.random.default_rng(0).random(shape, dtype=np.float32))
    for isa, report in each_isa(vigil, [vgl, "--input", image]):
        assert report["passed"], f"--isa {isa}: {report['first_failure']}"
        assert report["compared_nodes"] == len(report["nodes"])


def main():
    vigil, work, mode = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    rest = sys.argv[4:]
    if mode == "onnx-clean":
        onnx_clean(vigil, work, *rest)
    elif mode in ("lstm-swap", "bn-epsilon"):
        planted(vigil, work, *rest, mode)
    elif mode == "darknet":
        darknet(vigil, work, *rest)
    else:
        sys.exit(f"unknown mode {mode}")
    print("OK")


if __name__ == "__main__":
    main()
