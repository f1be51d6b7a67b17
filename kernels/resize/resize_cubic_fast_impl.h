// The row driver of resize_cubic_fast, shared by its scalar, AVX2 and AVX-512 builds: walks the output rows,
// keeps the 4-row cache of horizontally filtered input rows, and hands each output row to the build's
// vertical pass. Included only by resize_cubic_fast*.cpp; everything here has internal linkage.
#pragma once

#include <cstdint>

#include "kernels/resize/resize_cubic_fast.h"

namespace vigil::kernels {
namespace {

// Passes::horizontal(row, plan, h): h[x] = sum_k w[k][x] * row[index[k][x]] for x < plan.padded_w, summed from
// 0.0 in k order in double (the reference's `across`). Passes::vertical(h, w, out, out_w, padded_w):
// out[x] = float(sum_k w[k] * h[k][x]) for x < out_w, likewise.
template <class Passes>
void resize_cubic_rows_with(const ResizeParams& p, const ResizeCubicPlan& plan, const float* in, float* out,
                            int64_t row_begin, int64_t row_end, double* work) {
  const int r = p.rank;
  const int64_t in_h = p.in_dims[r - 2], in_w = p.in_dims[r - 1], out_h = p.out_dims[r - 2], out_w = p.out_dims[r - 1];
  const int64_t pw = plan.padded_w;
  int64_t plane = -1;
  int64_t cached[4] = {-1, -1, -1, -1};  // the input row each cache slot holds (of `plane`)
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t row_plane = row / out_h, y = row % out_h;
    if (row_plane != plane) {
      plane = row_plane;
      for (int64_t& c : cached) c = -1;
    }
    const float* src = in + plane * in_h * in_w;
    const CubicTap& ty = plan.rows[static_cast<size_t>(y)];
    // The taps' rows are clamps of four consecutive integers, so distinct rows have distinct residues mod 4
    // and one output row's rows never evict each other.
    const double* h[4];
    for (int k = 0; k < 4; ++k) {
      const int64_t source = ty.i[k];
      double* slot = work + (source & 3) * pw;
      if (cached[source & 3] != source) {
        Passes::horizontal(src + source * in_w, plan, slot);
        cached[source & 3] = source;
      }
      h[k] = slot;
    }
    Passes::vertical(h, ty.w, out + row * out_w, out_w, pw);
  }
}

}  // namespace
}  // namespace vigil::kernels
