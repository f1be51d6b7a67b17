// The graph IR: values (tensors flowing between nodes), nodes (an op applied to values), constant
// initializers, named graph inputs/outputs and model metadata. Importers build it, shape inference
// fills in value shapes, and the executor compiles it into a plan.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/attributes.h"
#include "engine/dtype.h"
#include "engine/op_type.h"
#include "engine/shape.h"
#include "engine/tensor.h"

namespace vigil {

inline constexpr int kNoValue = -1;  // an absent optional input

struct Value {
  std::string name;
  DType dtype = DType::Undefined;  // Undefined until shape inference runs (for intermediates)
  Shape shape;
  int producer = -1;  // index of the node that writes it; -1 for graph inputs and constants
  int constant = -1;  // index into Graph::constants, or -1
};

struct Node {
  OpType op = OpType::Relu;
  std::string name;
  std::vector<int> inputs;   // value ids, kNoValue for an absent optional input
  std::vector<int> outputs;  // value ids, kNoValue for an optional output nobody reads
  Attributes attrs;
  std::string label() const;  // "Conv2d 'conv3'" for error messages
};

// Model metadata: the keys vigil understands are listed in docs/FORMAT.md (input size, channel order,
// mean/std, class names, YOLO anchors/masks, temporal window, source value names...).
using Metadata = std::map<std::string, AttrValue>;

struct Graph {
  std::vector<Value> values;
  std::vector<Node> nodes;  // in topological order once validated
  std::vector<Tensor> constants;
  std::vector<int> inputs;   // value ids fed by the caller
  std::vector<int> outputs;  // value ids returned to the caller
  Metadata metadata;

  int find_value(std::string_view name) const;  // -1 if absent
  bool is_constant(int value) const { return values[static_cast<size_t>(value)].constant >= 0; }
  const Tensor& constant_of(int value) const {
    return constants[static_cast<size_t>(values[static_cast<size_t>(value)].constant)];
  }
};

// Checks structure (every reference in range, each value produced once, no cycles, inputs/outputs sane),
// sorts nodes topologically, and runs shape inference over every node. Throws Error naming the node or
// value at fault. After it returns every value has a dtype and shape.
void validate_and_infer(Graph& g);

// Shape inference alone (nodes must already be in topological order).
void infer_shapes(Graph& g);

}  // namespace vigil
