// softmax_reference and log_softmax_reference on AVX2 / AVX-512: the same double formulas (max, exp of the
// shifted values, their sum, the quotient or the log) evaluated on double vectors with xsimd's exp and log.
// Rows along the last axis (inner = 1) are read a vector at a time; rows of a strided axis (inner > 1, e.g.
// a softmax over NCHW channels) take W neighbouring rows at once, one per lane. The sums are formed in
// lanes rather than left to right and exp/log are xsimd's, not libm's, so an output may differ from the
// reference by 1 ulp where it lies within ~2^-29 ulp of a float rounding boundary (docs/OPERATORS.md).
#pragma once

#include <cstdint>

#include "kernels/kernel_isa.h"
#include "kernels/softmax/softmax.h"

namespace vigil::kernels {

// Softmax (log_softmax when `log`) of the outer slices [outer_begin, outer_end) of the [outer, axis_len,
// inner] tensor x (whole-tensor pointers); KernelIsa::Scalar runs the reference. y must not alias x.
void softmax_fast(KernelIsa isa, bool log, int64_t axis_len, int64_t inner, const float* x, float* y,
                  int64_t outer_begin, int64_t outer_end);

// Rows [inner_begin, inner_end) of one outer slice (x, y point at the slice) of a strided axis (inner > 1):
// how a softmax over the channels of a single image splits over threads. isa: Avx2 or Avx512.
void softmax_fast_columns(KernelIsa isa, bool log, int64_t axis_len, int64_t inner, const float* x, float* y,
                          int64_t inner_begin, int64_t inner_end);

void softmax_fast_avx2(bool log, int64_t axis_len, int64_t inner, const float* x, float* y, int64_t outer_begin,
                       int64_t outer_end);
void softmax_fast_avx512(bool log, int64_t axis_len, int64_t inner, const float* x, float* y, int64_t outer_begin,
                         int64_t outer_end);
void softmax_fast_columns_avx2(bool log, int64_t axis_len, int64_t inner, const float* x, float* y, int64_t inner_begin,
                               int64_t inner_end);
void softmax_fast_columns_avx512(bool log, int64_t axis_len, int64_t inner, const float* x, float* y,
                                 int64_t inner_begin, int64_t inner_end);

}  // namespace vigil::kernels
