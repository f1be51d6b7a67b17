#include <algorithm>
#include <cstring>

#include "kernels/slice/slice.h"

namespace vigil::kernels {

int64_t resolve_slice_axis(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t* resolved_start) {
  if (start < 0) start += dim;  // INT64_MIN + dim cannot overflow since dim > 0
  if (end < 0) end += dim;
  int64_t count = 0;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    if (end > start) count = (end - start + step - 1) / step;
  } else {
    start = std::clamp<int64_t>(start, 0, dim - 1);
    end = std::clamp<int64_t>(end, -1, dim - 1);
    if (start > end) count = (start - end + (-step) - 1) / (-step);
  }
  *resolved_start = start;
  return count;
}

void slice_reference(const SliceParams& p, const void* in, void* out) {
  const size_t es = p.elem_size;
  auto* dst = static_cast<std::byte*>(out);
  const auto* src = static_cast<const std::byte*>(in);
  if (p.rank == 0) {
    std::memcpy(dst, src, es);
    return;
  }
  // Input element strides, and the input offset of the output's first element.
  int64_t in_stride[kSliceMaxRank];
  int64_t s = 1;
  for (int d = p.rank - 1; d >= 0; --d) {
    in_stride[d] = s;
    s *= p.in_dims[d];
  }
  if (p.in_stride0) in_stride[0] = p.in_stride0;
  int64_t base = 0;
  for (int d = 0; d < p.rank; ++d) base += p.starts[d] * in_stride[d];

  const int inner = p.rank - 1;
  const int64_t n_inner = p.out_dims[inner];
  const int64_t inner_step = p.steps[inner];  // in elements, since the innermost input stride is 1
  int64_t index[kSliceMaxRank] = {};
  int64_t offset = base;
  while (true) {
    if (inner_step == 1) {
      std::memcpy(dst, src + offset * static_cast<int64_t>(es), static_cast<size_t>(n_inner) * es);
    } else {
      for (int64_t i = 0; i < n_inner; ++i)
        std::memcpy(dst + static_cast<size_t>(i) * es, src + (offset + i * inner_step) * static_cast<int64_t>(es), es);
    }
    dst += static_cast<size_t>(n_inner) * es;
    int d = inner - 1;
    for (; d >= 0; --d) {
      offset += p.steps[d] * in_stride[d];
      if (++index[d] < p.out_dims[d]) break;
      offset -= p.steps[d] * in_stride[d] * p.out_dims[d];
      index[d] = 0;
    }
    if (d < 0) return;
  }
}

SliceParams slice_merge_whole_inner_dims(const SliceParams& p) {
  SliceParams q = p;
  while (q.rank > (q.in_stride0 ? 2 : 1)) {
    const int i = q.rank - 1, o = q.rank - 2;
    const bool inner_whole = q.starts[i] == 0 && q.steps[i] == 1 && q.out_dims[i] == q.in_dims[i];
    if (!inner_whole || q.steps[o] != 1) break;
    q.starts[o] *= q.in_dims[i];
    q.out_dims[o] *= q.in_dims[i];
    q.in_dims[o] *= q.in_dims[i];
    --q.rank;
  }
  return q;
}

SliceParams slice_outer_range(const SliceParams& p, int64_t begin, int64_t end) {
  SliceParams q = p;
  if (q.rank == 0) return q;
  q.starts[0] = p.starts[0] + begin * p.steps[0];
  q.out_dims[0] = end - begin;
  return q;
}

}  // namespace vigil::kernels
