// What the passes that replace a chain of nodes by one node (fuse_gelu, fuse_layer_norm) share: who produces
// and who reads each value, which nodes a fusion has taken already, and small queries on them.
#pragma once

#include <optional>
#include <vector>

#include "engine/graph.h"
#include "engine/passes/value_uses.h"

namespace vigil {

class ChainMatcher {
 protected:
  explicit ChainMatcher(Graph& g)
      : g_(g), uses_(value_uses(g)), readers_of_(g.values.size()), drop_(g.nodes.size(), false) {
    for (size_t k = 0; k < g.nodes.size(); ++k)
      for (int v : g.nodes[k].inputs)
        if (v != kNoValue) readers_of_[static_cast<size_t>(v)].push_back(static_cast<int>(k));
  }

  const Value& value(int v) const { return g_.values[static_cast<size_t>(v)]; }
  Node& node(int n) { return g_.nodes[static_cast<size_t>(n)]; }
  const Node& node(int n) const { return g_.nodes[static_cast<size_t>(n)]; }

  // The one float of a one-element f32 constant.
  std::optional<float> scalar_constant(int v) const {
    if (v == kNoValue || !g_.is_constant(v)) return std::nullopt;
    const Tensor& t = g_.constant_of(v);
    if (t.dtype() != DType::F32 || t.numel() != 1) return std::nullopt;
    return t.f32()[0];
  }

  // The other input of a two-input node, given one of them; kNoValue if `v` is neither or both.
  static int other_input(const Node& n, int v) {
    if (n.inputs[0] == v && n.inputs[1] != v) return n.inputs[1];
    if (n.inputs[1] == v && n.inputs[0] != v) return n.inputs[0];
    return kNoValue;
  }

  Graph& g_;
  ValueUses uses_;
  std::vector<std::vector<int>> readers_of_;  // per value: the nodes reading it, once per input slot
  std::vector<bool> drop_;                    // nodes taken by a fusion, removed at the end
};

}  // namespace vigil
