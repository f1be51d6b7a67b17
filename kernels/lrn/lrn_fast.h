// LRN on the optimised paths: lrn_reference's double formula, per output plane (n, c), vectorised over the
// spatial positions on AVX2 / AVX-512: the window's squares summed from 0 in channel order, bias + scale *
// sum, xsimd's double pow, the quotient rounded once to float. Sums and products are the reference's
// operations in its order (no FMA contraction); only pow differs from libm's (a few double ulps), so an
// output may differ from the reference by 1 float ulp where it lies within ~2^-20 ulp of a rounding
// boundary (docs/OPERATORS.md, LRN). KernelIsa::Scalar runs the reference formula itself (bit-identical).
#pragma once

#include <cstdint>

#include "kernels/kernel_isa.h"
#include "kernels/lrn/lrn.h"

namespace vigil::kernels {

// Where xsimd's pow(a, beta) agrees with std::pow's special cases for every a the formula can produce:
// bias > 0 (so a >= bias > 0, or +inf, or NaN) and beta != 0 (pow(inf, 0) = 1 would need a special case).
bool lrn_fast_supported(const LrnParams& p);

// Output planes [plane_begin, plane_end) of the batch * channels planes (whole-tensor pointers).
void lrn_fast(KernelIsa isa, const LrnParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end);

void lrn_fast_avx2(const LrnParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end);
void lrn_fast_avx512(const LrnParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end);

}  // namespace vigil::kernels
