// unary_fast on ymm: 8 floats in, two 4-double halves through the formulas. Compiled with -mavx2 -mfma.
#include "kernels/gemm_packed/gemm_packed_avx2_isa.h"
#include "kernels/unary/unary_fast.h"
#include "kernels/unary/unary_fast_impl.h"

namespace vigil::kernels {

void unary_fast_avx2(const UnaryParams& p, const float* x, float* y, int64_t n) {
  UnaryVector<gemm_packed_detail::Avx2Isa>::run(p, x, y, n);
}

}  // namespace vigil::kernels
