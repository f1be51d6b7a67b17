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

// Numpy broadcasting of several shapes (error naming the node if they do not broadcast).
std::vector<int64_t> broadcast_dims(const NodeInfo& n, const std::vector<std::vector<int64_t>>& shapes);

}  // namespace vigil::onnx
