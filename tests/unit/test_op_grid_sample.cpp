// GridSample: hand-computed points (bilinear corners and centre, zeros/border outside the image, nearest's
// round-half-to-even, multiple reflections, Keys' cubic weights), random tensors with 1, 2 and 3 spatial dims
// for every mode x padding x align_corners on every path against a float64 oracle written from the ONNX
// reference's structure (nested 1-D interpolation along one dim at a time, padding applied per integer
// index, reflection by repeated folding rather than the kernel's floor/fmod arithmetic), threads against
// the reference path, non-finite grid values, and the load errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/error.h"
#include "h2_op_harness.h"

using namespace h2test;

namespace {

struct Setting {
  const char* mode;
  const char* padding;
  int64_t align_corners;
};

Attributes sample_attrs(const Setting& s) {
  return attrs(
      {{"mode", std::string(s.mode)}, {"padding_mode", std::string(s.padding)}, {"align_corners", s.align_corners}});
}

float sample_one(const Tensor& x, std::vector<float> grid_point, const Setting& s) {
  Shape gs;
  gs.rank = x.shape().rank;
  gs[0] = 1;
  for (int d = 1; d < gs.rank - 1; ++d) gs[d] = 1;
  gs[gs.rank - 1] = static_cast<int64_t>(grid_point.size());
  const auto r = run_node(OpType::GridSample, {x, Tensor::from_f32(gs, grid_point)}, sample_attrs(s));
  return r.outputs[0].f32()[0];
}

// ---- the float64 oracle ----

// Folds x back into [lo, hi] one border at a time, as the spec describes it (x = -3.5 about -1 is 1.5, about 1
// is 0.5). Only for the modest coordinates of these tests.
double fold_into(double x, double lo, double hi) {
  if (hi <= lo) return lo;
  while (x < lo || x > hi) x = x < lo ? 2 * lo - x : 2 * hi - x;
  return x;
}

// The value of `plane` (row-major over dims[0..r)) at integer position idx along every dim, padding applied.
struct Oracle {
  const float* plane;
  std::vector<int64_t> dims;
  std::string padding;
  bool align;

  double lo(int) const { return align ? 0.0 : -0.5; }
  double hi(int d) const { return align ? static_cast<double>(dims[size_t(d)] - 1) : dims[size_t(d)] - 0.5; }

  // The index an integer position reads along dim d, or -1 for a zero.
  int64_t read_index(int d, int64_t i) const {
    const int64_t len = dims[size_t(d)];
    if (padding == "zeros") return (i < 0 || i >= len) ? -1 : i;
    if (padding == "border") return i < 0 ? 0 : (i >= len ? len - 1 : i);
    const double f = fold_into(static_cast<double>(i), lo(d), hi(d));
    return std::min<int64_t>(len - 1, static_cast<int64_t>(f));
  }

  double pixel(const std::vector<int64_t>& idx) const {
    int64_t offset = 0;
    for (size_t d = 0; d < dims.size(); ++d) {
      const int64_t i = read_index(static_cast<int>(d), idx[d]);
      if (i < 0) return 0;
      offset = offset * dims[d] + i;
    }
    return plane[offset];
  }

  // Interpolates dims [d, r) at coordinates x[d..], the leading indices fixed in idx.
  double interpolate(const std::string& mode, const std::vector<double>& x, size_t d, std::vector<int64_t>& idx) const {
    if (d == dims.size()) return pixel(idx);
    if (mode == "nearest") {
      idx[d] = static_cast<int64_t>(x[d]);
      return interpolate(mode, x, d + 1, idx);
    }
    // Every integer tap within the kernel's support, weighted by the kernel at its distance.
    const int64_t reach = mode == "linear" ? 1 : 2;
    const int64_t base = static_cast<int64_t>(std::floor(x[d]));
    double sum = 0;
    for (int64_t i = base - reach + 1; i <= base + reach; ++i) {
      const double dist = std::fabs(x[d] - static_cast<double>(i));
      double w;
      if (mode == "linear") {
        w = std::max(0.0, 1 - dist);
      } else {
        const double a = -0.75;
        w = dist <= 1 ? (a + 2) * dist * dist * dist - (a + 3) * dist * dist + 1
                      : a * dist * dist * dist - 5 * a * dist * dist + 8 * a * dist - 4 * a;
      }
      idx[d] = i;
      sum += w * interpolate(mode, x, d + 1, idx);
    }
    return sum;
  }
};

// Round half to even, without the C library's rounding-mode functions.
double round_half_even(double v) {
  const double f = std::floor(v), rest = v - f;
  if (rest > 0.5) return f + 1;
  if (rest < 0.5) return f;
  return std::fmod(f, 2.0) == 0 ? f : f + 1;
}

std::vector<float> oracle(const Tensor& x, const Tensor& grid, const Setting& s) {
  const Shape &xs = x.shape(), &gs = grid.shape();
  const int r = xs.rank - 2;
  const int64_t N = xs[0], C = xs[1], plane = xs.numel(2, xs.rank), points = gs.numel(1, gs.rank - 1);
  std::vector<float> out(static_cast<size_t>(N * C * points));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t q = 0; q < points; ++q) {
      std::vector<double> coord(static_cast<size_t>(r));
      Oracle o{nullptr, {}, s.padding, s.align_corners == 1};
      for (int d = 0; d < r; ++d) o.dims.push_back(xs[d + 2]);
      for (int d = 0; d < r; ++d) {
        const double g = grid.f32()[(n * points + q) * r + (r - 1 - d)];  // the last component is along d_r
        const double len = static_cast<double>(xs[d + 2]);
        double v = s.align_corners ? (g + 1) / 2 * (len - 1) : ((g + 1) * len - 1) / 2;
        if (std::string(s.mode) == "nearest") v = round_half_even(v);
        if (std::string(s.mode) != "cubic" && (v < o.lo(d) || v > o.hi(d))) {  // cubic pads only its taps
          if (o.padding == "border") v = std::clamp(v, 0.0, len - 1);
          if (o.padding == "reflection") v = fold_into(v, o.lo(d), o.hi(d));
        }
        coord[size_t(d)] = v;
      }
      for (int64_t c = 0; c < C; ++c) {
        o.plane = x.f32() + (n * C + c) * plane;
        std::vector<int64_t> idx(static_cast<size_t>(r));
        out[static_cast<size_t>((n * C + c) * points + q)] = static_cast<float>(o.interpolate(s.mode, coord, 0, idx));
      }
    }
  return out;
}

const char* const kModes[] = {"linear", "nearest", "cubic"};
const char* const kPaddings[] = {"zeros", "border", "reflection"};

}  // namespace

TEST_CASE("grid sample: hand-computed bilinear points, inside and outside the image") {
  const Tensor x = Tensor::from_f32({1, 1, 2, 2}, std::vector<float>{1, 2, 3, 4});
  // align_corners 1: -1 and 1 are the corner pixels' centres; grid points are (x, y).
  CHECK(sample_one(x, {0, 0}, {"linear", "zeros", 1}) == doctest::Approx(2.5));
  CHECK(sample_one(x, {-1, -1}, {"linear", "zeros", 1}) == doctest::Approx(1));
  CHECK(sample_one(x, {1, -1}, {"linear", "zeros", 1}) == doctest::Approx(2));  // x right, y top
  CHECK(sample_one(x, {0.5f, 0}, {"linear", "zeros", 1}) == doctest::Approx(2.75));
  // align_corners 0: (-1, -1) is the outer corner, position (-0.5, -0.5): a quarter of pixel 1 with zeros,
  // pixel 1 itself with border or reflection.
  CHECK(sample_one(x, {-1, -1}, {"linear", "zeros", 0}) == doctest::Approx(0.25));
  CHECK(sample_one(x, {-1, -1}, {"linear", "border", 0}) == doctest::Approx(1));
  CHECK(sample_one(x, {-1, -1}, {"linear", "reflection", 0}) == doctest::Approx(1));
  // Far outside: 0 with zeros, the nearest corner with border.
  CHECK(sample_one(x, {5, 5}, {"linear", "zeros", 0}) == 0.0f);
  CHECK(sample_one(x, {5, -7}, {"linear", "border", 0}) == doctest::Approx(2));
}

TEST_CASE("grid sample: nearest rounds half to even, reflection folds repeatedly, cubic uses Keys' A = -0.75") {
  // Positions ((g + 1) * 4 - 1) / 2 = 0.5, 1.5, 2.5 for g = -0.5, 0, 0.5 (exact in float): 0, 2, 2.
  const Tensor row = Tensor::from_f32({1, 1, 1, 4}, std::vector<float>{10, 20, 30, 40});
  CHECK(sample_one(row, {-0.5f, 0}, {"nearest", "zeros", 0}) == 10.0f);
  CHECK(sample_one(row, {0.0f, 0}, {"nearest", "zeros", 0}) == 30.0f);
  CHECK(sample_one(row, {0.5f, 0}, {"nearest", "zeros", 0}) == 30.0f);
  CHECK(sample_one(row, {-0.75f, 0}, {"nearest", "zeros", 0}) == 10.0f);  // -0.5 rounds to -0
  // align_corners 1 over [1, 2, 3]: position g + 1. -1 folds to 1; 3 folds to 1; 4.5 folds about 2 to -0.5,
  // then about 0 to 0.5.
  const Tensor three = Tensor::from_f32({1, 1, 1, 3}, std::vector<float>{1, 2, 3});
  CHECK(sample_one(three, {-2, 0}, {"linear", "reflection", 1}) == doctest::Approx(2));
  CHECK(sample_one(three, {2, 0}, {"linear", "reflection", 1}) == doctest::Approx(2));
  CHECK(sample_one(three, {3.5f, 0}, {"linear", "reflection", 1}) == doctest::Approx(1.5));
  // Cubic at position 1.5 over [0, 0, 1, 0, 0] (align_corners 1: position 2 (g + 1)): taps 0..3 with weights
  // -0.09375, 0.59375, 0.59375, -0.09375; at an integer position the pixel itself.
  const Tensor spike = Tensor::from_f32({1, 1, 1, 5}, std::vector<float>{0, 0, 1, 0, 0});
  CHECK(sample_one(spike, {-0.25f, 0}, {"cubic", "zeros", 1}) == doctest::Approx(0.59375).epsilon(1e-7));
  CHECK(sample_one(spike, {-0.75f, 0}, {"cubic", "zeros", 1}) == doctest::Approx(-0.09375).epsilon(1e-7));
  CHECK(sample_one(spike, {0, 0}, {"cubic", "zeros", 1}) == 1.0f);
  // Cubic outside the image pads its taps, not the coordinate (PyTorch's values for these points): position
  // -0.5 over [1, 2, 3, 4, 5] (align_corners 1: 2 (g + 1)) reads taps -2..1 as 1, 1, 1, 2 with border and as
  // 3, 2, 1, 2 with reflection; position -2 reads tap -2 alone, reflected to index 2.
  const Tensor ramp = Tensor::from_f32({1, 1, 1, 5}, std::vector<float>{1, 2, 3, 4, 5});
  CHECK(sample_one(ramp, {-1.25f, 0}, {"cubic", "border", 1}) == doctest::Approx(0.90625).epsilon(1e-7));
  CHECK(sample_one(ramp, {-1.25f, 0}, {"cubic", "reflection", 1}) == doctest::Approx(1.3125).epsilon(1e-7));
  CHECK(sample_one(ramp, {-1.25f, 0}, {"cubic", "zeros", 1}) == doctest::Approx(0.40625).epsilon(1e-7));
  CHECK(sample_one(ramp, {-2, 0}, {"cubic", "reflection", 1}) == doctest::Approx(3));
  // A single row with align_corners 1: every y is that row (no division by a zero span in reflection).
  CHECK(sample_one(three, {0, 0.7f}, {"cubic", "reflection", 1}) == doctest::Approx(2));
}

TEST_CASE("grid sample: random tensors, 1 to 3 spatial dims, every mode, padding and align_corners, every path") {
  std::mt19937 rng(11);
  struct Case {
    Shape x, grid;
  };
  const Case cases[] = {
      {{2, 3, 7}, {2, 5, 1}},       {{1, 2, 5, 3}, {1, 4, 6, 2}},       {{2, 1, 1, 4}, {2, 3, 3, 2}},
      {{1, 3, 4, 1}, {1, 2, 5, 2}}, {{2, 2, 3, 4, 5}, {2, 2, 3, 2, 3}}, {{1, 1, 1, 1}, {1, 3, 2, 2}},
      {{1, 2, 9, 7}, {1, 5, 7, 2}},
  };
  for (const Case& k : cases)
    for (const char* mode : kModes)
      for (const char* padding : kPaddings)
        for (int64_t align : {0, 1}) {
          const Setting s{mode, padding, align};
          const Tensor x = random_tensor(k.x, rng, -2, 2);
          Tensor grid = random_tensor(k.grid, rng, -1.8f, 1.8f);  // about a fifth of the points outside
          grid.mutable_f32()[0] = -1;                             // the exact edges
          grid.mutable_f32()[1 % grid.numel()] = 1;
          const std::vector<float> want = oracle(x, grid, s);
          for (KernelPath path : supported_kernel_paths()) {
            CAPTURE(k.x.str());
            CAPTURE(mode);
            CAPTURE(padding);
            CAPTURE(align);
            CAPTURE(kernel_path_name(path));
            const auto r = run_node(OpType::GridSample, {x, grid}, sample_attrs(s), 1, 1, path);
            REQUIRE(r.outputs[0].numel() == static_cast<int64_t>(want.size()));
            double worst = 0;
            for (size_t i = 0; i < want.size(); ++i)
              worst = std::max(worst, std::fabs(double(r.outputs[0].f32()[i]) - want[i]) / (1 + std::fabs(want[i])));
            CHECK(worst <= 1e-6);
            CHECK(r.run_allocations == 0);
          }
        }
}

TEST_CASE("grid sample: output points split over 2 threads equal the reference path exactly") {
  std::mt19937 rng(12);
  const Tensor x = random_tensor({2, 5, 13, 11}, rng);
  const Tensor grid = random_tensor({2, 41, 43, 2}, rng, -1.3f, 1.3f);  // 17630 outputs: split over the threads
  for (const char* mode : kModes) {
    const Setting s{mode, "reflection", 0};
    const auto want = run_node(OpType::GridSample, {x, grid}, sample_attrs(s), 1, 1, KernelPath::Reference);
    for (KernelPath path : supported_kernel_paths()) {
      CAPTURE(mode);
      CAPTURE(kernel_path_name(path));
      const auto got = run_node(OpType::GridSample, {x, grid}, sample_attrs(s), 1, 2, path);
      CHECK(values_of(got.outputs[0]) == values_of(want.outputs[0]));
    }
  }
}

TEST_CASE("grid sample: NaN grid values give NaN, infinities are far outside (NaN with reflection)") {
  const Tensor x = Tensor::from_f32({1, 1, 2, 2}, std::vector<float>{1, 2, 3, 4});
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  for (const char* padding : kPaddings)
    for (const char* mode : kModes) {
      CAPTURE(padding);
      CAPTURE(mode);
      CHECK(std::isnan(sample_one(x, {nan, 0}, {mode, padding, 0})));
    }
  CHECK(sample_one(x, {inf, -inf}, {"linear", "zeros", 0}) == 0.0f);
  CHECK(sample_one(x, {inf, -inf}, {"cubic", "border", 1}) == doctest::Approx(2));
  CHECK(sample_one(x, {-inf, inf}, {"nearest", "border", 0}) == 3.0f);
  CHECK(std::isnan(sample_one(x, {inf, 0}, {"linear", "reflection", 0})));
}

TEST_CASE("grid sample: load errors name the node") {
  auto err = [](const std::vector<Shape>& shapes, const Attributes& a = {}) {
    const std::string e = load_error(OpType::GridSample, shapes, a);
    CHECK(e.find(kNodeName) != std::string::npos);
    return e;
  };
  CHECK(err({{2, 3}, {2, 3}}).find("rank >= 3") != std::string::npos);
  CHECK(err({{1, 2, 4, 4}, {2, 3, 3, 2}}).find("grid must have shape [1, D1..D2, 2]") != std::string::npos);
  CHECK(err({{1, 2, 4, 4}, {1, 3, 3, 3}}).find("grid must have shape") != std::string::npos);
  CHECK(err({{1, 2, 4, 4}, {1, 3, 2}}).find("got [1,3,2]") != std::string::npos);
  CHECK(err({{1, 2, 4, 4}, {1, 3, 3, 2}}, attrs({{"mode", std::string("bilinear")}})).find("mode 'bilinear'") !=
        std::string::npos);
  CHECK(err({{1, 2, 4, 4}, {1, 3, 3, 2}}, attrs({{"padding_mode", std::string("wrap")}}))
            .find("padding_mode 'wrap' is not one of zeros, border, reflection") != std::string::npos);
  CHECK(err({{1, 2, 4, 4}, {1, 3, 3, 2}}, attrs({{"align_corners", int64_t{2}}})).find("align_corners") !=
        std::string::npos);
}
