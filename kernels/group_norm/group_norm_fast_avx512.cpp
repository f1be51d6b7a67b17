// group_norm_fast on zmm. GCC 12 false positive on _mm512_undefined_ps once inlined (bug 105593, fixed in 13):
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include "kernels/gemm_packed/gemm_packed_avx512_isa.h"
#include "kernels/group_norm/group_norm_fast.h"
#include "kernels/group_norm/group_norm_fast_impl.h"

namespace vigil::kernels {

void group_norm_fast_avx512(const GroupNormParams& p, const float* x, const float* scale, const float* bias, float* y,
                            int64_t unit_begin, int64_t unit_end) {
  GroupNormVector<gemm_packed_detail::Avx512Isa>::units(p, x, scale, bias, y, unit_begin, unit_end);
}

}  // namespace vigil::kernels
