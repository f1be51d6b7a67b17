// What the ops that work on groups of elements along some axes (axis_normalization.cpp, hardmax.cpp,
// cumsum.cpp) share: reading their `axes` attribute and building the groups (kernels/axis_groups).
// Internal linkage: included only by those files.
#pragma once

#include <vector>

#include "engine/error.h"
#include "engine/op_def.h"
#include "kernels/axis_groups/axis_groups.h"

namespace vigil::ops::grouped {
namespace {

// The attribute `name` (a list of axes, negative counting from the end) as one flag per axis of a rank-`rank`
// tensor. Every axis in range and listed once, at least one unless `allow_empty`.
inline std::vector<bool> axes_mask(const Node& node, const char* name, int rank, bool allow_empty = false) {
  const std::vector<int64_t> axes = node.attrs.get_ints(name, {}, node.label());
  if (axes.empty() && !allow_empty) fail_node(node, concat(name, " must list at least one axis"));
  std::vector<bool> mask(static_cast<size_t>(rank), false);
  for (int64_t a : axes) {
    if (a < -rank || a >= rank) fail_node(node, concat(name, " holds axis ", a, ", outside [", -rank, ", ", rank, ")"));
    const size_t k = static_cast<size_t>(a < 0 ? a + rank : a);
    if (mask[k]) fail_node(node, concat(name, " lists axis ", k, " twice"));
    mask[k] = true;
  }
  return mask;
}

inline kernels::AxisGroups groups_of(const Shape& shape, const std::vector<bool>& mask) {
  bool flags[kMaxRank] = {};  // std::vector<bool> is not contiguous
  for (size_t a = 0; a < mask.size(); ++a) flags[a] = mask[a];
  return kernels::axis_groups(std::span<const int64_t>(shape.dims.data(), static_cast<size_t>(shape.rank)),
                              std::span<const bool>(flags, static_cast<size_t>(shape.rank)));
}

}  // namespace
}  // namespace vigil::ops::grouped
