// conv2d_direct for AVX-512 (F/BW/DQ/VL): the 8x32 tile of gemm_packed's AVX-512 path (8 output
// channels x 32 pixels of one output row).
// GCC 12 false positive inside its own intrinsics headers (see gemm_packed_avx512.cpp).
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include "kernels/conv2d_direct/conv2d_direct_simd.h"
#include "kernels/gemm_packed/gemm_packed_avx512_isa.h"

namespace vigil::kernels {

void conv2d_direct_avx512(const Conv2dParams& p, const float* x, const float* packed_weights, const float* bias,
                          const float* residual, float* y, void* workspace, const GemmThreading& threading) {
  using gemm_packed_detail::kAvx512Config;
  using Kernel = conv2d_direct_detail::Direct<gemm_packed_detail::Avx512Isa, kAvx512Config.mr,
                                              kAvx512Config.nr / gemm_packed_detail::Avx512Isa::W>;
  Kernel::run(p, x, packed_weights, bias, residual, y, workspace, threading);
}

}  // namespace vigil::kernels
