#include "kernels/layer_norm/layer_norm_fast.h"

namespace vigil::kernels {

void layer_norm_fast(KernelIsa isa, const LayerNormParams& p, const float* x, const float* scale, const float* bias,
                     float* y, float* mean, float* inv_std, int64_t row_begin, int64_t row_end) {
  switch (isa) {
    case KernelIsa::Avx2:
      return layer_norm_fast_avx2(p, x, scale, bias, y, mean, inv_std, row_begin, row_end);
    case KernelIsa::Avx512:
      return layer_norm_fast_avx512(p, x, scale, bias, y, mean, inv_std, row_begin, row_end);
    case KernelIsa::Scalar:
      break;
  }
  // The reference on the rows asked for: offset every per-row pointer.
  LayerNormParams part = p;
  part.rows = row_end - row_begin;
  const int64_t at = row_begin * p.row_len;
  layer_norm_reference(part, x + at, scale, bias, y + at, mean ? mean + row_begin : nullptr,
                       inv_std ? inv_std + row_begin : nullptr);
}

}  // namespace vigil::kernels
