// gemm_packed for AVX2 + FMA: 6x16 microkernel on ymm registers (12 accumulators, 2 B vectors, 1
// broadcast). Compiled with -mavx2 -mfma -mf16c.
#include <immintrin.h>

#include "kernels/gemm_packed/gemm_packed.h"
#include "kernels/gemm_packed/gemm_packed_avx2_isa.h"
#include "kernels/gemm_packed/gemm_packed_simd.h"

namespace vigil::kernels {
namespace gemm_packed_detail {
namespace {

using Kernel =
    Microkernel<Avx2Isa, kAvx2Config.mr, kAvx2Config.nr / Avx2Isa::W, kAvx2Config.kc, kAvx2Config.nc, kAvx2Config.mc>;

}  // namespace
}  // namespace gemm_packed_detail

void gemm_packed_avx2(const GemmPackedParams& p, void* workspace, const GemmThreading& threading) {
  gemm_packed_detail::Driver<gemm_packed_detail::Kernel>::run(p, workspace, threading);
}

void gemm_packed_activation_avx2(const ActivationParams& p, const float* x, float* y, int64_t n) {
  gemm_packed_detail::VectorActivation<gemm_packed_detail::Avx2Isa>::apply(p, x, y, n);
}

}  // namespace vigil::kernels
