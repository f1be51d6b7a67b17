#include <cstring>

#include "kernels/gather/gather.h"
#include "kernels/runtime_index.h"

namespace vigil::kernels {

void gather_reference(const GatherParams& p, const void* x, const void* indices, void* y) {
  const auto* from = static_cast<const unsigned char*>(x);
  auto* to = static_cast<unsigned char*>(y);
  const size_t slice = static_cast<size_t>(p.inner) * p.elem_bytes;
  for (int64_t o = 0; o < p.outer; ++o)
    for (int64_t i = 0; i < p.count; ++i, to += slice) {
      const int64_t k = runtime_index(indices, p.indices_i32, i, p.axis_size);
      if (k < 0)
        std::memset(to, 0, slice);
      else
        std::memcpy(to, from + static_cast<size_t>(o * p.axis_size + k) * slice, slice);
    }
}

}  // namespace vigil::kernels
