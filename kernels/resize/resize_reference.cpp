#include <algorithm>
#include <cmath>

#include "kernels/resize/resize.h"

namespace vigil::kernels {

double resize_source_coordinate(ResizeCoordMode coord, int64_t x_out, double scale, int64_t in_len, int64_t out_len) {
  const double x = static_cast<double>(x_out);
  switch (coord) {
    case ResizeCoordMode::HalfPixel:
      return (x + 0.5) / scale - 0.5;
    case ResizeCoordMode::Asymmetric:
      return x / scale;
    case ResizeCoordMode::AlignCorners: {
      // ONNX divides by the unrounded resized length in_len * scale (2.4 when 3 is scaled by 0.8, although
      // the output has 2 cells); with sizes, scale = out_len / in_len and that length is out_len.
      const double resized = static_cast<double>(in_len) * scale;
      const double length =
          std::fabs(resized - static_cast<double>(out_len)) < 1e-9 ? static_cast<double>(out_len) : resized;
      return length == 1.0 ? 0.0 : x * static_cast<double>(in_len - 1) / (length - 1.0);
    }
    case ResizeCoordMode::PytorchHalfPixel:
      return out_len == 1 ? 0.0 : (x + 0.5) / scale - 0.5;
    case ResizeCoordMode::TfHalfPixelForNn:
      return (x + 0.5) / scale;
    case ResizeCoordMode::HalfPixelSymmetric: {
      const double adjustment = static_cast<double>(out_len) / (static_cast<double>(in_len) * scale);
      const double offset = static_cast<double>(in_len) / 2.0 * (1.0 - adjustment);
      return offset + (x + 0.5) / scale - 0.5;
    }
  }
  return 0.0;
}

int64_t resize_nearest_index(ResizeNearestMode mode, double x, int64_t in_len) {
  double r = 0.0;
  switch (mode) {
    case ResizeNearestMode::RoundPreferFloor:
      r = std::ceil(x - 0.5);
      break;  // ties go down
    case ResizeNearestMode::RoundPreferCeil:
      r = std::floor(x + 0.5);
      break;  // ties go up
    case ResizeNearestMode::Floor:
      r = std::floor(x);
      break;
    case ResizeNearestMode::Ceil:
      r = std::ceil(x);
      break;
  }
  // Clamp in double first: a far-out coordinate must not overflow the integer conversion.
  r = std::clamp(r, 0.0, static_cast<double>(in_len - 1));
  return static_cast<int64_t>(r);
}

LinearTap resize_linear_tap(double x, int64_t in_len) {
  const double x0 = std::floor(x);
  const double w1 = x - x0;
  const double last = static_cast<double>(in_len - 1);
  return {static_cast<int64_t>(std::clamp(x0, 0.0, last)), static_cast<int64_t>(std::clamp(x0 + 1.0, 0.0, last)),
          1.0 - w1, w1};
}

CubicTap resize_cubic_tap(double x, int64_t in_len, double a, bool exclude_outside) {
  const double x0 = std::floor(x), r = x - x0;
  // Keys' kernel at the distances of the four taps x0 - 1, x0, x0 + 1, x0 + 2 from x.
  auto near = [a](double d) { return ((a + 2.0) * d - (a + 3.0)) * d * d + 1.0; };
  auto far = [a](double d) { return ((a * d - 5.0 * a) * d + 8.0 * a) * d - 4.0 * a; };
  const double w[4] = {far(r + 1.0), near(r), near(1.0 - r), far(2.0 - r)};
  CubicTap t;
  double sum = 0.0;
  const double last = static_cast<double>(in_len - 1);
  for (int k = 0; k < 4; ++k) {
    const double index = x0 - 1.0 + k;  // in double: a far-out coordinate must not overflow
    const bool outside = index < 0.0 || index > last;
    t.w[k] = exclude_outside && outside ? 0.0 : w[k];
    t.i[k] = static_cast<int64_t>(std::clamp(index, 0.0, last));
    sum += t.w[k];
  }
  if (exclude_outside)
    for (double& wk : t.w) wk /= sum;
  return t;
}

namespace {

void resize_nearest(const ResizeParams& p, const float* in, float* out) {
  const int r = p.rank;
  int64_t in_stride[kResizeMaxRank];
  int64_t s = 1;
  for (int d = r - 1; d >= 0; --d) {
    in_stride[d] = s;
    s *= p.in_dims[d];
  }
  int64_t total = 1;
  for (int d = 0; d < r; ++d) total *= p.out_dims[d];
  int64_t index[kResizeMaxRank] = {};
  for (int64_t i = 0; i < total; ++i) {
    int64_t src = 0;
    for (int d = 0; d < r; ++d) {
      const double x = resize_source_coordinate(p.coord, index[d], p.scales[d], p.in_dims[d], p.out_dims[d]);
      src += resize_nearest_index(p.nearest, x, p.in_dims[d]) * in_stride[d];
    }
    out[i] = in[src];
    for (int d = r - 1; d >= 0; --d) {
      if (++index[d] < p.out_dims[d]) break;
      index[d] = 0;
    }
  }
}

// Bilinear over the last two dims, every leading dim copied through (its size does not change).
void resize_linear(const ResizeParams& p, const float* in, float* out) {
  const int r = p.rank;
  const int64_t in_h = p.in_dims[r - 2], in_w = p.in_dims[r - 1];
  const int64_t out_h = p.out_dims[r - 2], out_w = p.out_dims[r - 1];
  int64_t planes = 1;
  for (int d = 0; d < r - 2; ++d) planes *= p.in_dims[d];
  for (int64_t plane = 0; plane < planes; ++plane) {
    const float* src = in + plane * in_h * in_w;
    float* dst = out + plane * out_h * out_w;
    for (int64_t y = 0; y < out_h; ++y) {
      const LinearTap ty = resize_linear_tap(resize_source_coordinate(p.coord, y, p.scales[r - 2], in_h, out_h), in_h);
      for (int64_t x = 0; x < out_w; ++x) {
        const LinearTap tx =
            resize_linear_tap(resize_source_coordinate(p.coord, x, p.scales[r - 1], in_w, out_w), in_w);
        const float* row0 = src + ty.i0 * in_w;
        const float* row1 = src + ty.i1 * in_w;
        const double top = tx.w0 * row0[tx.i0] + tx.w1 * row0[tx.i1];
        const double bottom = tx.w0 * row1[tx.i0] + tx.w1 * row1[tx.i1];
        dst[y * out_w + x] = static_cast<float>(ty.w0 * top + ty.w1 * bottom);
      }
    }
  }
}

// Bicubic over the last two dims: 4 x 4 taps, summed in double, rounded once.
void resize_cubic(const ResizeParams& p, const float* in, float* out) {
  const int r = p.rank;
  const int64_t in_h = p.in_dims[r - 2], in_w = p.in_dims[r - 1];
  const int64_t out_h = p.out_dims[r - 2], out_w = p.out_dims[r - 1];
  int64_t planes = 1;
  for (int d = 0; d < r - 2; ++d) planes *= p.in_dims[d];
  for (int64_t plane = 0; plane < planes; ++plane) {
    const float* src = in + plane * in_h * in_w;
    float* dst = out + plane * out_h * out_w;
    for (int64_t y = 0; y < out_h; ++y) {
      const CubicTap ty = resize_cubic_tap(resize_source_coordinate(p.coord, y, p.scales[r - 2], in_h, out_h), in_h,
                                           p.cubic_coeff_a, p.exclude_outside);
      for (int64_t x = 0; x < out_w; ++x) {
        const CubicTap tx = resize_cubic_tap(resize_source_coordinate(p.coord, x, p.scales[r - 1], in_w, out_w), in_w,
                                             p.cubic_coeff_a, p.exclude_outside);
        double value = 0.0;
        for (int i = 0; i < 4; ++i) {
          const float* row = src + ty.i[i] * in_w;
          double across = 0.0;
          for (int j = 0; j < 4; ++j) across += tx.w[j] * row[tx.i[j]];
          value += ty.w[i] * across;
        }
        dst[y * out_w + x] = static_cast<float>(value);
      }
    }
  }
}

}  // namespace

void resize_reference(const ResizeParams& p, const float* in, float* out) {
  switch (p.mode) {
    case ResizeMode::Nearest:
      return resize_nearest(p, in, out);
    case ResizeMode::Linear:
      return resize_linear(p, in, out);
    case ResizeMode::Cubic:
      return resize_cubic(p, in, out);
  }
}

}  // namespace vigil::kernels
