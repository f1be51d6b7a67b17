// gemv, avx512 path (compiled with the avx512 flags; see gemv_impl.h).
#include "kernels/gemv/gemv.h"
#include "kernels/gemv/gemv_impl.h"

namespace vigil::kernels {

void gemv_avx512(int64_t k, const float* a, const float* b, int64_t ldb, const float* c, float* y, int64_t j_begin,
                 int64_t j_end) {
  gemv_detail::gemv_impl(k, a, b, ldb, c, y, j_begin, j_end);
}

}  // namespace vigil::kernels
