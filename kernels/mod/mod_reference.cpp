#include <cmath>
#include <type_traits>

#include "kernels/broadcast_odometer.h"
#include "kernels/mod/mod.h"

namespace vigil::kernels {

namespace {

float remainder_of(float a, float b, bool fmod) {
  float r = std::fmod(a, b);
  if (fmod) return r;
  if (r != 0) {
    if ((r < 0) != (b < 0)) r += b;
  } else {
    r = std::copysign(0.0f, b);
  }
  return r;
}

template <typename T>
T remainder_of(T a, T b, bool fmod) {
  if (b == 0) return 0;  // see mod.h: integers never trap
  if constexpr (std::is_signed_v<T>) {
    if (b == T(-1)) return 0;  // a % -1 is 0, but the minimum value would overflow and trap
    T r = static_cast<T>(a % b);
    if (!fmod && r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
    return r;
  } else {
    return static_cast<T>(a % b);  // no signs: both rules agree
  }
}

template <typename T>
void mod_typed(const ModParams& p, const T* a, const T* b, T* y) {
  int64_t n = 1;
  for (int d = 0; d < p.rank; ++d) n *= p.out_dims[d];
  BroadcastOdometer<2, kModMaxRank> at(p.rank, p.out_dims, {p.a_strides, p.b_strides}, 0);
  for (int64_t i = 0; i < n; ++i, at.advance()) y[i] = remainder_of(a[at.offset(0)], b[at.offset(1)], p.fmod);
}

}  // namespace

void mod_reference(const ModParams& p, const void* a, const void* b, void* y) {
  switch (p.type) {
    case ElemType::F32:
      return mod_typed(p, static_cast<const float*>(a), static_cast<const float*>(b), static_cast<float*>(y));
    case ElemType::I64:
      return mod_typed(p, static_cast<const int64_t*>(a), static_cast<const int64_t*>(b), static_cast<int64_t*>(y));
    case ElemType::I32:
      return mod_typed(p, static_cast<const int32_t*>(a), static_cast<const int32_t*>(b), static_cast<int32_t*>(y));
    case ElemType::I8:
      return mod_typed(p, static_cast<const int8_t*>(a), static_cast<const int8_t*>(b), static_cast<int8_t*>(y));
    case ElemType::U8:
      return mod_typed(p, static_cast<const uint8_t*>(a), static_cast<const uint8_t*>(b), static_cast<uint8_t*>(y));
    default:
      return;  // the op accepts no other type (engine/ops/mod.cpp)
  }
}

}  // namespace vigil::kernels
