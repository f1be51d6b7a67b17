#include "engine/passes/use_f32_boundaries.h"

#include <algorithm>
#include <vector>

#include "engine/passes/drop_unreferenced.h"

namespace vigil {

namespace {

bool is_storage_float(DType t) { return t == DType::F16 || t == DType::BF16 || t == DType::F64; }

bool is_plain_cast_to(const Node& n, DType to) {
  return n.op == OpType::Cast && !n.attrs.has("via") && n.attrs.get_int("to", 0, n.label()) == static_cast<int64_t>(to);
}

bool is_graph_input(const Graph& g, int v) { return std::find(g.inputs.begin(), g.inputs.end(), v) != g.inputs.end(); }

}  // namespace

void use_f32_boundaries(Graph& g) {
  std::vector<bool> removed(g.nodes.size(), false);
  auto reroute = [&](int from, int to) {
    for (Node& n : g.nodes)
      for (int& v : n.inputs)
        if (v == from) v = to;
  };
  for (int input : g.inputs) {
    Value& in = g.values[static_cast<size_t>(input)];
    if (!is_storage_float(in.dtype)) continue;
    in.dtype = DType::F32;
    for (size_t k = 0; k < g.nodes.size(); ++k) {
      const Node& n = g.nodes[k];
      if (removed[k] || n.inputs.size() != 1 || n.inputs[0] != input || !is_plain_cast_to(n, DType::F32)) continue;
      const int converted = n.outputs[0];
      if (std::find(g.outputs.begin(), g.outputs.end(), converted) != g.outputs.end()) continue;
      removed[k] = true;
      reroute(converted, input);
    }
  }
  for (int& output : g.outputs) {
    const Value& out = g.values[static_cast<size_t>(output)];
    if (!is_storage_float(out.dtype) || out.producer < 0) continue;
    const Node& n = g.nodes[static_cast<size_t>(out.producer)];
    if (n.op != OpType::Cast || n.attrs.has("via") || n.inputs.size() != 1) continue;
    const int source = n.inputs[0];
    const Value& src = g.values[static_cast<size_t>(source)];
    if (src.dtype != DType::F32 || src.constant >= 0 || is_graph_input(g, source) ||
        std::find(g.outputs.begin(), g.outputs.end(), source) != g.outputs.end())
      continue;
    removed[static_cast<size_t>(out.producer)] = true;
    g.values[static_cast<size_t>(source)].name = out.name;
    g.values[static_cast<size_t>(output)].name += "/dropped";  // unreferenced now; drop_unreferenced removes it
    reroute(output, source);
    output = source;
  }
  std::vector<Node> kept;
  for (size_t k = 0; k < g.nodes.size(); ++k)
    if (!removed[k]) kept.push_back(std::move(g.nodes[k]));
  g.nodes = std::move(kept);
  drop_unreferenced(g);
  validate_and_infer(g);
}

}  // namespace vigil
