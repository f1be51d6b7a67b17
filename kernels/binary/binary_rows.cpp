// binary_rows: dispatch and the baseline path (see binary_rows_impl.h).
#include "kernels/binary/binary.h"
#include "kernels/binary/binary_rows_impl.h"

namespace vigil::kernels {

int64_t binary_rows_count(const BinaryParams& p) {
  int64_t rows = 1;
  for (int d = 0; d + 1 < p.rank; ++d) rows *= p.out_dims[d];
  return rows;
}

BinaryParams binary_coalesced(const BinaryParams& p, int64_t max_row) {
  BinaryParams c = p;
  c.rank = 0;
  for (int d = 0; d < p.rank; ++d) {  // drop the dims of size 1 (their strides never move)
    if (p.out_dims[d] == 1) continue;
    c.out_dims[c.rank] = p.out_dims[d];
    c.a_strides[c.rank] = p.a_strides[d];
    c.b_strides[c.rank] = p.b_strides[d];
    ++c.rank;
  }
  if (c.rank == 0) {  // every dim was 1: keep one, so the output stays one row of one element
    if (p.rank == 0) return p;
    c.rank = 1;
    c.out_dims[0] = 1;
    c.a_strides[0] = c.b_strides[0] = 0;
    return c;
  }
  // Merge from the inside out: dim d joins the current innermost dim when both inputs step over it as one.
  int inner = c.rank - 1;
  int d = inner - 1;
  for (; d >= 0; --d) {
    const int64_t n = c.out_dims[inner];
    if (c.a_strides[d] != c.a_strides[inner] * n || c.b_strides[d] != c.b_strides[inner] * n ||
        n * c.out_dims[d] > max_row)
      break;
    c.out_dims[inner] = n * c.out_dims[d];
    c.out_dims[d] = 1;  // removed below
  }
  // Shift the merged inner dim down to just after the last kept outer dim.
  if (d + 1 != inner) {
    c.out_dims[d + 1] = c.out_dims[inner];
    c.a_strides[d + 1] = c.a_strides[inner];
    c.b_strides[d + 1] = c.b_strides[inner];
    c.rank = d + 2;
  }
  return c;
}

void binary_rows_baseline(const BinaryParams& p, const float* a, const float* b, float* y, int64_t row_begin,
                          int64_t row_end) {
  binary_detail::binary_rows_impl(p, a, b, y, row_begin, row_end);
}

void binary_rows(KernelIsa isa, const BinaryParams& p, const float* a, const float* b, float* y, int64_t row_begin,
                 int64_t row_end) {
  switch (isa) {
    case KernelIsa::Scalar:
      return binary_rows_baseline(p, a, b, y, row_begin, row_end);
    case KernelIsa::Avx2:
      return binary_rows_avx2(p, a, b, y, row_begin, row_end);
    case KernelIsa::Avx512:
      return binary_rows_avx512(p, a, b, y, row_begin, row_end);
  }
}

}  // namespace vigil::kernels
