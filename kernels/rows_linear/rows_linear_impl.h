// rows_linear over the vector traits; included only by rows_linear_avx2.cpp / rows_linear_avx512.cpp, each
// compiled with its ISA flags. Internal linkage (see kernels/recurrent_fast/packed_rows_product.h).
#pragma once

#include "kernels/recurrent_fast/packed_rows_product.h"
#include "kernels/rows_linear/rows_linear.h"

namespace vigil::kernels::rows_linear_detail {
namespace {

template <class Isa>
void rows_linear(int64_t rows, int64_t k, int64_t n, const float* x, const float* packed, const float* c,
                 int64_t c_row_stride, float* y, int64_t block_begin, int64_t block_end, float* scratch) {
  static_assert(kRowsLinearBlock == recurrent_fast_detail::kProjectionBlock, "one packed layout");
  const int64_t width = (block_end - block_begin) * kRowsLinearBlock;  // scratch row stride
  // The blocks of one range are contiguous in `packed`: a product over them alone.
  recurrent_fast_detail::rows_product<Isa, kRowsLinearBlock>(rows, k, x, k, packed + block_begin * kRowsLinearBlock * k,
                                                             width, nullptr, 0, scratch);
  const int64_t j0 = block_begin * kRowsLinearBlock;
  const int64_t j1 = block_end * kRowsLinearBlock < n ? block_end * kRowsLinearBlock : n;
  for (int64_t r = 0; r < rows; ++r) {
    const float* s = scratch + r * width;
    float* out = y + r * n;
    if (c) {
      const float* cr = c + r * c_row_stride;
      for (int64_t j = j0; j < j1; ++j) out[j] = s[j - j0] + cr[j];
    } else {
      for (int64_t j = j0; j < j1; ++j) out[j] = s[j - j0];
    }
  }
}

}  // namespace
}  // namespace vigil::kernels::rows_linear_detail
