// The row driver of resize_linear_fast / resize_cubic_fast, shared by their scalar, AVX2 and AVX-512 builds:
// walks the output rows, keeps the cache of horizontally filtered input rows, and hands each output row to
// the build's vertical pass. Included only by resize_separable*.cpp; everything here has internal linkage.
#pragma once

#include <cstdint>

#include "kernels/resize/resize_separable.h"

namespace vigil::kernels {
namespace {

// How the reference starts its sums: cubic's loops from 0.0 (which turns a -0 first product into +0),
// linear's two-product expressions from the first product.
template <int Taps>
inline constexpr bool kResizeSumsFromZero = Taps == 4;

// Passes::horizontal(row, plan, h): h[x] = the reference's row sum of row at output column x, for
// x < plan.padded_w. Passes::vertical(h, w, out, out_w): out[x] = the reference's output from the Taps row
// sums h[k][x] and row weights w[k], for x < out_w.
template <class Passes, int Taps>
void resize_separable_rows_with(const ResizeParams& p, const ResizeSeparablePlan<Taps>& plan, const float* in,
                                float* out, int64_t row_begin, int64_t row_end, double* work) {
  static_assert(Taps == 2 || Taps == 4, "the cache slot of row r is r % Taps");
  const int r = p.rank;
  const int64_t in_h = p.in_dims[r - 2], in_w = p.in_dims[r - 1], out_h = p.out_dims[r - 2], out_w = p.out_dims[r - 1];
  const int64_t pw = plan.padded_w;
  int64_t plane = -1;
  int64_t cached[Taps];  // the input row each cache slot holds (of `plane`)
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t row_plane = row / out_h, y = row % out_h;
    if (row_plane != plane) {
      plane = row_plane;
      for (int64_t& c : cached) c = -1;
    }
    const float* src = in + plane * in_h * in_w;
    const ResizeRowTaps<Taps>& ty = plan.rows[static_cast<size_t>(y)];
    // The taps' rows are clamps of Taps consecutive integers (each clamped value is itself one of them), so
    // distinct rows have distinct residues mod Taps and one output row's rows never evict each other.
    const double* h[Taps];
    for (int k = 0; k < Taps; ++k) {
      const int64_t source = ty.i[k], s = source % Taps;
      double* slot = work + s * pw;
      if (cached[s] != source) {
        Passes::horizontal(src + source * in_w, plan, slot);
        cached[s] = source;
      }
      h[k] = slot;
    }
    Passes::vertical(h, ty.w, out + row * out_w, out_w);
  }
}

}  // namespace
}  // namespace vigil::kernels
