#include "engine/passes/fuse_silu.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "engine/passes/drop_unreferenced.h"
#include "engine/passes/value_uses.h"

namespace vigil {

namespace {

// HardSigmoid(x; alpha, beta) as the gate of HardSwish: alpha = 1/6 (PyTorch exports float(1/6)), beta = 1/2.
bool is_hard_swish_gate(const Node& n) {
  const double alpha = n.attrs.get_float("alpha", 0.2f, n.label());
  const double beta = n.attrs.get_float("beta", 0.5f, n.label());
  return std::fabs(alpha * 6.0 - 1.0) <= 1e-6 && beta == 0.5;
}

}  // namespace

void fuse_silu(Graph& g) {
  auto [producer, readers, is_output] = value_uses(g);

  std::vector<bool> drop(g.nodes.size(), false);
  for (Node& mul : g.nodes) {
    if (mul.op != OpType::Mul || mul.inputs.size() != 2 || mul.outputs.size() != 1 || mul.attrs.has("activation"))
      continue;
    for (int side = 0; side < 2; ++side) {
      const int s = mul.inputs[static_cast<size_t>(side)], x = mul.inputs[static_cast<size_t>(1 - side)];
      if (s == kNoValue || x == kNoValue || s == x) continue;
      const int p = producer[static_cast<size_t>(s)];
      if (p < 0 || drop[static_cast<size_t>(p)] || readers[static_cast<size_t>(s)] != 1 ||
          is_output[static_cast<size_t>(s)])
        continue;
      const Node& sigmoid = g.nodes[static_cast<size_t>(p)];
      if (sigmoid.inputs.size() != 1 || sigmoid.inputs[0] != x || sigmoid.attrs.has("activation")) continue;
      OpType fused_op = OpType::Silu;
      if (sigmoid.op == OpType::HardSigmoid) {
        if (!is_hard_swish_gate(sigmoid)) continue;
        fused_op = OpType::HardSwish;
      } else if (sigmoid.op != OpType::Sigmoid) {
        continue;
      }
      const Value& xv = g.values[static_cast<size_t>(x)];
      const Value& sv = g.values[static_cast<size_t>(s)];
      if (xv.dtype != DType::F32 || sv.dtype != DType::F32 || !(xv.shape == sv.shape)) continue;
      std::vector<std::string> fused = sigmoid.attrs.get_strings("fused_values", sigmoid.label());
      for (std::string& name : mul.attrs.get_strings("fused_values", mul.label())) fused.push_back(std::move(name));
      fused.push_back(sv.name);
      mul.op = fused_op;
      mul.inputs = {x};
      mul.attrs = Attributes{};
      mul.attrs.set("fused_values", std::move(fused));
      drop[static_cast<size_t>(p)] = true;
      break;
    }
  }
  drop_nodes(g, drop);
  validate_and_infer(g);
}

}  // namespace vigil
