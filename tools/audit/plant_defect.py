#!/usr/bin/env python3
"""Writes a copy of an ONNX model with one planted conversion defect, for testing `vigil audit --reference`.

    python tools/audit/plant_defect.py IN.onnx OUT.onnx swap-lstm-gates [--node NAME]
    python tools/audit/plant_defect.py IN.onnx OUT.onnx bn-epsilon EPS [--node NAME]

swap-lstm-gates: exchanges the o and f gate blocks (rows H..2H and 2H..3H, ONNX gate order i,o,f,c) of the
    first direction of the LSTM's W - what a converter that assumes PyTorch's i,f,g,o order gets wrong.
bn-epsilon: sets a BatchNormalization's epsilon to EPS.
--node picks the node by name (default: the first LSTM, or the second BatchNormalization so that the
defect is not at the very first layer). Prints one JSON line: {"node": ..., "outputs": [...]} naming the
defective ONNX node and its outputs.
"""

import argparse
import json
import sys

try:
    import numpy as np
    import onnx
    from onnx import numpy_helper
except ImportError as e:
    sys.exit(f"plant_defect.py: missing Python package ({e}); use /opt/vigil-venv/bin/python")


def pick(model, op_type, name, default_index):
    nodes = [n for n in model.graph.node if n.op_type == op_type]
    if name is not None:
        nodes = [n for n in nodes if n.name == name]
        if not nodes:
            sys.exit(f"no {op_type} node named '{name}'")
        return nodes[0]
    if len(nodes) <= default_index:
        sys.exit(f"the model has {len(nodes)} {op_type} node(s)")
    return nodes[default_index]


def swap_lstm_gates(model, name):
    node = pick(model, "LSTM", name, 0)
    hidden = next(a.i for a in node.attribute if a.name == "hidden_size")
    init = next((i for i in model.graph.initializer if i.name == node.input[1]), None)
    if init is None:
        sys.exit(f"LSTM '{node.name}': W '{node.input[1]}' is not an initializer")
    if sum(node.input[1] in n.input for n in model.graph.node) != 1:
        sys.exit(f"LSTM '{node.name}': W is shared with other nodes")
    w = numpy_helper.to_array(init).copy()
    o = w[0, hidden:2 * hidden].copy()
    w[0, hidden:2 * hidden] = w[0, 2 * hidden:3 * hidden]
    w[0, 2 * hidden:3 * hidden] = o
    init.CopyFrom(numpy_helper.from_array(w, init.name))
    return node


def bn_epsilon(model, eps, name):
    node = pick(model, "BatchNormalization", name, 1)
    attr = next((a for a in node.attribute if a.name == "epsilon"), None)
    if attr is None:
        node.attribute.append(onnx.helper.make_attribute("epsilon", eps))
    else:
        attr.f = eps
    return node


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("defect", choices=["swap-lstm-gates", "bn-epsilon"])
    parser.add_argument("eps", nargs="?", type=float)
    parser.add_argument("--node")
    args = parser.parse_args()
    model = onnx.load(args.input)
    if args.defect == "swap-lstm-gates":
        node = swap_lstm_gates(model, args.node)
    else:
        if args.eps is None:
            sys.exit("bn-epsilon needs EPS")
        node = bn_epsilon(model, args.eps, args.node)
    onnx.save(model, args.output)
    print(json.dumps({"node": node.name, "outputs": list(node.output)}))


if __name__ == "__main__":
    main()
