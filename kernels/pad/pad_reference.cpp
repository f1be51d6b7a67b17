#include <cstring>

#include "kernels/pad/pad.h"

namespace vigil::kernels {

int64_t pad_source_index(int64_t o, int64_t in_dim, int64_t begin, int64_t end, PadMode mode) {
  // Crop first: the cropped input is in[crop_begin, crop_begin + extent).
  const int64_t crop_begin = begin < 0 ? -begin : 0;
  const int64_t crop_end = end < 0 ? -end : 0;
  const int64_t extent = in_dim - crop_begin - crop_end;
  int64_t j = o - (begin > 0 ? begin : 0);  // position relative to the cropped input
  if (j >= 0 && j < extent) return crop_begin + j;
  switch (mode) {
    case PadMode::Constant:
      return -1;
    case PadMode::Edge:
      j = j < 0 ? 0 : extent - 1;
      break;
    case PadMode::Reflect: {
      // Mirror about the border cells: period 2*(extent-1), folded back into [0, extent).
      const int64_t period = 2 * (extent - 1);
      if (period == 0) {
        j = 0;
        break;
      }
      j %= period;
      if (j < 0) j += period;
      if (j >= extent) j = period - j;
      break;
    }
    case PadMode::Wrap:
      j %= extent;
      if (j < 0) j += extent;
      break;
  }
  return crop_begin + j;
}

void pad_reference(const PadParams& p, const void* in, void* out) {
  const size_t es = p.elem_size;
  const auto* src = static_cast<const std::byte*>(in);
  auto* dst = static_cast<std::byte*>(out);
  int64_t total = 1;
  for (int d = 0; d < p.rank; ++d) total *= pad_out_dim(p, d);
  for (int64_t i = 0; i < total; ++i) {
    // Output coordinates of element i (row-major), each mapped to its input coordinate.
    int64_t rest = i, in_offset = 0, in_stride = 1;
    bool constant = false;
    for (int d = p.rank - 1; d >= 0; --d) {
      const int64_t out_dim = pad_out_dim(p, d);
      const int64_t o = rest % out_dim;
      rest /= out_dim;
      const int64_t s = pad_source_index(o, p.in_dims[d], p.pads_begin[d], p.pads_end[d], p.mode);
      if (s < 0) constant = true;
      in_offset += s * in_stride;
      in_stride *= p.in_dims[d];
    }
    std::byte* e = dst + static_cast<size_t>(i) * es;
    if (constant)
      std::memcpy(e, p.value, es);
    else
      std::memcpy(e, src + static_cast<size_t>(in_offset) * es, es);
  }
}

}  // namespace vigil::kernels
