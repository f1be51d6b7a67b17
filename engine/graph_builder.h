// A C++ API for making graphs: used by the importers, by tests and by tools that write .vgl files.
//
//   GraphBuilder b;
//   int x = b.input("x", DType::F32, {1, 3, 8, 8});
//   int w = b.constant("w", Tensor::from_f32({4, 3, 3, 3}, weights));
//   int y = b.node(OpType::Conv2d, "conv", {x, w}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}});
//   b.output(y);
//   Graph g = b.build();  // validated, shapes inferred
#pragma once

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "engine/graph.h"

namespace vigil {

class GraphBuilder {
 public:
  int input(std::string name, DType dtype, Shape shape);
  int constant(std::string name, Tensor tensor);
  // Adds a node with `num_outputs` outputs named "<name>" (one output) or "<name>:<i>"; returns their ids.
  std::vector<int> node_n(OpType op, std::string name, std::vector<int> inputs, int num_outputs,
                          Attributes attrs = {});
  // Adds a node whose outputs carry the given names (for importers that keep their framework's names).
  std::vector<int> node_named(OpType op, std::string name, std::vector<int> inputs,
                              const std::vector<std::string>& output_names, Attributes attrs = {});
  // The common case: one output, named like the node.
  int node(OpType op, std::string name, std::vector<int> inputs, Attributes attrs = {});
  int node(OpType op, std::string name, std::vector<int> inputs,
           std::initializer_list<std::pair<const char*, AttrValue>> attrs);
  void output(int value);
  void metadata(std::string key, AttrValue value);

  Graph& graph() { return g_; }
  // Validates, sorts and infers shapes; the builder is empty afterwards.
  Graph build();

 private:
  int new_value(std::string name);
  Graph g_;
};

}  // namespace vigil
