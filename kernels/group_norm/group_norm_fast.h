// group_norm_reference's arithmetic on AVX2 / AVX-512 double lanes: the group sums, the two-pass variance and
// the normalised value are the same double formulas, summed in lanes rather than left to right. So an output
// may differ from the reference by 1 ulp where it lies right at a float rounding boundary (docs/OPERATORS.md).
#pragma once

#include <cstdint>

#include "kernels/group_norm/group_norm.h"
#include "kernels/kernel_isa.h"

namespace vigil::kernels {

// The (batch item, group) units [unit_begin, unit_end) of group_norm_reference(p, ...), unit = n * groups + g,
// on the given path (Scalar: the reference on those units). The pointers are those of the whole tensor.
void group_norm_fast(KernelIsa isa, const GroupNormParams& p, const float* x, const float* scale, const float* bias,
                     float* y, int64_t unit_begin, int64_t unit_end);

void group_norm_fast_avx2(const GroupNormParams& p, const float* x, const float* scale, const float* bias, float* y,
                          int64_t unit_begin, int64_t unit_end);
void group_norm_fast_avx512(const GroupNormParams& p, const float* x, const float* scale, const float* bias, float* y,
                            int64_t unit_begin, int64_t unit_end);

}  // namespace vigil::kernels
