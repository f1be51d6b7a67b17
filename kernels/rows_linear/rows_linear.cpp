// Baseline code: packing and dispatch (the products are in the per-ISA files).
#include "kernels/rows_linear/rows_linear.h"

namespace vigil::kernels {

void rows_linear_pack(int64_t k, int64_t n, const float* b, bool trans_b, float* packed) {
  for (int64_t block = 0; block < rows_linear_blocks(n); ++block)
    for (int64_t q = 0; q < k; ++q)
      for (int64_t t = 0; t < kRowsLinearBlock; ++t) {
        const int64_t j = block * kRowsLinearBlock + t;
        packed[(block * k + q) * kRowsLinearBlock + t] = j >= n ? 0.0f : trans_b ? b[j * k + q] : b[q * n + j];
      }
}

void rows_linear(KernelIsa isa, int64_t rows, int64_t k, int64_t n, const float* x, const float* packed, const float* c,
                 int64_t c_row_stride, float* y, int64_t block_begin, int64_t block_end, float* scratch) {
  if (isa == KernelIsa::Avx512)
    rows_linear_avx512(rows, k, n, x, packed, c, c_row_stride, y, block_begin, block_end, scratch);
  else
    rows_linear_avx2(rows, k, n, x, packed, c, c_row_stride, y, block_begin, block_end, scratch);
}

}  // namespace vigil::kernels
