#include <cstring>

#include "kernels/where/where.h"

namespace vigil::kernels {

void where_reference(const WhereParams& p, const uint8_t* cond, const float* x, const float* y_else, float* out) {
  int64_t total = 1;
  for (int d = 0; d < p.rank; ++d) total *= p.out_dims[d];
  // An odometer over the output dims with the three source offsets carried along.
  int64_t index[kWhereMaxRank] = {};
  int64_t oc = 0, ox = 0, oy = 0;
  for (int64_t i = 0; i < total; ++i) {
    // A copy of the selected float's bits (no arithmetic, so NaN payloads survive too).
    std::memcpy(out + i, cond[oc] != 0 ? x + ox : y_else + oy, sizeof(float));
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
