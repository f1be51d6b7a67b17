// binary_rows: dispatch and the baseline path (see binary_rows_impl.h).
#include "kernels/binary/binary.h"
#include "kernels/binary/binary_rows_impl.h"

namespace vigil::kernels {

int64_t binary_rows_count(const BinaryParams& p) {
  int64_t rows = 1;
  for (int d = 0; d + 1 < p.rank; ++d) rows *= p.out_dims[d];
  return rows;
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
