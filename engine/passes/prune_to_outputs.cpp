#include "engine/passes/prune_to_outputs.h"

#include <algorithm>

#include "engine/error.h"
#include "engine/passes/drop_unreferenced.h"

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

  drop_unreferenced(g);  // values only the cut-away part used, and its constants
  validate_and_infer(g);
}

}  // namespace vigil
