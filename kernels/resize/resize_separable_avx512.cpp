// resize_linear_fast / resize_cubic_fast on zmm (16 output columns per step, as two 8-double vectors). GCC 12
// false positive on _mm512_undefined_ps once inlined (bug 105593, fixed in 13):
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include "kernels/gemm_packed/gemm_packed_avx512_isa.h"
#include "kernels/resize/resize_separable_vector.h"

namespace vigil::kernels {

namespace {

struct Gather {
  static __m512 gather(const float* base, const int32_t* index) {
    return _mm512_i32gather_ps(_mm512_loadu_si512(index), base, 4);
  }
};

template <int Taps>
using Passes = ResizeSeparableVectorPasses<gemm_packed_detail::Avx512Isa, Gather, Taps>;

}  // namespace

void resize_linear_fast_avx512(const ResizeParams& p, const ResizeLinearPlan& plan, const float* in, float* out,
                               int64_t row_begin, int64_t row_end, double* work) {
  resize_separable_rows_with<Passes<2>>(p, plan, in, out, row_begin, row_end, work);
}

void resize_cubic_fast_avx512(const ResizeParams& p, const ResizeCubicPlan& plan, const float* in, float* out,
                              int64_t row_begin, int64_t row_end, double* work) {
  resize_separable_rows_with<Passes<4>>(p, plan, in, out, row_begin, row_end, work);
}

}  // namespace vigil::kernels
