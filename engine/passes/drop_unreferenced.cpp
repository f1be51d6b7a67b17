#include "engine/passes/drop_unreferenced.h"

#include <algorithm>

namespace vigil {

void drop_unreferenced(Graph& g) {
  std::vector<bool> keep_value(g.values.size(), false);
  auto mark = [&](int v) {
    if (v != kNoValue) keep_value[static_cast<size_t>(v)] = true;
  };
  for (const Node& node : g.nodes) {
    std::for_each(node.inputs.begin(), node.inputs.end(), mark);
    std::for_each(node.outputs.begin(), node.outputs.end(), mark);
  }
  std::for_each(g.inputs.begin(), g.inputs.end(), mark);
  std::for_each(g.outputs.begin(), g.outputs.end(), mark);

  std::vector<int> new_id(g.values.size(), kNoValue);
  std::vector<Value> values;
  for (size_t v = 0; v < g.values.size(); ++v) {
    if (!keep_value[v]) continue;
    new_id[v] = static_cast<int>(values.size());
    values.push_back(std::move(g.values[v]));
  }
  g.values = std::move(values);
  auto remap = [&](int& v) {
    if (v != kNoValue) v = new_id[static_cast<size_t>(v)];
  };
  for (Node& node : g.nodes) {
    std::for_each(node.inputs.begin(), node.inputs.end(), remap);
    std::for_each(node.outputs.begin(), node.outputs.end(), remap);
  }
  std::for_each(g.inputs.begin(), g.inputs.end(), remap);
  std::for_each(g.outputs.begin(), g.outputs.end(), remap);

  std::vector<bool> constant_used(g.constants.size(), false);
  for (const Value& val : g.values)
    if (val.constant >= 0) constant_used[static_cast<size_t>(val.constant)] = true;
  std::vector<int> new_constant(g.constants.size(), -1);
  std::vector<Tensor> constants;
  for (size_t c = 0; c < g.constants.size(); ++c) {
    if (!constant_used[c]) continue;
    new_constant[c] = static_cast<int>(constants.size());
    constants.push_back(std::move(g.constants[c]));
  }
  for (Value& val : g.values)
    if (val.constant >= 0) val.constant = new_constant[static_cast<size_t>(val.constant)];
  g.constants = std::move(constants);
}

void drop_nodes(Graph& g, const std::vector<bool>& drop) {
  std::vector<Node> kept;
  kept.reserve(g.nodes.size());
  for (size_t n = 0; n < g.nodes.size(); ++n)
    if (!drop[n]) kept.push_back(std::move(g.nodes[n]));
  g.nodes = std::move(kept);
  drop_unreferenced(g);
}

}  // namespace vigil
