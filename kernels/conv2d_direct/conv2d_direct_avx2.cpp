// conv2d_direct for AVX2 + FMA: the 6x16 tile of gemm_packed's AVX2 path (6 output channels x 16 pixels
// of one output row).
#include "kernels/conv2d_direct/conv2d_direct_simd.h"
#include "kernels/gemm_packed/gemm_packed_avx2_isa.h"

namespace vigil::kernels {

void conv2d_direct_avx2(const Conv2dParams& p, const float* x, const float* packed_weights, const float* bias,
                        const float* residual, float* y, void* workspace, const GemmThreading& threading) {
  using gemm_packed_detail::kAvx2Config;
  using Kernel = conv2d_direct_detail::Direct<gemm_packed_detail::Avx2Isa, kAvx2Config.mr,
                                              kAvx2Config.nr / gemm_packed_detail::Avx2Isa::W>;
  Kernel::run(p, x, packed_weights, bias, residual, y, workspace, threading);
}

}  // namespace vigil::kernels
