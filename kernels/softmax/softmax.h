// Softmax along one axis. The tensor is viewed as [outer, axis_len, inner]: every (outer, inner) pair is
// one independent row of axis_len values, `inner` elements apart.
#pragma once

#include <cstdint>

namespace vigil::kernels {

// y[o,a,i] = exp(x[o,a,i] - m) / sum_b exp(x[o,b,i] - m), m = max_b x[o,b,i]; computed in double. Subtracting
// the row maximum keeps exp() finite for any finite input. A row of all -inf yields NaN (0/0) and a NaN
// anywhere in a row makes the whole row NaN. y must not alias x.
void softmax_reference(int64_t outer, int64_t axis_len, int64_t inner, const float* x, float* y);

// y[o,a,i] = x[o,a,i] - m - log(sum_b exp(x[o,b,i] - m)), the log of softmax without forming the quotient
// (which underflows to 0, log -inf, for values far below the maximum); computed in double. A row holding
// NaN, or +inf, or only -inf, yields NaN for the whole row (as log(softmax) would). y must not alias x.
void log_softmax_reference(int64_t outer, int64_t axis_len, int64_t inner, const float* x, float* y);

}  // namespace vigil::kernels
