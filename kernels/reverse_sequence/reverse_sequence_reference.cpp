#include <algorithm>
#include <cstring>

#include "kernels/reverse_sequence/reverse_sequence.h"

namespace vigil::kernels {

void reverse_sequence_reference(const ReverseSequenceParams& p, const void* x, const int64_t* lengths, void* y) {
  const auto* from = static_cast<const unsigned char*>(x);
  auto* to = static_cast<unsigned char*>(y);
  const size_t row_bytes = static_cast<size_t>(p.inner) * p.elem_bytes;
  // The byte offset of (time t, batch b)'s row of `inner` elements.
  auto row = [&](int64_t t, int64_t b) {
    return static_cast<size_t>(p.time_major ? t * p.batch + b : b * p.time + t) * row_bytes;
  };
  for (int64_t b = 0; b < p.batch; ++b) {
    const int64_t len = std::clamp<int64_t>(lengths[b], 0, p.time);
    for (int64_t t = 0; t < p.time; ++t)
      std::memcpy(to + row(t, b), from + row(t < len ? len - 1 - t : t, b), row_bytes);
  }
}

}  // namespace vigil::kernels
