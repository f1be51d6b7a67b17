#include <cstring>

#include "kernels/trilu/trilu.h"

namespace vigil::kernels {

void trilu_reference(const TriluParams& p, const void* x, void* y) {
  const auto* from = static_cast<const unsigned char*>(x);
  auto* to = static_cast<unsigned char*>(y);
  for (int64_t m = 0; m < p.batch; ++m)
    for (int64_t i = 0; i < p.rows; ++i)
      for (int64_t j = 0; j < p.cols; ++j) {
        const size_t at = static_cast<size_t>((m * p.rows + i) * p.cols + j) * p.elem_bytes;
        const bool keep = p.upper ? j - i >= p.k : j - i <= p.k;
        if (keep)
          std::memcpy(to + at, from + at, p.elem_bytes);
        else
          std::memset(to + at, 0, p.elem_bytes);
      }
}

}  // namespace vigil::kernels
