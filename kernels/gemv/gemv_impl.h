// gemv as plain loops the compiler vectorises over the columns; compiled in gemv.cpp (baseline),
// gemv_avx2.cpp and gemv_avx512.cpp with their ISA flags. Internal linkage.
#pragma once

#include <cstdint>

#include "kernels/gemv/gemv.h"

namespace vigil::kernels::gemv_detail {
namespace {

inline void gemv_impl(int64_t k, const float* a, const float* b, int64_t ldb, const float* c, float* y, int64_t j_begin,
                      int64_t j_end) {
  float acc[kGemvColumns];
  for (int64_t j0 = j_begin; j0 < j_end; j0 += kGemvColumns) {
    const int64_t n = j_end - j0 < kGemvColumns ? j_end - j0 : kGemvColumns;
    for (int64_t j = 0; j < n; ++j) acc[j] = 0.0f;
    for (int64_t q = 0; q < k; ++q) {
      const float av = a[q];
      const float* row = b + q * ldb + j0;
      for (int64_t j = 0; j < n; ++j) acc[j] += av * row[j];
    }
    if (c)
      for (int64_t j = 0; j < n; ++j) y[j0 + j] = acc[j] + c[j0 + j];
    else
      for (int64_t j = 0; j < n; ++j) y[j0 + j] = acc[j];
  }
}

}  // namespace
}  // namespace vigil::kernels::gemv_detail
