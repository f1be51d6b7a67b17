// binary_rows, avx512 path (compiled with the avx512 flags; see binary_rows_impl.h).
#include "kernels/binary/binary.h"
#include "kernels/binary/binary_rows_impl.h"

namespace vigil::kernels {

void binary_rows_avx512(const BinaryParams& p, const float* a, const float* b, float* y, int64_t row_begin,
                        int64_t row_end) {
  binary_detail::binary_rows_impl(p, a, b, y, row_begin, row_end);
}

}  // namespace vigil::kernels
