// The definition of RoiAlign (roi_align.h), one roi at a time. The samples of a bin along each axis are
// equally spaced, so the ones inside [-1, H] (or [-1, W]) form one run of indices: it is found by arithmetic
// (widened by one on each side, then every sample is still checked), which keeps the work bounded by the
// feature map even for an absurdly large roi, whose adaptive grid could have billions of samples.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/roi_align/roi_align.h"

namespace vigil::kernels {

namespace {

// Beyond this a roi is not a box in any feature map, and its sample indices would stop being exact integers.
constexpr double kMaxRoiCoordinate = 16777216.0;  // 2^24

// The samples of one bin along one axis: positions start + (k + 0.5) * bin / count for k in [0, count).
struct AxisBin {
  double start = 0, bin = 0, step = 0, count = 0;  // count: the grid size, exact in double even when huge
  int64_t first = 0, last = -1;                    // the candidate run [first, last], inside [0, count)
};

AxisBin axis_bin(double roi_start, double bin, double grid, int64_t p, int64_t dim) {
  AxisBin a;
  a.start = roi_start + static_cast<double>(p) * bin;
  a.bin = bin;
  a.step = bin / grid;
  a.count = grid;
  const double lo = -1, hi = static_cast<double>(dim);
  double first = 0, last = grid - 1;
  if (a.step != 0) {
    const double t1 = (lo - a.start) / a.step - 0.5, t2 = (hi - a.start) / a.step - 0.5;
    first = std::max(first, std::ceil(std::min(t1, t2)) - 1);
    last = std::min(last, std::floor(std::max(t1, t2)) + 1);
  }
  if (!(first <= last)) return a;  // empty (also when a bound is NaN)
  a.first = static_cast<int64_t>(first);
  a.last = static_cast<int64_t>(last);
  return a;
}

// One sample's bilinear neighbours along an axis; false when the sample is outside [-1, dim].
struct AxisSample {
  int64_t low = 0, high = 0;
  double frac = 0;  // weight of `high`
};

bool axis_sample(const AxisBin& a, int64_t k, int64_t dim, AxisSample& s) {
  double v = a.start + (static_cast<double>(k) + 0.5) * a.bin / a.count;
  if (v < -1 || v > static_cast<double>(dim)) return false;
  v = std::max(v, 0.0);
  s.low = static_cast<int64_t>(v);
  if (s.low >= dim - 1) {
    s.low = s.high = dim - 1;
    v = static_cast<double>(s.low);
  } else {
    s.high = s.low + 1;
  }
  s.frac = v - static_cast<double>(s.low);
  return true;
}

// max() that lets a NaN through (std::max would drop it depending on the argument order).
double max_nan(double a, double b) { return std::isnan(a) || a > b ? a : b; }

}  // namespace

void roi_align_reference(const RoiAlignParams& p, const float* x, const float* rois, const int64_t* batch_indices,
                         float* y, int64_t roi_begin, int64_t roi_end) {
  const int64_t plane = p.height * p.width, bins = p.out_height * p.out_width;
  for (int64_t r = roi_begin; r < roi_end; ++r) {
    float* out = y + r * p.channels * bins;
    const int64_t b = batch_indices[r];
    if (b < 0 || b >= p.batch) {
      std::fill(out, out + p.channels * bins, 0.0f);
      continue;
    }
    const double offset = p.half_pixel ? 0.5 : 0.0;
    const float* roi = rois + r * 4;
    const double start_x = roi[0] * p.spatial_scale - offset, start_y = roi[1] * p.spatial_scale - offset;
    const double end_x = roi[2] * p.spatial_scale - offset, end_y = roi[3] * p.spatial_scale - offset;
    auto usable = [](double v) { return std::abs(v) <= kMaxRoiCoordinate; };  // false for NaN too
    if (!usable(start_x) || !usable(start_y) || !usable(end_x) || !usable(end_y)) {
      std::fill(out, out + p.channels * bins, std::numeric_limits<float>::quiet_NaN());
      continue;
    }
    double roi_w = end_x - start_x, roi_h = end_y - start_y;
    if (!p.half_pixel) {  // output_half_pixel: a malformed roi is taken as 1 x 1
      roi_w = std::max(roi_w, 1.0);
      roi_h = std::max(roi_h, 1.0);
    }
    const double bin_h = roi_h / static_cast<double>(p.out_height), bin_w = roi_w / static_cast<double>(p.out_width);
    const double grid_h = p.sampling_ratio > 0 ? static_cast<double>(p.sampling_ratio) : std::ceil(bin_h);
    const double grid_w = p.sampling_ratio > 0 ? static_cast<double>(p.sampling_ratio) : std::ceil(bin_w);
    if (!(grid_h > 0 && grid_w > 0)) {  // no samples at all
      std::fill(out, out + p.channels * bins, 0.0f);
      continue;
    }
    const double samples = grid_h * grid_w;
    const float* image = x + b * p.channels * plane;
    for (int64_t ph = 0; ph < p.out_height; ++ph) {
      const AxisBin ay = axis_bin(start_y, bin_h, grid_h, ph, p.height);
      for (int64_t pw = 0; pw < p.out_width; ++pw) {
        const AxisBin ax = axis_bin(start_x, bin_w, grid_w, pw, p.width);
        for (int64_t c = 0; c < p.channels; ++c) {
          const float* in = image + c * plane;
          double sum = 0, best = 0;
          double inside = 0;  // samples inside the feature map
          for (int64_t iy = ay.first; iy <= ay.last; ++iy) {
            AxisSample sy;
            if (!axis_sample(ay, iy, p.height, sy)) continue;
            for (int64_t ix = ax.first; ix <= ax.last; ++ix) {
              AxisSample sx;
              if (!axis_sample(ax, ix, p.width, sx)) continue;
              const double w1 = (1 - sy.frac) * (1 - sx.frac), w2 = (1 - sy.frac) * sx.frac;
              const double w3 = sy.frac * (1 - sx.frac), w4 = sy.frac * sx.frac;
              const double v1 = in[sy.low * p.width + sx.low], v2 = in[sy.low * p.width + sx.high];
              const double v3 = in[sy.high * p.width + sx.low], v4 = in[sy.high * p.width + sx.high];
              if (p.mode == RoiAlignMode::Avg) {
                sum += w1 * v1 + w2 * v2 + w3 * v3 + w4 * v4;
              } else {
                const double v = max_nan(max_nan(max_nan(w1 * v1, w2 * v2), w3 * v3), w4 * v4);
                best = inside == 0 ? v : max_nan(best, v);
              }
              inside += 1;
            }
          }
          double value = 0;
          if (p.mode == RoiAlignMode::Avg)
            value = sum / samples;
          else if (inside > 0)
            value = inside < samples ? max_nan(best, 0.0) : best;  // an outside sample's value is 0
          out[(c * p.out_height + ph) * p.out_width + pw] = static_cast<float>(value);
        }
      }
    }
  }
}

}  // namespace vigil::kernels
