// layer_norm_reference's arithmetic on AVX2 / AVX-512 double lanes: the row sums, the two-pass variance and
// the normalised value are the same double formulas, only summed in W/2-lane partial sums rather than left
// to right. The sums therefore differ from the reference's in their last double bits, which moves a float
// output by at most 1 ulp and only where it lies within ~2^-29 ulp of a rounding boundary (docs/OPERATORS.md).
#pragma once

#include <cstdint>

#include "kernels/kernel_isa.h"
#include "kernels/layer_norm/layer_norm.h"

namespace vigil::kernels {

// Rows [row_begin, row_end) of layer_norm_reference(p, ...) on the given path (Scalar: the reference). The
// pointers are those of the whole tensor.
void layer_norm_fast(KernelIsa isa, const LayerNormParams& p, const float* x, const float* scale, const float* bias,
                     float* y, float* mean, float* inv_std, int64_t row_begin, int64_t row_end);

void layer_norm_fast_avx2(const LayerNormParams& p, const float* x, const float* scale, const float* bias, float* y,
                          float* mean, float* inv_std, int64_t row_begin, int64_t row_end);
void layer_norm_fast_avx512(const LayerNormParams& p, const float* x, const float* scale, const float* bias, float* y,
                            float* mean, float* inv_std, int64_t row_begin, int64_t row_end);

}  // namespace vigil::kernels
