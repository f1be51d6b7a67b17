// conv2d_nchwc for AVX2 + FMA, block 8: tiles of 6 pixels x 2 output blocks (12 ymm accumulators, 2 weight
// vectors, 1 broadcast) or 6 x 1 (conv2d_nchwc_impl.h).
#include "kernels/gemm_packed/gemm_packed_avx2_isa.h"
#include "kernels/nchwc/conv2d_nchwc_impl.h"

namespace vigil::kernels {

void conv2d_nchwc_avx2(const Conv2dNchwcParams& p, const float* x, const float* packed, const float* residual, float* y,
                       int64_t row_begin, int64_t row_end) {
  if (row_begin >= row_end) return;
  const conv2d_nchwc_detail::Conv<gemm_packed_detail::Avx2Isa> conv(p, x, packed, residual, y);
  conv.rows(row_begin, row_end);
}

}  // namespace vigil::kernels
