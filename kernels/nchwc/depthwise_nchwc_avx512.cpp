// depthwise_nchwc for AVX-512 (F/BW/DQ/VL): block 16, one zmm per pixel's channel block, up to 14 output
// pixels in registers (depthwise_nchwc_impl.h; with a 5-wide kernel's weights and one input vector: 20 of
// the 32 zmm registers).
// GCC 12 false positive inside its own intrinsics headers (see gemm_packed_avx512.cpp).
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include "kernels/gemm_packed/gemm_packed_avx512_isa.h"
#include "kernels/nchwc/depthwise_nchwc_impl.h"

namespace vigil::kernels {

void depthwise_nchwc_avx512(const DepthwiseNchwcParams& p, const float* x, const float* packed, const float* residual,
                            float* y, int64_t row_begin, int64_t row_end) {
  depthwise_nchwc_detail::depthwise_nchwc_vector<gemm_packed_detail::Avx512Isa, 14>(p, x, packed, residual, y,
                                                                                    row_begin, row_end);
}

}  // namespace vigil::kernels
