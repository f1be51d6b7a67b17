// resize_linear_fast / resize_cubic_fast on ymm (8 output columns per step, as two 4-double vectors).
#include "kernels/gemm_packed/gemm_packed_avx2_isa.h"
#include "kernels/resize/resize_separable_vector.h"

namespace vigil::kernels {

namespace {

struct Gather {
  static __m256 gather(const float* base, const int32_t* index) {
    return _mm256_i32gather_ps(base, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(index)), 4);
  }
};

template <int Taps>
using Passes = ResizeSeparableVectorPasses<gemm_packed_detail::Avx2Isa, Gather, Taps>;

}  // namespace

void resize_linear_fast_avx2(const ResizeParams& p, const ResizeLinearPlan& plan, const float* in, float* out,
                             int64_t row_begin, int64_t row_end, double* work) {
  resize_separable_rows_with<Passes<2>>(p, plan, in, out, row_begin, row_end, work);
}

void resize_cubic_fast_avx2(const ResizeParams& p, const ResizeCubicPlan& plan, const float* in, float* out,
                            int64_t row_begin, int64_t row_end, double* work) {
  resize_separable_rows_with<Passes<4>>(p, plan, in, out, row_begin, row_end, work);
}

}  // namespace vigil::kernels
