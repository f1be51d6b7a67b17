#!/usr/bin/env python3
"""Writes ONNX's backend node tests (model.onnx + test_data_set_0/{input,output}_N.pb per test) into a folder.

Recent `onnx` wheels ship the generators (onnx/backend/test/case/node/*.py) but not the generated data,
so vigil's conformance runner regenerates it from the installed package. The layout is the one of
onnx/backend/test/data/node in the ONNX source tree. Usage: generate_node_tests.py OUTPUT_DIR
"""
import os
import shutil
import sys
import warnings


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out_root = sys.argv[1]
    warnings.simplefilter("ignore")  # some generators overflow casts on purpose
    import numpy as np  # noqa: F401  (fail early and clearly if numpy is missing)
    import onnx
    from onnx import numpy_helper
    import onnx.backend.test.case.node as node_cases

    stamp = os.path.join(out_root, "VERSION")
    wanted = f"onnx {onnx.__version__}\n"
    if os.path.exists(stamp) and open(stamp).read() == wanted:
        print(f"{out_root} is up to date ({wanted.strip()})")
        return 0
    cases = node_cases.collect_testcases()
    tmp = out_root + ".tmp"
    if os.path.exists(tmp):
        shutil.rmtree(tmp)
    os.makedirs(tmp)
    written = 0
    for case in cases:
        model = case.model
        case_dir = os.path.join(tmp, case.name)
        os.makedirs(case_dir)
        with open(os.path.join(case_dir, "model.onnx"), "wb") as f:
            f.write(model.SerializeToString())
        for s, (inputs, outputs) in enumerate(case.data_sets):
            data_dir = os.path.join(case_dir, f"test_data_set_{s}")
            os.makedirs(data_dir)
            for kind, values, infos in (("input", inputs, model.graph.input), ("output", outputs, model.graph.output)):
                for j, value in enumerate(values):
                    info = infos[j]
                    if isinstance(value, onnx.TensorProto):
                        proto = value
                    elif info.type.HasField("tensor_type"):
                        proto = numpy_helper.from_array(value, info.name)
                    elif info.type.HasField("sequence_type"):
                        proto = numpy_helper.from_list(value, info.name)
                    elif info.type.HasField("optional_type"):
                        proto = numpy_helper.from_optional(value, info.name)
                    elif info.type.HasField("map_type"):
                        proto = numpy_helper.from_dict(value, info.name)
                    else:
                        raise RuntimeError(f"{case.name}: unknown type of {kind} {j}")
                    with open(os.path.join(data_dir, f"{kind}_{j}.pb"), "wb") as f:
                        f.write(proto.SerializeToString())
        written += 1
    if os.path.exists(out_root):
        shutil.rmtree(out_root)
    os.rename(tmp, out_root)
    stamp = os.path.join(out_root, "VERSION")
    with open(stamp, "w") as f:
        f.write(wanted)
    print(f"wrote {written} ONNX node tests (onnx {onnx.__version__}) to {out_root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
