// conv2d_nchwc for AVX-512 (F/BW/DQ/VL), block 16: tiles of 12 pixels x 2 output blocks (24 zmm
// accumulators, 2 weight vectors, 1 broadcast) or 12 x 1 (conv2d_nchwc_impl.h).
// GCC 12 false positive inside its own intrinsics headers (see gemm_packed_avx512.cpp).
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include "kernels/gemm_packed/gemm_packed_avx512_isa.h"
#include "kernels/nchwc/conv2d_nchwc_impl.h"

namespace vigil::kernels {

void conv2d_nchwc_avx512(const Conv2dNchwcParams& p, const float* x, const float* packed, const float* residual,
                         float* y, int64_t row_begin, int64_t row_end) {
  if (row_begin >= row_end) return;
  const conv2d_nchwc_detail::Conv<gemm_packed_detail::Avx512Isa> conv(p, x, packed, residual, y);
  conv.rows(row_begin, row_end);
}

}  // namespace vigil::kernels
