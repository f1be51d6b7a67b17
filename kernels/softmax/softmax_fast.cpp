#include "kernels/softmax/softmax_fast.h"

namespace vigil::kernels {

void softmax_fast(KernelIsa isa, bool log, int64_t axis_len, int64_t inner, const float* x, float* y,
                  int64_t outer_begin, int64_t outer_end) {
  switch (isa) {
    case KernelIsa::Avx2:
      return softmax_fast_avx2(log, axis_len, inner, x, y, outer_begin, outer_end);
    case KernelIsa::Avx512:
      return softmax_fast_avx512(log, axis_len, inner, x, y, outer_begin, outer_end);
    case KernelIsa::Scalar:
      break;
  }
  const int64_t at = outer_begin * axis_len * inner;
  if (log)
    log_softmax_reference(outer_end - outer_begin, axis_len, inner, x + at, y + at);
  else
    softmax_reference(outer_end - outer_begin, axis_len, inner, x + at, y + at);
}

void softmax_fast_columns(KernelIsa isa, bool log, int64_t axis_len, int64_t inner, const float* x, float* y,
                          int64_t inner_begin, int64_t inner_end) {
  if (isa == KernelIsa::Avx512)
    softmax_fast_columns_avx512(log, axis_len, inner, x, y, inner_begin, inner_end);
  else
    softmax_fast_columns_avx2(log, axis_len, inner, x, y, inner_begin, inner_end);
}

}  // namespace vigil::kernels
