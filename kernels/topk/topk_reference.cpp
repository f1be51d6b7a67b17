#include <algorithm>
#include <cmath>
#include <type_traits>

#include "kernels/topk/topk.h"

namespace vigil::kernels {

namespace {

// a > b with NaN the greatest value and NaN equal to NaN; integers compare as they are.
template <class T>
bool greater_with_nan(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a)) return !std::isnan(b);
    if (std::isnan(b)) return false;
  }
  return a > b;
}

template <class T>
void topk_lines(const TopKParams& p, const T* x, T* values, int64_t* indices, int64_t* scratch) {
  for (int64_t o = 0; o < p.outer; ++o) {
    for (int64_t i = 0; i < p.inner; ++i) {
      const T* line = x + o * p.axis_len * p.inner + i;
      // A strict total order on indices: better value first, then lower index.
      auto before = [&](int64_t a, int64_t b) {
        const T va = line[a * p.inner], vb = line[b * p.inner];
        if (p.largest ? greater_with_nan(va, vb) : greater_with_nan(vb, va)) return true;
        if (p.largest ? greater_with_nan(vb, va) : greater_with_nan(va, vb)) return false;
        return a < b;
      };
      for (int64_t k = 0; k < p.axis_len; ++k) scratch[k] = k;
      std::partial_sort(scratch, scratch + p.k, scratch + p.axis_len, before);
      for (int64_t k = 0; k < p.k; ++k) {
        const int64_t at = (o * p.k + k) * p.inner + i;
        values[at] = line[scratch[k] * p.inner];
        indices[at] = scratch[k];
      }
    }
  }
}

template <class T>
void topk_as(const TopKParams& p, const void* x, void* values, int64_t* indices, int64_t* scratch) {
  topk_lines(p, static_cast<const T*>(x), static_cast<T*>(values), indices, scratch);
}

}  // namespace

void topk_reference(const TopKParams& p, const void* x, void* values, int64_t* indices, int64_t* scratch) {
  switch (p.type) {
    case ElemType::F32:
      return topk_as<float>(p, x, values, indices, scratch);
    case ElemType::I64:
      return topk_as<int64_t>(p, x, values, indices, scratch);
    case ElemType::I32:
      return topk_as<int32_t>(p, x, values, indices, scratch);
    case ElemType::I8:
      return topk_as<int8_t>(p, x, values, indices, scratch);
    case ElemType::U8:
    case ElemType::Bool:  // not bound for Bool; bytes order as u8
      return topk_as<uint8_t>(p, x, values, indices, scratch);
    case ElemType::F16:  // storage types: never bound (the op takes f32, integers and bool)
    case ElemType::BF16:
    case ElemType::F64:
      return;
  }
}

}  // namespace vigil::kernels
