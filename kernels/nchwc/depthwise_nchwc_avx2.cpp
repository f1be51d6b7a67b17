// depthwise_nchwc for AVX2 + FMA: block 8, one ymm per pixel's channel block, up to 8 output pixels in
// registers (depthwise_nchwc_impl.h; 16 ymm registers: 8 accumulators, up to 5 tap weights, one input
// vector; 12 accumulators measured no faster).
#include "kernels/gemm_packed/gemm_packed_avx2_isa.h"
#include "kernels/nchwc/depthwise_nchwc_impl.h"

namespace vigil::kernels {

void depthwise_nchwc_avx2(const DepthwiseNchwcParams& p, const float* x, const float* packed, const float* residual,
                          float* y, int64_t row_begin, int64_t row_end) {
  depthwise_nchwc_detail::depthwise_nchwc_vector<gemm_packed_detail::Avx2Isa, 8>(p, x, packed, residual, y, row_begin,
                                                                                 row_end);
}

}  // namespace vigil::kernels
