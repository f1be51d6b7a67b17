// resize_linear_fast / resize_cubic_fast: the plans, the ISA dispatch and the scalar build of the two passes
// (see the header).
#include "kernels/resize/resize_separable.h"

#include <cstddef>

#include "kernels/resize/resize_separable_impl.h"

namespace vigil::kernels {

namespace {

template <int Taps>
struct ScalarPasses {
  static void horizontal(const float* row, const ResizeSeparablePlan<Taps>& plan, double* h) {
    const int64_t pw = plan.padded_w;
    const int32_t* index = plan.col_index.data();
    const double* weight = plan.col_weight.data();
    for (int64_t x = 0; x < pw; ++x) {
      double sum = kResizeSumsFromZero<Taps> ? 0.0 + weight[x] * row[index[x]] : weight[x] * row[index[x]];
      for (int k = 1; k < Taps; ++k) sum += weight[k * pw + x] * row[index[k * pw + x]];
      h[x] = sum;
    }
  }
  static void vertical(const double* const* h, const double* w, float* out, int64_t out_w) {
    for (int64_t x = 0; x < out_w; ++x) {
      double sum = kResizeSumsFromZero<Taps> ? 0.0 + w[0] * h[0][x] : w[0] * h[0][x];
      for (int k = 1; k < Taps; ++k) sum += w[k] * h[k][x];
      out[x] = static_cast<float>(sum);
    }
  }
};

int64_t padded_width(const ResizeParams& p) {
  const int64_t out_w = p.out_dims[p.rank - 1];
  return (out_w + kResizeColumnPad - 1) / kResizeColumnPad * kResizeColumnPad;
}

// Fills the plan from tap(dim, output index) -> {indices, weights} of the mode.
template <int Taps, class TapOf>
void build_plan(const ResizeParams& p, ResizeSeparablePlan<Taps>& plan, TapOf tap_of) {
  const int r = p.rank;
  const int64_t out_h = p.out_dims[r - 2], out_w = p.out_dims[r - 1];
  const int64_t pw = padded_width(p);
  plan.padded_w = pw;
  plan.rows.resize(static_cast<size_t>(out_h));
  for (int64_t y = 0; y < out_h; ++y) plan.rows[static_cast<size_t>(y)] = tap_of(r - 2, y);
  plan.col_index.assign(static_cast<size_t>(Taps * pw), 0);
  plan.col_weight.assign(static_cast<size_t>(Taps * pw), 0.0);
  for (int64_t x = 0; x < out_w; ++x) {
    const ResizeRowTaps<Taps> t = tap_of(r - 1, x);
    for (int k = 0; k < Taps; ++k) {
      plan.col_index[static_cast<size_t>(k * pw + x)] = static_cast<int32_t>(t.i[k]);
      plan.col_weight[static_cast<size_t>(k * pw + x)] = t.w[k];
    }
  }
}

double source_coordinate(const ResizeParams& p, int d, int64_t x) {
  return resize_source_coordinate(p.coord, x, p.scales[d], p.in_dims[d], p.out_dims[d]);
}

}  // namespace

bool resize_separable_supported(const ResizeParams& p) {
  return (p.mode == ResizeMode::Linear || p.mode == ResizeMode::Cubic) && p.rank >= 2 &&
         p.in_dims[p.rank - 1] < (int64_t{1} << 31);
}

int64_t resize_separable_rows(const ResizeParams& p) {
  int64_t rows = p.out_dims[p.rank - 2];
  for (int d = 0; d < p.rank - 2; ++d) rows *= p.in_dims[d];
  return rows;
}

int64_t resize_separable_workspace_doubles(const ResizeParams& p) {
  return (p.mode == ResizeMode::Cubic ? 4 : 2) * padded_width(p);
}

void resize_linear_build_plan(const ResizeParams& p, ResizeLinearPlan& plan) {
  build_plan(p, plan, [&](int d, int64_t x) {
    const LinearTap t = resize_linear_tap(source_coordinate(p, d, x), p.in_dims[d]);
    return ResizeRowTaps<2>{{t.i0, t.i1}, {t.w0, t.w1}};
  });
}

void resize_cubic_build_plan(const ResizeParams& p, ResizeCubicPlan& plan) {
  build_plan(p, plan, [&](int d, int64_t x) {
    const CubicTap t = resize_cubic_tap(source_coordinate(p, d, x), p.in_dims[d], p.cubic_coeff_a, p.exclude_outside);
    return ResizeRowTaps<4>{{t.i[0], t.i[1], t.i[2], t.i[3]}, {t.w[0], t.w[1], t.w[2], t.w[3]}};
  });
}

void resize_linear_fast(KernelIsa isa, const ResizeParams& p, const ResizeLinearPlan& plan, const float* in, float* out,
                        int64_t row_begin, int64_t row_end, double* work) {
  switch (isa) {
    case KernelIsa::Avx2:
      return resize_linear_fast_avx2(p, plan, in, out, row_begin, row_end, work);
    case KernelIsa::Avx512:
      return resize_linear_fast_avx512(p, plan, in, out, row_begin, row_end, work);
    case KernelIsa::Scalar:
      break;
  }
  resize_separable_rows_with<ScalarPasses<2>>(p, plan, in, out, row_begin, row_end, work);
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
  resize_separable_rows_with<ScalarPasses<4>>(p, plan, in, out, row_begin, row_end, work);
}

}  // namespace vigil::kernels
