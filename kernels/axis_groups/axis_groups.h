// A tensor's elements split into groups along some of its axes (the "grouped" axes): one group per index of
// the other axes, its members the elements that differ only on the grouped ones. The ops that normalise,
// pick or accumulate over a set of axes (LpNormalization, MeanVarianceNormalization, RMSNormalization,
// Hardmax, CumSum) all walk a tensor this way, whatever axes are grouped (adjacent or not).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace vigil::kernels {

struct AxisGroups {
  // Element (g, m) is at group_offsets[g] + member_offsets[m] in the row-major tensor. Members are in
  // row-major order of the grouped axes (for one grouped axis: its index order).
  std::vector<int64_t> group_offsets, member_offsets;
  int64_t groups() const { return static_cast<int64_t>(group_offsets.size()); }
  int64_t members() const { return static_cast<int64_t>(member_offsets.size()); }
};

// dims: the tensor's shape; grouped[a]: whether axis a is grouped. A scalar or no grouped axis gives groups
// of one member.
AxisGroups axis_groups(std::span<const int64_t> dims, std::span<const bool> grouped);

}  // namespace vigil::kernels
