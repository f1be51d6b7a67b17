// Looking into a graph or a message in a test: how many nodes of an op, the one node of an op, substring.
// Shared by the importer and pass tests.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "engine/graph.h"

namespace vigil::test {

inline int count_op(const Graph& g, OpType op) {
  int n = 0;
  for (const Node& node : g.nodes) n += node.op == op;
  return n;
}

// The first node of `op` (a test failure if there is none).
inline const Node& only_node(const Graph& g, OpType op) {
  for (const Node& node : g.nodes)
    if (node.op == op) return node;
  FAIL("no node of the op");
  return g.nodes.front();
}

inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace vigil::test
