// The unary math ops on AVX2 and AVX-512: the reference's formulas evaluated in double-precision vectors
// (xsimd's exp, log, erf, tanh, log1p on 4 or 8 doubles) and rounded once to float. Every arithmetic step
// is the reference's own IEEE double operation in the same order; only the transcendental functions are
// xsimd's rather than libm's. Those agree with libm to about one double ulp, so the float result is the
// reference's except where the exact value lies within ~2^-29 float ulp of a rounding boundary: never
// seen over the tests' millions of inputs, and bounded by 1 float ulp (docs/OPERATORS.md). Abs, Neg,
// Floor, Ceil, Sqrt and Reciprocal are exact (IEEE sqrt and division of a float in double, rounded
// once, are the correctly rounded float results).
#pragma once

#include <cstdint>

#include "kernels/kernel_isa.h"
#include "kernels/unary/unary.h"

namespace vigil::kernels {

// y[i] = op(x[i]) for i < n on the given path; KernelIsa::Scalar runs unary_reference. y may alias x.
void unary_fast(KernelIsa isa, const UnaryParams& p, const float* x, float* y, int64_t n);

void unary_fast_avx2(const UnaryParams& p, const float* x, float* y, int64_t n);
void unary_fast_avx512(const UnaryParams& p, const float* x, float* y, int64_t n);

}  // namespace vigil::kernels
