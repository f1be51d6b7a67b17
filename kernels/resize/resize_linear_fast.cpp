// resize_linear_fast: resize_reference's bilinear mode, bit for bit, with every output row's and column's
// taps computed once (at load) instead of once per output element: the per-element source coordinate (a
// division and a floor per axis) was most of the reference's ~9 ns per element. The arithmetic per element
// is the reference's, in double, in the same order.
#include "kernels/resize/resize.h"

namespace vigil::kernels {

int64_t resize_linear_planes(const ResizeParams& p) {
  int64_t planes = 1;
  for (int d = 0; d < p.rank - 2; ++d) planes *= p.in_dims[d];
  return planes;
}

void resize_linear_build_taps(const ResizeParams& p, LinearTap* rows, LinearTap* cols) {
  const int r = p.rank;
  const int64_t in_h = p.in_dims[r - 2], in_w = p.in_dims[r - 1], out_h = p.out_dims[r - 2], out_w = p.out_dims[r - 1];
  for (int64_t y = 0; y < out_h; ++y)
    rows[y] = resize_linear_tap(resize_source_coordinate(p.coord, y, p.scales[r - 2], in_h, out_h), in_h);
  for (int64_t x = 0; x < out_w; ++x)
    cols[x] = resize_linear_tap(resize_source_coordinate(p.coord, x, p.scales[r - 1], in_w, out_w), in_w);
}

void resize_linear_fast(const ResizeParams& p, const LinearTap* rows, const LinearTap* cols, const float* in,
                        float* out, int64_t plane_begin, int64_t plane_end) {
  const int r = p.rank;
  const int64_t in_h = p.in_dims[r - 2], in_w = p.in_dims[r - 1], out_h = p.out_dims[r - 2], out_w = p.out_dims[r - 1];
  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    const float* src = in + plane * in_h * in_w;
    float* dst = out + plane * out_h * out_w;
    for (int64_t y = 0; y < out_h; ++y) {
      const LinearTap ty = rows[y];
      const float* row0 = src + ty.i0 * in_w;
      const float* row1 = src + ty.i1 * in_w;
      float* d = dst + y * out_w;
      for (int64_t x = 0; x < out_w; ++x) {
        const LinearTap& tx = cols[x];
        const double top = tx.w0 * row0[tx.i0] + tx.w1 * row0[tx.i1];
        const double bottom = tx.w0 * row1[tx.i0] + tx.w1 * row1[tx.i1];
        d[x] = static_cast<float>(ty.w0 * top + ty.w1 * bottom);
      }
    }
  }
}

}  // namespace vigil::kernels
