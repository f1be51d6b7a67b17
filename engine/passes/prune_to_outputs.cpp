#include "engine/passes/prune_to_outputs.h"

#include <algorithm>

#include "engine/error.h"

namespace vigil {

namespace {

std::string output_names(const Graph& g) {
  std::string names;
  for (int v : g.outputs) names += (names.empty() ? "'" : ", '") + g.values[static_cast<size_t>(v)].name + "'";
  return names;
}

// The ids of the requested outputs, checked: each a graph output, none twice.
std::vector<int> resolve_outputs(const Graph& g, std::span<const std::string> names) {
  std::vector<int> ids;
  for (const std::string& name : names) {
    const int v = g.find_value(name);
    if (v < 0 || std::find(g.outputs.begin(), g.outputs.end(), v) == g.outputs.end())
      fail("requested output '", name, "' is not a graph output (the graph's outputs: ", output_names(g), ")");
    if (std::find(ids.begin(), ids.end(), v) != ids.end()) fail("requested output '", name, "' is given twice");
    ids.push_back(v);
  }
  return ids;
}

}  // namespace

void prune_to_outputs(Graph& g, std::span<const std::string> outputs) {
  if (outputs.empty()) return;
  validate_and_infer(g);  // topological order and producers, which the backward walk relies on
  const std::vector<int> wanted = resolve_outputs(g, outputs);

  // Walk the nodes backwards: a node is needed when it writes a needed value; its inputs then are too.
  std::vector<bool> needed(g.values.size(), false);
  for (int v : wanted) needed[static_cast<size_t>(v)] = true;
  std::vector<bool> keep_node(g.nodes.size(), false);
  for (size_t n = g.nodes.size(); n-- > 0;) {
    const Node& node = g.nodes[n];
    const bool writes_needed = std::any_of(node.outputs.begin(), node.outputs.end(),
                                           [&](int v) { return v != kNoValue && needed[static_cast<size_t>(v)]; });
    if (!writes_needed) continue;
    keep_node[n] = true;
    for (int v : node.inputs)
      if (v != kNoValue) needed[static_cast<size_t>(v)] = true;
  }

  std::vector<Node> nodes;
  for (size_t n = 0; n < g.nodes.size(); ++n)
    if (keep_node[n]) nodes.push_back(std::move(g.nodes[n]));
  g.nodes = std::move(nodes);
  std::vector<int> inputs;
  for (int v : g.inputs)
    if (needed[static_cast<size_t>(v)]) inputs.push_back(v);
  g.inputs = std::move(inputs);
  g.outputs = wanted;

  // Values survive if a kept node reads or writes them (a kept node's unread outputs included).
  std::vector<bool> keep_value(g.values.size(), false);
  for (const Node& node : g.nodes) {
    for (int v : node.inputs)
      if (v != kNoValue) keep_value[static_cast<size_t>(v)] = true;
    for (int v : node.outputs)
      if (v != kNoValue) keep_value[static_cast<size_t>(v)] = true;
  }
  for (int v : g.inputs) keep_value[static_cast<size_t>(v)] = true;

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

  // Constants no surviving value refers to go; the rest are renumbered in their original order.
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
  validate_and_infer(g);
}

}  // namespace vigil
