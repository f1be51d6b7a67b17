#include <cmath>
#include <cstring>

#include "kernels/one_hot/one_hot.h"

namespace vigil::kernels {

namespace {

// The position (in [0, depth)) that index k selects, or -1 when it selects none.
int64_t hot_position(const OneHotParams& p, const void* indices, int64_t k) {
  double v = 0;
  switch (p.index_type) {
    case ElemType::F32: {
      const float f = static_cast<const float*>(indices)[k];
      if (!(f > -static_cast<float>(p.depth) - 1.0f && f < static_cast<float>(p.depth))) return -1;  // also NaN
      v = std::trunc(static_cast<double>(f));
      break;
    }
    case ElemType::I64: {
      const int64_t i = static_cast<const int64_t*>(indices)[k];
      if (i < -p.depth || i >= p.depth) return -1;
      return i < 0 ? i + p.depth : i;
    }
    case ElemType::I32:
      v = static_cast<const int32_t*>(indices)[k];
      break;
    case ElemType::I8:
      v = static_cast<const int8_t*>(indices)[k];
      break;
    case ElemType::U8:
      v = static_cast<const uint8_t*>(indices)[k];
      break;
    default:
      return -1;  // the op accepts no other type (engine/ops/one_hot.cpp)
  }
  if (v < static_cast<double>(-p.depth) || v >= static_cast<double>(p.depth)) return -1;
  const auto i = static_cast<int64_t>(v);
  return i < 0 ? i + p.depth : i;
}

}  // namespace

void one_hot_reference(const OneHotParams& p, const void* indices, const void* values, void* y) {
  const auto* off = static_cast<const unsigned char*>(values);
  const unsigned char* on = off + p.value_bytes;
  auto* out = static_cast<unsigned char*>(y);
  for (int64_t o = 0; o < p.outer; ++o)
    for (int64_t i = 0; i < p.inner; ++i) {
      const int64_t hot = hot_position(p, indices, o * p.inner + i);
      for (int64_t d = 0; d < p.depth; ++d)
        std::memcpy(out + static_cast<size_t>((o * p.depth + d) * p.inner + i) * p.value_bytes, d == hot ? on : off,
                    p.value_bytes);
    }
}

}  // namespace vigil::kernels
