#include <cstring>

#include "kernels/concat/concat.h"

namespace vigil::kernels {

void concat_part_reference(const ConcatPart& p, const void* in, void* out) {
  const auto* src = static_cast<const std::byte*>(in);
  auto* dst = static_cast<std::byte*>(out) + p.offset_bytes;
  for (int64_t o = 0; o < p.outer; ++o) {
    std::memcpy(dst, src, p.chunk_bytes);
    src += p.chunk_bytes;
    dst += p.row_bytes;
  }
}

}  // namespace vigil::kernels
