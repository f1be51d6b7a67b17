// Elementwise selection with numpy broadcasting of three inputs (ONNX Where): y = condition ? x : y_else. The
// condition is one byte per element (bool: 0 is false, anything else true); the values are elements of
// `elem_bytes` bytes (f32, i64, i32, i8, u8, bool) and are copied, never computed, so -0, infinities and NaN
// pass through bit for bit.
#pragma once

#include <cstdint>

namespace vigil::kernels {

inline constexpr int kWhereMaxRank = 6;

struct WhereParams {
  int rank = 0;                              // output rank; 0 = a scalar
  int64_t out_dims[kWhereMaxRank] = {};      // output shape
  int64_t cond_strides[kWhereMaxRank] = {};  // element strides per output dim (0 where broadcast)
  int64_t x_strides[kWhereMaxRank] = {};     // (kernels/binary's broadcast_strides computes them)
  int64_t else_strides[kWhereMaxRank] = {};
  int elem_bytes = 4;  // of x, y_else and out: 1, 2, 4 or 8
};

// out[i] = cond[c(i)] ? x[a(i)] : y_else[b(i)] for the output elements i in [begin, end) (row-major over
// out_dims), so that callers can split the output between threads.
void where_reference(const WhereParams& p, const uint8_t* cond, const void* x, const void* y_else, void* out,
                     int64_t begin, int64_t end);

}  // namespace vigil::kernels
