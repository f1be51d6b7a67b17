#include <cstring>

#include "kernels/broadcast_odometer.h"
#include "kernels/where/where.h"

namespace vigil::kernels {

void where_reference(const WhereParams& p, const uint8_t* cond, const void* x, const void* y_else, void* out,
                     int64_t begin, int64_t end) {
  const auto* xb = static_cast<const unsigned char*>(x);
  const auto* yb = static_cast<const unsigned char*>(y_else);
  auto* ob = static_cast<unsigned char*>(out);
  const auto size = static_cast<int64_t>(p.elem_bytes);
  BroadcastOdometer<3, kWhereMaxRank> at(p.rank, p.out_dims, {p.cond_strides, p.x_strides, p.else_strides}, begin);
  for (int64_t i = begin; i < end; ++i, at.advance()) {
    // A copy of the selected element's bytes (no arithmetic, so NaN payloads survive too).
    const unsigned char* src = cond[at.offset(0)] != 0 ? xb + at.offset(1) * size : yb + at.offset(2) * size;
    std::memcpy(ob + i * size, src, static_cast<size_t>(size));
  }
}

}  // namespace vigil::kernels
