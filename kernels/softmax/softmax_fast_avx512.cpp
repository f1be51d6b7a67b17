// softmax_fast on zmm. GCC 12 false positive on _mm512_undefined_ps once inlined (bug 105593, fixed in 13):
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include "kernels/gemm_packed/gemm_packed_avx512_isa.h"
#include "kernels/softmax/softmax_fast.h"
#include "kernels/softmax/softmax_fast_impl.h"

namespace vigil::kernels {

void softmax_fast_avx512(bool log, int64_t axis_len, int64_t inner, const float* x, float* y, int64_t outer_begin,
                         int64_t outer_end) {
  SoftmaxVector<gemm_packed_detail::Avx512Isa>::run(log, axis_len, inner, x, y, outer_begin, outer_end);
}

void softmax_fast_columns_avx512(bool log, int64_t axis_len, int64_t inner, const float* x, float* y,
                                 int64_t inner_begin, int64_t inner_end) {
  SoftmaxVector<gemm_packed_detail::Avx512Isa>::column_range(log, axis_len, inner, x, y, inner_begin, inner_end);
}

}  // namespace vigil::kernels
