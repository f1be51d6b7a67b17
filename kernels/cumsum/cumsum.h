// CumSum (ONNX) along one axis: the members of each group (kernels/axis_groups/axis_groups.h with the one
// axis grouped) in index order, y[i] = sum of x[j] for j <= i (exclusive: j < i, so y[0] = 0; reverse: from
// the end, j >= i or j > i). The running sum is kept in double and each output rounded once.
#pragma once

#include "kernels/axis_groups/axis_groups.h"

namespace vigil::kernels {

void cumsum_reference(const AxisGroups& g, bool exclusive, bool reverse, const float* x, float* y);

// The same on int64 (i32 false) or int32 values, summed in the type with two's-complement wrap-around (numpy's):
// HF-style position ids, mask.cumsum(1).
void cumsum_integer_reference(const AxisGroups& g, bool exclusive, bool reverse, bool i32, const void* x, void* y);

}  // namespace vigil::kernels
