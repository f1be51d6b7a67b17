// Mean over any subset of the axes of a tensor.
#pragma once

#include <cstdint>

namespace vigil::kernels {

inline constexpr int kReduceMaxRank = 8;

struct ReduceMeanParams {
  int rank = 0;
  int64_t dims[kReduceMaxRank] = {};
  bool reduce[kReduceMaxRank] = {};  // true for every axis averaged away
};

// y holds the input's elements averaged over the reduced axes, laid out row-major over the kept axes in
// their original order (keepdims only changes the shape, not the layout). Sums are accumulated in double.
// With no reduced axis y is a copy of x.
void reduce_mean_reference(const ReduceMeanParams& p, const float* x, float* y);

}  // namespace vigil::kernels
