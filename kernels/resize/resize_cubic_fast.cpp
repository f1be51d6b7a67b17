// resize_cubic_fast: the plan, the ISA dispatch and the scalar build of the two passes (see the header).
#include "kernels/resize/resize_cubic_fast.h"

#include <cstddef>

#include "kernels/resize/resize_cubic_fast_impl.h"

namespace vigil::kernels {

namespace {

struct ScalarPasses {
  static void horizontal(const float* row, const ResizeCubicPlan& plan, double* h) {
    const int64_t pw = plan.padded_w;
    const int32_t* index = plan.col_index.data();
    const double* weight = plan.col_weight.data();
    for (int64_t x = 0; x < pw; ++x) {
      double across = 0.0;
      for (int k = 0; k < 4; ++k) across += weight[k * pw + x] * row[index[k * pw + x]];
      h[x] = across;
    }
  }
  static void vertical(const double* const* h, const double* w, float* out, int64_t out_w, int64_t) {
    for (int64_t x = 0; x < out_w; ++x) {
      double value = 0.0;
      for (int k = 0; k < 4; ++k) value += w[k] * h[k][x];
      out[x] = static_cast<float>(value);
    }
  }
};

}  // namespace

bool resize_cubic_fast_supported(const ResizeParams& p) {
  return p.mode == ResizeMode::Cubic && p.rank >= 2 && p.in_dims[p.rank - 1] < (int64_t{1} << 31);
}

int64_t resize_cubic_rows(const ResizeParams& p) {
  int64_t rows = p.out_dims[p.rank - 2];
  for (int d = 0; d < p.rank - 2; ++d) rows *= p.in_dims[d];
  return rows;
}

int64_t resize_cubic_workspace_doubles(const ResizeParams& p) {
  const int64_t out_w = p.out_dims[p.rank - 1];
  return 4 * ((out_w + kResizeCubicColumnPad - 1) / kResizeCubicColumnPad * kResizeCubicColumnPad);
}

void resize_cubic_build_plan(const ResizeParams& p, ResizeCubicPlan& plan) {
  const int r = p.rank;
  const int64_t in_h = p.in_dims[r - 2], in_w = p.in_dims[r - 1], out_h = p.out_dims[r - 2], out_w = p.out_dims[r - 1];
  const int64_t pw = (out_w + kResizeCubicColumnPad - 1) / kResizeCubicColumnPad * kResizeCubicColumnPad;
  plan.padded_w = pw;
  plan.rows.resize(static_cast<size_t>(out_h));
  for (int64_t y = 0; y < out_h; ++y)
    plan.rows[static_cast<size_t>(y)] = resize_cubic_tap(
        resize_source_coordinate(p.coord, y, p.scales[r - 2], in_h, out_h), in_h, p.cubic_coeff_a, p.exclude_outside);
  plan.col_index.assign(static_cast<size_t>(4 * pw), 0);
  plan.col_weight.assign(static_cast<size_t>(4 * pw), 0.0);
  for (int64_t x = 0; x < out_w; ++x) {
    const CubicTap t = resize_cubic_tap(resize_source_coordinate(p.coord, x, p.scales[r - 1], in_w, out_w), in_w,
                                        p.cubic_coeff_a, p.exclude_outside);
    for (int k = 0; k < 4; ++k) {
      plan.col_index[static_cast<size_t>(k * pw + x)] = static_cast<int32_t>(t.i[k]);
      plan.col_weight[static_cast<size_t>(k * pw + x)] = t.w[k];
    }
  }
}

void resize_cubic_fast(KernelIsa isa, const ResizeParams& p, const ResizeCubicPlan& plan, const float* in, float* out,
                       int64_t row_begin, int64_t row_end, double* work) {
  switch (isa) {
    case KernelIsa::Avx2:
      return resize_cubic_fast_avx2(p, plan, in, out, row_begin, row_end, work);
    case KernelIsa::Avx512:
      return resize_cubic_fast_avx512(p, plan, in, out, row_begin, row_end, work);
    case KernelIsa::Scalar:
      break;
  }
  resize_cubic_rows_with<ScalarPasses>(p, plan, in, out, row_begin, row_end, work);
}

}  // namespace vigil::kernels
