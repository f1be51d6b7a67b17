// Load-time evaluation of the shape arithmetic exporters emit around Reshape, Resize, Slice and LSTM
// initial states (Shape -> Gather -> Unsqueeze -> Concat -> Reshape, ConstantOfShape -> Expand, ...).
// Every op here runs on small constant tensors only; vigil has no run-time kernel for most of them.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "loaders/onnx/const_tensor.h"
#include "loaders/onnx/import_context.h"

namespace vigil::onnx {

// Op types fold_node evaluates (sorted), for error messages listing what vigil accepts.
const std::vector<std::string>& foldable_ops();
bool is_foldable(std::string_view op_type);

// Folded tensors larger than this are an error rather than a memory bomb.
inline constexpr int64_t kMaxFoldedElements = int64_t{1} << 24;

// Evaluates `n` whose inputs are all constants (nullptr marks an absent optional input). Shape and Size
// are not here: they need only the input's dims (see fold_shape), which run-time values have too.
std::vector<ConstTensor> fold_node(const NodeInfo& n, std::span<const ConstTensor* const> inputs);

// Cast of a constant to ONNX type `to`, as the folded Cast computes it (CastLike of a constant uses it).
ConstTensor fold_cast(const NodeInfo& n, const ConstTensor& x, int32_t to);

// Shape (with opset-15 start/end) and Size of a value with these dims.
ConstTensor fold_shape(const NodeInfo& n, const std::vector<int64_t>& dims);
ConstTensor fold_size(const NodeInfo& n, const std::vector<int64_t>& dims);

// Split's axis and part sizes for an input of these dims, as the node gives them: the split input from opset 13
// (`given`, null when absent), the attribute before 13, num_outputs from 18 (ceil-sized parts, the last smaller),
// else equal parts; attributes, counts and sums checked (errors naming the node). Shared by the run-time mapping
// and the folding of a constant Split.
struct SplitPlan {
  int axis = 0;
  std::vector<int64_t> sizes;
};
SplitPlan split_plan(const NodeInfo& n, const std::vector<int64_t>& dims, const std::vector<int64_t>* given);

// Numpy broadcasting of several shapes (error naming the node if they do not broadcast).
std::vector<int64_t> broadcast_dims(const NodeInfo& n, const std::vector<std::vector<int64_t>>& shapes);

}  // namespace vigil::onnx
