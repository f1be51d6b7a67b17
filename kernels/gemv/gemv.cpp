// gemv: dispatch and the baseline path (see gemv_impl.h).
#include "kernels/gemv/gemv.h"

#include "kernels/gemv/gemv_impl.h"

namespace vigil::kernels {

void gemv_baseline(int64_t k, const float* a, const float* b, int64_t ldb, const float* c, float* y, int64_t j_begin,
                   int64_t j_end) {
  gemv_detail::gemv_impl(k, a, b, ldb, c, y, j_begin, j_end);
}

void gemv(KernelIsa isa, int64_t k, const float* a, const float* b, int64_t ldb, const float* c, float* y,
          int64_t j_begin, int64_t j_end) {
  switch (isa) {
    case KernelIsa::Scalar:
      return gemv_baseline(k, a, b, ldb, c, y, j_begin, j_end);
    case KernelIsa::Avx2:
      return gemv_avx2(k, a, b, ldb, c, y, j_begin, j_end);
    case KernelIsa::Avx512:
      return gemv_avx512(k, a, b, ldb, c, y, j_begin, j_end);
  }
}

}  // namespace vigil::kernels
