// ONNX Trilu: keeps the upper or the lower triangle of each matrix of a batch of [rows, cols] matrices and zeroes
// the rest. Element (i, j) lies on diagonal j - i; the upper triangle from diagonal k is j - i >= k, the lower one
// up to diagonal k is j - i <= k. Values are copied bit for bit (any element size); "zero" is all-zero bytes
// (+0.0, integer 0, false).
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil::kernels {

struct TriluParams {
  int64_t batch = 1;  // matrices
  int64_t rows = 1;
  int64_t cols = 1;
  int64_t k = 0;  // the diagonal that bounds the kept triangle (0: the main one; any value, also beyond the matrix)
  bool upper = true;
  size_t elem_bytes = 4;
};

void trilu_reference(const TriluParams& p, const void* x, void* y);

}  // namespace vigil::kernels
