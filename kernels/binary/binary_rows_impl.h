// binary_rows written once as plain loops the compiler vectorises; compiled in binary_rows.cpp (baseline),
// binary_rows_avx2.cpp and binary_rows_avx512.cpp with their ISA flags. Internal linkage throughout.
#pragma once

#include "kernels/binary/binary.h"

namespace vigil::kernels::binary_detail {
namespace {

template <class Op>
inline void row(Op op, int64_t n, const float* a, int64_t sa, const float* b, int64_t sb, float* y) {
  // The common layouts as separate loops: both inputs contiguous, or one of them one value for the row (a
  // per-channel scale or bias, a scalar). The same IEEE float operation per element as the reference.
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) y[i] = op(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; ++i) y[i] = op(a[i], bv);
  } else if (sa == 0 && sb == 1) {
    const float av = a[0];
    for (int64_t i = 0; i < n; ++i) y[i] = op(av, b[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = op(a[i * sa], b[i * sb]);
  }
}

template <class Op>
void rows(Op op, const BinaryParams& p, const float* a, const float* b, float* y, int64_t row_begin, int64_t row_end) {
  const int inner = p.rank - 1;
  const int64_t n = p.out_dims[inner], sa = p.a_strides[inner], sb = p.b_strides[inner];
  // The odometer over dims [0, inner) set to row_begin, then advanced row by row.
  int64_t index[kBinaryMaxRank] = {};
  int64_t offset_a = 0, offset_b = 0;
  for (int64_t d = inner - 1, r = row_begin; d >= 0; --d) {
    index[d] = r % p.out_dims[d];
    r /= p.out_dims[d];
    offset_a += index[d] * p.a_strides[d];
    offset_b += index[d] * p.b_strides[d];
  }
  for (int64_t r = row_begin; r < row_end; ++r) {
    row(op, n, a + offset_a, sa, b + offset_b, sb, y + r * n);
    for (int d = inner - 1; d >= 0; --d) {
      offset_a += p.a_strides[d];
      offset_b += p.b_strides[d];
      if (++index[d] < p.out_dims[d]) break;
      offset_a -= p.a_strides[d] * p.out_dims[d];
      offset_b -= p.b_strides[d] * p.out_dims[d];
      index[d] = 0;
    }
  }
}

// Max and Min as the reference computes them: NaN propagates (u != u is the NaN test without a library call; u + v
// is then that NaN), of equal values (0, -0) the second.
inline float max_propagating_nan(float u, float v) { return u != u || v != v ? u + v : (u > v ? u : v); }
inline float min_propagating_nan(float u, float v) { return u != u || v != v ? u + v : (u < v ? u : v); }

inline void binary_rows_impl(const BinaryParams& p, const float* a, const float* b, float* y, int64_t row_begin,
                             int64_t row_end) {
  if (p.rank == 0) {  // a scalar: one row of one element
    if (row_begin < row_end) y[0] = binary_apply_reference(p.op, {}, a[0], b[0]);
    return;
  }
  switch (p.op) {
    case BinaryOp::Add:
      return rows([](float u, float v) { return u + v; }, p, a, b, y, row_begin, row_end);
    case BinaryOp::Sub:
      return rows([](float u, float v) { return u - v; }, p, a, b, y, row_begin, row_end);
    case BinaryOp::Mul:
      return rows([](float u, float v) { return u * v; }, p, a, b, y, row_begin, row_end);
    case BinaryOp::Div:
      return rows([](float u, float v) { return u / v; }, p, a, b, y, row_begin, row_end);
    case BinaryOp::PRelu:
      return rows([](float u, float v) { return u < 0.0f ? u * v : u; }, p, a, b, y, row_begin, row_end);
    case BinaryOp::Pow:  // not vectorised: a call per element, as in the reference
      return rows([](float u, float v) { return binary_pow(u, v); }, p, a, b, y, row_begin, row_end);
    case BinaryOp::Max:
      return rows([](float u, float v) { return max_propagating_nan(u, v); }, p, a, b, y, row_begin, row_end);
    case BinaryOp::Min:
      return rows([](float u, float v) { return min_propagating_nan(u, v); }, p, a, b, y, row_begin, row_end);
  }
}

}  // namespace
}  // namespace vigil::kernels::binary_detail
