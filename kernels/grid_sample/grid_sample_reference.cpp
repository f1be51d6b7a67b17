// The definition of GridSample (grid_sample.h), one output point at a time: the per-dim taps are worked out
// once per point, their tensor product once per point, and every channel sums the same products.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/grid_sample/grid_sample.h"

namespace vigil::kernels {

namespace {

constexpr int kMaxTaps = 4;
constexpr int kMaxProducts = 256;  // 4^kGridSampleMaxSpatial

struct DimTaps {
  int count = 0;
  int64_t index[kMaxTaps] = {};  // -1: outside the input with zeros padding (reads 0)
  double weight[kMaxTaps] = {};
};

// Reflects x about lo and hi until it lies in [lo, hi] (ONNX's rule: the distance past a border, folded by
// the span, counted from the border an even number of folds leaves it at). Finite x only.
double reflect(double x, double lo, double hi) {
  const double span = hi - lo;
  if (span <= 0) return lo;  // a single pixel with align_corners: every position is its centre
  if (x >= lo && x <= hi) return x;
  const double past = x < lo ? lo - x : x - hi;
  const double folds = std::floor(past / span);
  const double rest = std::clamp(past - folds * span, 0.0, span);
  const bool even = std::fmod(folds, 2.0) == 0;
  if (x < lo) return even ? lo + rest : hi - rest;
  return even ? hi - rest : lo + rest;
}

// The input index an integer tap position reads, or -1 for a zero.
int64_t tap_index(double position, int64_t len, GridSamplePadding padding, double lo, double hi) {
  switch (padding) {
    case GridSamplePadding::Zeros:
      return position >= 0 && position < static_cast<double>(len) ? static_cast<int64_t>(position) : -1;
    case GridSamplePadding::Border:
      return static_cast<int64_t>(std::clamp(position, 0.0, static_cast<double>(len - 1)));
    case GridSamplePadding::Reflection:
      // Truncation as the reference's int(); the clamp only guards the last ulp.
      return std::clamp<int64_t>(static_cast<int64_t>(reflect(position, lo, hi)), 0, len - 1);
  }
  return -1;
}

// Keys' cubic convolution weights (A = -0.75) of the taps at distances 1 + t, t, 1 - t, 2 - t.
void cubic_weights(double t, double* w) {
  constexpr double a = -0.75;
  auto near = [](double d) { return ((a + 2) * d - (a + 3)) * d * d + 1; };       // d <= 1
  auto far = [](double d) { return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a; };  // 1 < d < 2
  w[0] = far(1 + t);
  w[1] = near(t);
  w[2] = near(1 - t);
  w[3] = far(2 - t);
}

// The taps of normalised position g along a dim of length len; false when the point has no value (NaN).
bool dim_taps(const GridSampleParams& p, double g, int64_t len, DimTaps& taps) {
  const double l = static_cast<double>(len);
  double x = p.align_corners ? (g + 1) / 2 * (l - 1) : ((g + 1) * l - 1) / 2;
  if (std::isnan(x)) return false;
  const double lo = p.align_corners ? 0.0 : -0.5, hi = p.align_corners ? l - 1 : l - 0.5;
  if (p.mode == GridSampleMode::Nearest) x = std::nearbyint(x);  // half to even (default rounding mode)
  if (p.padding == GridSamplePadding::Reflection && !std::isfinite(x)) return false;
  // Linear and nearest move an outside coordinate inside first; cubic pads only its taps (PyTorch, onnxruntime).
  if (p.mode != GridSampleMode::Cubic && (x < lo || x > hi)) {
    if (p.padding == GridSamplePadding::Border) x = std::clamp(x, 0.0, l - 1);
    if (p.padding == GridSamplePadding::Reflection) x = reflect(x, lo, hi);
  }
  // Beyond this every tap reads 0 (zeros) or the edge (border) anyway; keeps the index arithmetic in range.
  if (p.padding != GridSamplePadding::Reflection) x = std::clamp(x, -4.0, l + 3);
  if (p.mode == GridSampleMode::Nearest) {
    taps.count = 1;
    taps.index[0] = tap_index(std::trunc(x), len, p.padding, lo, hi);
    taps.weight[0] = 1;
    return true;
  }
  const double base = std::floor(x), t = x - base;
  if (p.mode == GridSampleMode::Linear) {
    taps.count = 2;
    taps.weight[0] = 1 - t;
    taps.weight[1] = t;
    for (int k = 0; k < 2; ++k) taps.index[k] = tap_index(base + k, len, p.padding, lo, hi);
    return true;
  }
  taps.count = 4;
  cubic_weights(t, taps.weight);
  for (int k = 0; k < 4; ++k) taps.index[k] = tap_index(base - 1 + k, len, p.padding, lo, hi);
  return true;
}

}  // namespace

int64_t grid_sample_points(const GridSampleParams& p) {
  int64_t points = 1;
  for (int d = 0; d < p.spatial; ++d) points *= p.out_dims[d];
  return points;
}

void grid_sample_reference(const GridSampleParams& p, const float* x, const float* grid, float* y, int64_t point_begin,
                           int64_t point_end) {
  const int r = p.spatial;
  const int64_t points = grid_sample_points(p);
  int64_t plane = 1;
  for (int d = 0; d < r; ++d) plane *= p.in_dims[d];
  DimTaps taps[kGridSampleMaxSpatial];
  int64_t offsets[kMaxProducts];
  double weights[kMaxProducts];
  for (int64_t np = point_begin; np < point_end; ++np) {
    const int64_t n = np / points, point = np % points;
    const float* g = grid + np * r;
    float* out = y + n * p.channels * points + point;
    bool defined = true;
    // Spatial dim d (d_1 first) is grid component r - 1 - d.
    for (int d = 0; d < r && defined; ++d) defined = dim_taps(p, g[r - 1 - d], p.in_dims[d], taps[d]);
    if (!defined) {
      for (int64_t c = 0; c < p.channels; ++c) out[c * points] = std::numeric_limits<float>::quiet_NaN();
      continue;
    }
    // The tensor product of the taps, skipping every product with a zero (outside) factor.
    int products = 0;
    int pick[kGridSampleMaxSpatial] = {};
    while (true) {
      int64_t offset = 0;
      double weight = 1;
      bool inside = true;
      for (int d = 0; d < r; ++d) {
        const int64_t i = taps[d].index[pick[d]];
        inside = inside && i >= 0;
        offset = offset * p.in_dims[d] + i;
        weight *= taps[d].weight[pick[d]];
      }
      if (inside) {
        offsets[products] = offset;
        weights[products] = weight;
        ++products;
      }
      int d = r - 1;
      while (d >= 0 && ++pick[d] == taps[d].count) pick[d--] = 0;
      if (d < 0) break;
    }
    const float* image = x + n * p.channels * plane;
    for (int64_t c = 0; c < p.channels; ++c) {
      const float* in = image + c * plane;
      double sum = 0;
      for (int k = 0; k < products; ++k) sum += weights[k] * static_cast<double>(in[offsets[k]]);
      out[c * points] = static_cast<float>(sum);
    }
  }
}

}  // namespace vigil::kernels
