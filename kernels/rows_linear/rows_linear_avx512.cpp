// rows_linear, avx512 path (compiled with the avx512 flags; see rows_linear_impl.h).
#include "kernels/rows_linear/rows_linear_impl.h"

namespace vigil::kernels {

void rows_linear_avx512(int64_t rows, int64_t k, int64_t n, const float* x, const float* packed, const float* c,
                        int64_t c_row_stride, float* y, int64_t block_begin, int64_t block_end, float* scratch) {
  rows_linear_detail::rows_linear<simd_detail::Avx512Isa>(rows, k, n, x, packed, c, c_row_stride, y, block_begin,
                                                          block_end, scratch);
}

}  // namespace vigil::kernels
