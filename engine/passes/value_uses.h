// Who produces each value of a graph, how many node inputs read it, and whether it is a graph output: what a
// fusion pass checks before it removes an intermediate value.
#pragma once

#include <vector>

#include "engine/graph.h"

namespace vigil {

struct ValueUses {
  std::vector<int> producer;    // per value: the producing node's index, -1 for inputs and constants
  std::vector<int> readers;     // per value: how many node inputs read it
  std::vector<bool> is_output;  // per value: a graph output
};

inline ValueUses value_uses(const Graph& g) {
  ValueUses u{std::vector<int>(g.values.size(), -1), std::vector<int>(g.values.size(), 0),
              std::vector<bool>(g.values.size(), false)};
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    for (int v : g.nodes[n].inputs)
      if (v != kNoValue) ++u.readers[static_cast<size_t>(v)];
    for (int v : g.nodes[n].outputs)
      if (v != kNoValue) u.producer[static_cast<size_t>(v)] = static_cast<int>(n);
  }
  for (int v : g.outputs) u.is_output[static_cast<size_t>(v)] = true;
  return u;
}

}  // namespace vigil
