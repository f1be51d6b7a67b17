// Hardmax (ONNX): within each group of elements along the grouped axes (kernels/axis_groups/axis_groups.h),
// 1 at the first largest element and 0 elsewhere. The scan keeps the first element and replaces it only by
// a strictly greater one, so ties go to the first and NaN is never picked over a number that comes first
// (a leading NaN keeps index 0).
#pragma once

#include "kernels/axis_groups/axis_groups.h"

namespace vigil::kernels {

// y must not alias x.
void hardmax_reference(const AxisGroups& g, const float* x, float* y);

}  // namespace vigil::kernels
