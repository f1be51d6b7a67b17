// gemm_packed for AVX-512 (F/BW/DQ/VL): 8x32 microkernel on zmm registers (16 accumulators, 2 B
// vectors, 1 broadcast). Compiled with -mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma.
// GCC 12 warns about the deliberately undefined register in _mm512_undefined_ps() once it is inlined
// (GCC bug 105593, fixed in 13): a false positive inside the compiler's own intrinsics headers.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include "kernels/gemm_packed/gemm_packed.h"
#include "kernels/gemm_packed/gemm_packed_avx512_isa.h"
#include "kernels/gemm_packed/gemm_packed_simd.h"

namespace vigil::kernels {
namespace gemm_packed_detail {
namespace {

using Kernel = Microkernel<Avx512Isa, kAvx512Config.mr, kAvx512Config.nr / Avx512Isa::W, kAvx512Config.kc,
                           kAvx512Config.nc, kAvx512Config.mc>;

}  // namespace
}  // namespace gemm_packed_detail

void gemm_packed_avx512(const GemmPackedParams& p, void* workspace, const GemmThreading& threading) {
  gemm_packed_detail::Driver<gemm_packed_detail::Kernel>::run(p, workspace, threading);
}

void gemm_packed_activation_avx512(const ActivationParams& p, const float* x, float* y, int64_t n) {
  gemm_packed_detail::VectorActivation<gemm_packed_detail::Avx512Isa>::apply(p, x, y, n);
}

}  // namespace vigil::kernels
