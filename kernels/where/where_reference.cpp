#include <cstring>

#include "kernels/where/where.h"

namespace vigil::kernels {

void where_reference(const WhereParams& p, const uint8_t* cond, const void* x, const void* y_else, void* out,
                     int64_t begin, int64_t end) {
  const auto* xb = static_cast<const unsigned char*>(x);
  const auto* yb = static_cast<const unsigned char*>(y_else);
  auto* ob = static_cast<unsigned char*>(out);
  const auto size = static_cast<int64_t>(p.elem_bytes);
  // An odometer over the output dims, started at `begin`, with the three source offsets carried along.
  int64_t index[kWhereMaxRank] = {};
  int64_t oc = 0, ox = 0, oy = 0;
  int64_t rest = begin;
  for (int d = p.rank - 1; d >= 0; --d) {
    index[d] = rest % p.out_dims[d];
    rest /= p.out_dims[d];
    oc += index[d] * p.cond_strides[d];
    ox += index[d] * p.x_strides[d];
    oy += index[d] * p.else_strides[d];
  }
  for (int64_t i = begin; i < end; ++i) {
    // A copy of the selected element's bytes (no arithmetic, so NaN payloads survive too).
    std::memcpy(ob + i * size, cond[oc] != 0 ? xb + ox * size : yb + oy * size, static_cast<size_t>(size));
    for (int d = p.rank - 1; d >= 0; --d) {
      oc += p.cond_strides[d];
      ox += p.x_strides[d];
      oy += p.else_strides[d];
      if (++index[d] < p.out_dims[d]) break;
      oc -= p.cond_strides[d] * p.out_dims[d];
      ox -= p.x_strides[d] * p.out_dims[d];
      oy -= p.else_strides[d] * p.out_dims[d];
      index[d] = 0;
    }
  }
}

}  // namespace vigil::kernels
