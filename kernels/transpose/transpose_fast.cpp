// transpose_fast: transpose_reference's result (a pure copy, so the same bytes) for 4- and 8-byte elements,
// with the innermost output dim copied by a typed loop and the outer dims walked over output rows, so a
// range of rows can go to each thread. The reference copied each element with a memcpy of a runtime size
// (~4 ns per element).
#include <cstring>

#include "kernels/transpose/transpose.h"

namespace vigil::kernels {

namespace {

template <class T>
void rows(const TransposeParams& p, const T* in, T* out, int64_t row_begin, int64_t row_end) {
  int64_t in_stride[kTransposeMaxRank];
  int64_t s = 1;
  for (int d = p.rank - 1; d >= 0; --d) {
    in_stride[d] = s;
    s *= p.in_dims[d];
  }
  int64_t out_dims[kTransposeMaxRank] = {}, step[kTransposeMaxRank] = {};
  for (int d = 0; d < p.rank; ++d) {
    out_dims[d] = p.in_dims[p.perm[d]];
    step[d] = in_stride[p.perm[d]];
  }
  const int inner = p.rank - 1;
  const int64_t n = out_dims[inner], inner_step = step[inner];
  // Odometer over the outer output dims, set to row_begin.
  int64_t index[kTransposeMaxRank] = {};
  int64_t offset = 0;
  for (int64_t d = inner - 1, r = row_begin; d >= 0; --d) {
    index[d] = r % out_dims[d];
    r /= out_dims[d];
    offset += index[d] * step[d];
  }
  for (int64_t row = row_begin; row < row_end; ++row) {
    T* dst = out + row * n;
    const T* src = in + offset;
    if (inner_step == 1)
      std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(T));
    else
      for (int64_t i = 0; i < n; ++i) dst[i] = src[i * inner_step];
    for (int d = inner - 1; d >= 0; --d) {
      offset += step[d];
      if (++index[d] < out_dims[d]) break;
      offset -= step[d] * out_dims[d];
      index[d] = 0;
    }
  }
}

}  // namespace

int64_t transpose_rows(const TransposeParams& p) {
  int64_t r = 1;
  for (int d = 0; d + 1 < p.rank; ++d) r *= p.in_dims[p.perm[d]];
  return r;
}

bool transpose_fast_supported(const TransposeParams& p) {
  return p.rank >= 1 && (p.elem_size == 4 || p.elem_size == 8);
}

void transpose_fast(const TransposeParams& p, const void* in, void* out, int64_t row_begin, int64_t row_end) {
  if (p.elem_size == 4)
    rows(p, static_cast<const uint32_t*>(in), static_cast<uint32_t*>(out), row_begin, row_end);
  else
    rows(p, static_cast<const uint64_t*>(in), static_cast<uint64_t*>(out), row_begin, row_end);
}

}  // namespace vigil::kernels
