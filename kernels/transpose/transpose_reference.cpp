#include <cstring>

#include "kernels/transpose/transpose.h"

namespace vigil::kernels {

void transpose_reference(const TransposeParams& p, const void* in, void* out) {
  const size_t es = p.elem_size;
  const auto* src = static_cast<const std::byte*>(in);
  auto* dst = static_cast<std::byte*>(out);
  int64_t in_stride[kTransposeMaxRank];
  int64_t s = 1;
  for (int d = p.rank - 1; d >= 0; --d) {
    in_stride[d] = s;
    s *= p.in_dims[d];
  }
  const int64_t total = s;  // element count (1 for a scalar)
  // For every output dim: its extent and the input stride that moving along it implies.
  int64_t out_dims[kTransposeMaxRank], step[kTransposeMaxRank];
  for (int d = 0; d < p.rank; ++d) {
    out_dims[d] = p.in_dims[p.perm[d]];
    step[d] = in_stride[p.perm[d]];
  }
  int64_t index[kTransposeMaxRank] = {};
  int64_t offset = 0;
  for (int64_t i = 0; i < total; ++i) {
    std::memcpy(dst + static_cast<size_t>(i) * es, src + static_cast<size_t>(offset) * es, es);
    for (int d = p.rank - 1; d >= 0; --d) {  // odometer, last output dim fastest
      offset += step[d];
      if (++index[d] < out_dims[d]) break;
      offset -= step[d] * out_dims[d];
      index[d] = 0;
    }
  }
}

}  // namespace vigil::kernels
