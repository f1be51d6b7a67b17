// Normalising each group of a tensor's elements along some axes (kernels/axis_groups/axis_groups.h), as
// three ONNX operators define it. Sums are in double, each output rounded once.
//   LpNormalization            y = x / ||group||_p, p = 1 (sum |x|) or 2 (sqrt sum x^2); a zero norm gives
//                              zeros (as onnxruntime; the spec's formula would divide 0 by 0)
//   MeanVarianceNormalization  y = (x - mean) / (sqrt(var) + 1e-9), var the population variance of the group
//                              (ONNX's function body: sqrt(E[x^2] - E[x]^2), here summed as E[(x - mean)^2])
//   RMSNormalization           y = x / sqrt(mean(x^2) + epsilon) * scale[scale_index[m]] (member m's scale)
#pragma once

#include <cstdint>

#include "kernels/axis_groups/axis_groups.h"

namespace vigil::kernels {

void lp_normalization_reference(const AxisGroups& g, int p, const float* x, float* y);
void mean_variance_normalization_reference(const AxisGroups& g, const float* x, float* y);
void rms_normalization_reference(const AxisGroups& g, float epsilon, const float* scale, const int64_t* scale_index,
                                 const float* x, float* y);

}  // namespace vigil::kernels
