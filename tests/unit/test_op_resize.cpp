// Resize: every coordinate_transformation_mode x nearest_mode combination on tiny hand-computed cases,
// linear (bilinear) by hand for each coordinate mode including borders and out_len = 1, PyTorch's and
// darknet's x2 nearest upsample, random shapes against an independent float64 implementation, every path
// on 1 and 2 threads against the reference path bit for bit (linear, cubic), and errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "engine/error.h"
#include "h2_op_harness.h"

using namespace h2test;

using V = std::vector<float>;
using I = std::vector<int64_t>;
using F = std::vector<float>;

namespace {

const std::vector<std::string> kCoordModes = {"half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel",
                                              "tf_half_pixel_for_nn"};
const std::vector<std::string> kNearestModes = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};

// Resizes a [1, n] iota along the last dim; nearest outputs then name the input index they read.
V resize_row(int64_t n, const Attributes& a) {
  auto r = run_node(OpType::Resize, {iota_tensor({1, n})}, a);
  CHECK(r.run_allocations == 0);
  return values_of(r.outputs[0]);
}

Attributes nearest(const std::string& coord, const std::string& rounding) {
  return attrs(
      {{"mode", std::string("nearest")}, {"coordinate_transformation_mode", coord}, {"nearest_mode", rounding}});
}

Attributes linear(const std::string& coord) {
  return attrs({{"mode", std::string("linear")}, {"coordinate_transformation_mode", coord}});
}

Attributes with(Attributes a, const char* key, vigil::AttrValue v) {
  a.set(key, std::move(v));
  return a;
}

void check_close(const V& got, const V& want, double tol = 1e-5) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(std::abs(static_cast<double>(got[i]) - want[i]) <= tol * (1 + std::abs(want[i])));
  }
}

}  // namespace

TEST_CASE("resize nearest: every coordinate mode x rounding mode, 4 -> 10 (scale 2.5)") {
  // Source coordinates by hand (x = 0..9):
  //   half_pixel / pytorch_half_pixel  (x+0.5)/2.5-0.5 = -0.3 0.1 0.5 0.9 1.3 1.7 2.1 2.5 2.9 3.3
  //   asymmetric                       x/2.5           =  0   0.4 0.8 1.2 1.6 2.0 2.4 2.8 3.2 3.6
  //   align_corners                    x*3/9           =  0  .33 .67  1  1.33 1.67 2 2.33 2.67 3
  //   tf_half_pixel_for_nn             (x+0.5)/2.5     = 0.2 0.6 1.0 1.4 1.8 2.2 2.6 3.0 3.4 3.8
  // then rounded per nearest_mode and clamped to [0, 3].
  const std::map<std::string, std::map<std::string, V>> want = {
      {"half_pixel",
       {{"round_prefer_floor", {0, 0, 0, 1, 1, 2, 2, 2, 3, 3}},
        {"round_prefer_ceil", {0, 0, 1, 1, 1, 2, 2, 3, 3, 3}},
        {"floor", {0, 0, 0, 0, 1, 1, 2, 2, 2, 3}},
        {"ceil", {0, 1, 1, 1, 2, 2, 3, 3, 3, 3}}}},
      {"asymmetric",
       {{"round_prefer_floor", {0, 0, 1, 1, 2, 2, 2, 3, 3, 3}},
        {"round_prefer_ceil", {0, 0, 1, 1, 2, 2, 2, 3, 3, 3}},
        {"floor", {0, 0, 0, 1, 1, 2, 2, 2, 3, 3}},
        {"ceil", {0, 1, 1, 2, 2, 2, 3, 3, 3, 3}}}},
      {"align_corners",
       {{"round_prefer_floor", {0, 0, 1, 1, 1, 2, 2, 2, 3, 3}},
        {"round_prefer_ceil", {0, 0, 1, 1, 1, 2, 2, 2, 3, 3}},
        {"floor", {0, 0, 0, 1, 1, 1, 2, 2, 2, 3}},
        {"ceil", {0, 1, 1, 1, 2, 2, 2, 3, 3, 3}}}},
      {"tf_half_pixel_for_nn",
       {{"round_prefer_floor", {0, 1, 1, 1, 2, 2, 3, 3, 3, 3}},
        {"round_prefer_ceil", {0, 1, 1, 1, 2, 2, 3, 3, 3, 3}},
        {"floor", {0, 0, 1, 1, 1, 2, 2, 3, 3, 3}},
        {"ceil", {1, 1, 1, 2, 2, 3, 3, 3, 3, 3}}}},
  };
  for (const std::string& coord : kCoordModes) {
    for (const std::string& rounding : kNearestModes) {
      CAPTURE(coord);
      CAPTURE(rounding);
      // pytorch_half_pixel equals half_pixel whenever the output length exceeds 1.
      const V& expected = want.at(coord == "pytorch_half_pixel" ? "half_pixel" : coord).at(rounding);
      CHECK(resize_row(4, with(nearest(coord, rounding), "scales", F{1, 2.5f})) == expected);
      CHECK(resize_row(4, with(nearest(coord, rounding), "sizes", I{1, 10})) == expected);  // same scale
    }
  }
}

TEST_CASE("resize nearest: downsampling, where scales and sizes give different coordinates") {
  // 5 -> 2 with scale 0.5 (floor(2.5) = 2): half_pixel coordinates (x+0.5)*2-0.5 = 0.5, 2.5 are ties.
  const std::map<std::string, std::map<std::string, V>> want = {
      {"half_pixel",
       {{"round_prefer_floor", {0, 2}}, {"round_prefer_ceil", {1, 3}}, {"floor", {0, 2}}, {"ceil", {1, 3}}}},
      {"asymmetric",
       {{"round_prefer_floor", {0, 2}}, {"round_prefer_ceil", {0, 2}}, {"floor", {0, 2}}, {"ceil", {0, 2}}}},
      {"align_corners",  // x * 4 / (2.5 - 1): ONNX divides by the unrounded length 5 * 0.5 = 2.5 -> 0, 2.67
       {{"round_prefer_floor", {0, 3}}, {"round_prefer_ceil", {0, 3}}, {"floor", {0, 2}}, {"ceil", {0, 3}}}},
      {"tf_half_pixel_for_nn",  // (x+0.5)*2 = 1, 3
       {{"round_prefer_floor", {1, 3}}, {"round_prefer_ceil", {1, 3}}, {"floor", {1, 3}}, {"ceil", {1, 3}}}},
  };
  for (const std::string& coord : kCoordModes)
    for (const std::string& rounding : kNearestModes) {
      CAPTURE(coord);
      CAPTURE(rounding);
      CHECK(resize_row(5, with(nearest(coord, rounding), "scales", F{1, 0.5f})) ==
            want.at(coord == "pytorch_half_pixel" ? "half_pixel" : coord).at(rounding));
    }
  // sizes = 2 means scale 2/5: half_pixel coordinates (x+0.5)*2.5-0.5 = 0.75, 3.25.
  CHECK(resize_row(5, with(nearest("half_pixel", "round_prefer_floor"), "sizes", I{1, 2})) == V{1, 3});
  CHECK(resize_row(5, with(nearest("half_pixel", "floor"), "sizes", I{1, 2})) == V{0, 3});
  CHECK(resize_row(5, with(nearest("asymmetric", "floor"), "sizes", I{1, 2})) == V{0, 2});  // x*2.5 = 0, 2.5
  CHECK(resize_row(5, with(nearest("asymmetric", "ceil"), "sizes", I{1, 2})) == V{0, 3});
}

TEST_CASE("resize nearest: an output length of 1") {
  // 4 -> 1 (scale 1/4): half_pixel gives (0.5)*4-0.5 = 1.5; pytorch_half_pixel and align_corners give 0;
  // asymmetric 0; tf_half_pixel_for_nn 0.5*4 = 2.
  auto one = [](const std::string& coord, const std::string& rounding) {
    return resize_row(4, with(nearest(coord, rounding), "sizes", I{1, 1}));
  };
  CHECK(one("half_pixel", "round_prefer_floor") == V{1});
  CHECK(one("half_pixel", "round_prefer_ceil") == V{2});
  CHECK(one("pytorch_half_pixel", "round_prefer_ceil") == V{0});
  CHECK(one("align_corners", "ceil") == V{0});
  CHECK(one("asymmetric", "ceil") == V{0});
  CHECK(one("tf_half_pixel_for_nn", "floor") == V{2});
}

TEST_CASE("resize nearest x2 reproduces PyTorch's and darknet's upsample") {
  // PyTorch nn.Upsample(scale_factor=2, mode='nearest') and darknet [upsample] stride=2 both compute
  // out[y][x] = in[y/2][x/2]; the ONNX export is asymmetric + floor, and the ONNX defaults agree at x2.
  std::mt19937 rng(3);
  const Tensor x = random_tensor({2, 3, 5, 7}, rng);
  const std::vector<Attributes> variants = {
      with(nearest("asymmetric", "floor"), "scales", F{1, 1, 2, 2}),
      with(nearest("asymmetric", "floor"), "sizes", I{2, 3, 10, 14}),
      with(attrs({}), "scales", F{1, 1, 2, 2}),  // half_pixel + round_prefer_floor
  };
  for (const Attributes& a : variants) {
    auto r = run_node(OpType::Resize, {x}, a);
    REQUIRE(r.outputs[0].shape() == Shape{2, 3, 10, 14});
    int mismatches = 0;
    for (int64_t nc = 0; nc < 6; ++nc)
      for (int64_t y = 0; y < 10; ++y)
        for (int64_t xx = 0; xx < 14; ++xx)
          mismatches += r.outputs[0].f32()[(nc * 10 + y) * 14 + xx] != x.f32()[(nc * 5 + y / 2) * 7 + xx / 2];
    CHECK(mismatches == 0);
  }
}

TEST_CASE("resize linear: 2x2 -> 4x4 by hand for each coordinate mode") {
  const Tensor x = Tensor::from_f32({1, 1, 2, 2}, V{1, 2, 3, 4});
  auto run = [&](const std::string& coord) {
    return values_of(run_node(OpType::Resize, {x}, with(linear(coord), "scales", F{1, 1, 2, 2})).outputs[0]);
  };
  // half_pixel: coordinates -0.25 0.25 0.75 1.25 -> weights on (in0, in1): (1,0) (.75,.25) (.25,.75) (0,1).
  const V half = {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4};
  check_close(run("half_pixel"), half);
  check_close(run("pytorch_half_pixel"), half);
  // align_corners: coordinates 0 1/3 2/3 1 -> out = 1 + x/3 + 2y/3.
  V corners;
  for (int y = 0; y < 4; ++y)
    for (int xx = 0; xx < 4; ++xx)
      corners.push_back(1.0f + static_cast<float>(xx) / 3 + 2.0f * static_cast<float>(y) / 3);
  check_close(run("align_corners"), corners);
  // asymmetric: coordinates 0 0.5 1 1.5 (the last clamps to the border) -> g = 0 .5 1 1, out = 1 + g(x) + 2 g(y).
  const float g[] = {0, 0.5f, 1, 1};
  V asym;
  for (int y = 0; y < 4; ++y)
    for (int xx = 0; xx < 4; ++xx) asym.push_back(1 + g[xx] + 2 * g[y]);
  check_close(run("asymmetric"), asym);
  // tf_half_pixel_for_nn: coordinates 0.25 0.75 1.25 1.75 -> g = .25 .75 1 1.
  const float t[] = {0.25f, 0.75f, 1, 1};
  V tf;
  for (int y = 0; y < 4; ++y)
    for (int xx = 0; xx < 4; ++xx) tf.push_back(1 + t[xx] + 2 * t[y]);
  check_close(run("tf_half_pixel_for_nn"), tf);
}

TEST_CASE("resize linear: 1-D rows, up, down and to length 1") {
  const Tensor down = Tensor::from_f32({1, 4}, V{0, 10, 20, 30});
  auto row = [](const Tensor& x, const Attributes& a) {
    return values_of(run_node(OpType::Resize, {x}, a).outputs[0]);
  };
  // 4 -> 2, scale 0.5: half_pixel (x+0.5)*2-0.5 = 0.5, 2.5; asymmetric 0, 2; align_corners 0, 3;
  // tf_half_pixel_for_nn 1, 3.
  check_close(row(down, with(linear("half_pixel"), "scales", F{1, 0.5f})), {5, 25});
  check_close(row(down, with(linear("pytorch_half_pixel"), "scales", F{1, 0.5f})), {5, 25});
  check_close(row(down, with(linear("asymmetric"), "scales", F{1, 0.5f})), {0, 20});
  check_close(row(down, with(linear("align_corners"), "scales", F{1, 0.5f})), {0, 30});
  check_close(row(down, with(linear("tf_half_pixel_for_nn"), "scales", F{1, 0.5f})), {10, 30});
  // 4 -> 1: half_pixel 1.5 (between 10 and 20); pytorch_half_pixel, align_corners, asymmetric 0;
  // tf_half_pixel_for_nn 2.
  check_close(row(down, with(linear("half_pixel"), "sizes", I{1, 1})), {15});
  check_close(row(down, with(linear("pytorch_half_pixel"), "sizes", I{1, 1})), {0});
  check_close(row(down, with(linear("align_corners"), "sizes", I{1, 1})), {0});
  check_close(row(down, with(linear("asymmetric"), "sizes", I{1, 1})), {0});
  check_close(row(down, with(linear("tf_half_pixel_for_nn"), "sizes", I{1, 1})), {20});
  // 3 -> 5 (sizes, scale 5/3): half_pixel -0.2 0.4 1.0 1.6 2.2 (both ends clamp); asymmetric 0 .6 1.2 1.8 2.4;
  // align_corners 0 .5 1 1.5 2; tf_half_pixel_for_nn .3 .9 1.5 2.1 2.7.
  const Tensor up = Tensor::from_f32({1, 3}, V{0, 10, 20});
  check_close(row(up, with(linear("half_pixel"), "sizes", I{1, 5})), {0, 4, 10, 16, 20});
  check_close(row(up, with(linear("asymmetric"), "sizes", I{1, 5})), {0, 6, 12, 18, 20});
  check_close(row(up, with(linear("align_corners"), "sizes", I{1, 5})), {0, 5, 10, 15, 20});
  check_close(row(up, with(linear("tf_half_pixel_for_nn"), "sizes", I{1, 5})), {3, 9, 15, 20, 20});
}

namespace {

// An independent float64 Resize: separable, clamping the coordinate (not the taps) for linear and rounding
// by comparing the fraction for nearest.
double source_coordinate(const std::string& coord, int64_t x, double scale, int64_t in, int64_t out) {
  if (coord == "asymmetric") return x / scale;
  if (coord == "half_pixel_symmetric") {  // the resized image's centre on the input's when out was rounded down
    const double resized = in * scale, offset = in / 2.0 * (1.0 - static_cast<double>(out) / resized);
    return offset + (x + 0.5) / scale - 0.5;
  }
  if (coord == "align_corners") {
    // The unrounded resized length in * scale (which is `out` when sizes were given).
    const double length =
        std::fabs(in * scale - static_cast<double>(out)) < 1e-9 ? static_cast<double>(out) : in * scale;
    return length == 1.0 ? 0.0 : static_cast<double>(x) * (in - 1) / (length - 1);
  }
  if (coord == "tf_half_pixel_for_nn") return (x + 0.5) / scale;
  if (coord == "pytorch_half_pixel" && out == 1) return 0.0;
  return (x + 0.5) / scale - 0.5;
}

int64_t round_nearest(const std::string& rounding, double c, int64_t in) {
  const double fl = std::floor(c), frac = c - fl;
  double r = fl;
  if (rounding == "floor")
    r = fl;
  else if (rounding == "ceil")
    r = frac > 0 ? fl + 1 : fl;
  else if (rounding == "round_prefer_floor")
    r = frac > 0.5 ? fl + 1 : fl;
  else
    r = frac >= 0.5 ? fl + 1 : fl;
  return static_cast<int64_t>(std::min<double>(std::max<double>(r, 0), static_cast<double>(in - 1)));
}

}  // namespace

TEST_CASE("resize: random shapes and modes match an independent float64 implementation") {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> dim_d(1, 6);
  const F scale_choices = {0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 0.75f};
  int cases = 0;
  for (int trial = 0; trial < 120; ++trial) {
    const bool is_linear = trial % 2 == 1;
    const std::string coord = kCoordModes[static_cast<size_t>(trial / 2) % kCoordModes.size()];
    const std::string rounding = kNearestModes[static_cast<size_t>(trial / 10) % kNearestModes.size()];
    Shape in{dim_d(rng), dim_d(rng), dim_d(rng), dim_d(rng)};
    const bool use_sizes = trial % 3 == 0;
    F scales(4, 1.0f);
    I sizes(4);
    for (int d = 0; d < 4; ++d) {
      if (is_linear && d < 2) continue;  // linear leaves the leading dims alone
      scales[static_cast<size_t>(d)] = scale_choices[rng() % scale_choices.size()];
    }
    Shape out = in;
    for (int d = 0; d < 4; ++d) {
      sizes[static_cast<size_t>(d)] = is_linear && d < 2 ? in[d] : dim_d(rng) + 1;
      out[d] = use_sizes
                   ? sizes[static_cast<size_t>(d)]
                   : static_cast<int64_t>(std::floor(in[d] * static_cast<double>(scales[static_cast<size_t>(d)])));
    }
    bool empty = false;
    for (int d = 0; d < 4; ++d) empty |= out[d] == 0;
    if (empty) continue;
    Attributes a = is_linear ? linear(coord) : nearest(coord, rounding);
    if (use_sizes)
      a.set("sizes", sizes);
    else
      a.set("scales", scales);
    CAPTURE(trial);
    CAPTURE(coord);
    CAPTURE(in.str());
    CAPTURE(out.str());
    const Tensor x = random_tensor(in, rng);
    auto r = run_node(OpType::Resize, {x}, a);
    REQUIRE(r.outputs[0].shape() == out);
    double scale[4];
    for (int d = 0; d < 4; ++d)
      scale[d] = use_sizes ? static_cast<double>(out[d]) / static_cast<double>(in[d]) : scales[static_cast<size_t>(d)];
    int mismatches = 0;
    for (int64_t i = 0; i < out.numel(); ++i) {
      const auto c = unravel(i, out);
      double want = 0;
      if (!is_linear) {
        std::vector<int64_t> src(4);
        for (int d = 0; d < 4; ++d)
          src[static_cast<size_t>(d)] = round_nearest(
              rounding, source_coordinate(coord, c[static_cast<size_t>(d)], scale[d], in[d], out[d]), in[d]);
        want = x.f32()[ravel(src, in)];
      } else {
        double pos[2], frac[2];
        int64_t lo[2], hi[2];
        for (int k = 0; k < 2; ++k) {
          const int d = 2 + k;
          pos[k] = source_coordinate(coord, c[static_cast<size_t>(d)], scale[d], in[d], out[d]);
          pos[k] = std::min(std::max(pos[k], 0.0), static_cast<double>(in[d] - 1));
          lo[k] = static_cast<int64_t>(std::floor(pos[k]));
          hi[k] = std::min<int64_t>(lo[k] + 1, in[d] - 1);
          frac[k] = pos[k] - static_cast<double>(lo[k]);
        }
        auto at = [&](int64_t yy, int64_t xx) { return static_cast<double>(x.f32()[ravel({c[0], c[1], yy, xx}, in)]); };
        want = (1 - frac[0]) * ((1 - frac[1]) * at(lo[0], lo[1]) + frac[1] * at(lo[0], hi[1])) +
               frac[0] * ((1 - frac[1]) * at(hi[0], lo[1]) + frac[1] * at(hi[0], hi[1]));
      }
      // Nearest copies values: exact. Linear: both sides compute in double; allow a few float ulps.
      const double tol = is_linear ? 1e-6 * (1 + std::abs(want)) : 0.0;
      mismatches += std::abs(r.outputs[0].f32()[i] - want) > tol;
    }
    CHECK(mismatches == 0);
    ++cases;
  }
  CHECK(cases > 80);
}

namespace {

// Cubic along one dim as the ONNX definition states it: the 4 indices nearest to the source coordinate c
// (ties to the smaller index) in the input padded by repeating its edges, each weighted by Keys' kernel of its
// distance to c; with exclude_outside the indices outside the input get weight 0 and the weights are
// renormalised. Returns (index clamped into the input, weight) pairs.
std::vector<std::pair<int64_t, double>> cubic_taps(double c, int64_t in, double a, bool exclude_outside) {
  auto kernel = [a](double d) {
    d = std::fabs(d);
    if (d <= 1) return ((a + 2) * d - (a + 3)) * d * d + 1;
    if (d < 2) return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
    return 0.0;
  };
  std::vector<int64_t> candidates;
  for (int64_t i = static_cast<int64_t>(std::floor(c)) - 3; i <= static_cast<int64_t>(std::floor(c)) + 3; ++i)
    candidates.push_back(i);
  std::stable_sort(candidates.begin(), candidates.end(), [&](int64_t p, int64_t q) {
    const double dp = std::fabs(c - p), dq = std::fabs(c - q);
    return dp < dq || (dp == dq && p < q);
  });
  candidates.resize(4);
  std::vector<std::pair<int64_t, double>> taps;
  double sum = 0;
  for (int64_t i : candidates) {
    const bool outside = i < 0 || i >= in;
    const double w = exclude_outside && outside ? 0.0 : kernel(c - static_cast<double>(i));
    taps.push_back({std::min<int64_t>(std::max<int64_t>(i, 0), in - 1), w});
    sum += w;
  }
  if (exclude_outside)
    for (auto& t : taps) t.second /= sum;
  return taps;
}

}  // namespace

TEST_CASE("resize cubic: random shapes, coordinate modes, a and exclude_outside against the ONNX definition") {
  std::mt19937 rng(29);
  std::uniform_int_distribution<int> dim_d(1, 7);
  const F scale_choices = {0.5f, 0.8f, 1.0f, 1.7f, 2.0f, 3.0f};
  const std::vector<std::string> coords = {"half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel",
                                           "half_pixel_symmetric"};
  for (int trial = 0; trial < 150; ++trial) {
    const std::string coord = coords[static_cast<size_t>(trial) % coords.size()];
    const double a = trial % 3 == 0 ? -0.5 : -0.75;
    const bool exclude = trial % 4 == 1;
    const Shape in{1 + trial % 2, dim_d(rng), dim_d(rng), dim_d(rng)};
    F scales{1.0f, 1.0f, scale_choices[rng() % scale_choices.size()], scale_choices[rng() % scale_choices.size()]};
    Shape out = in;
    for (int d = 2; d < 4; ++d) out[d] = static_cast<int64_t>(std::floor(in[d] * static_cast<double>(scales[d])));
    if (out[2] == 0 || out[3] == 0) continue;
    Attributes at = attrs({{"mode", std::string("cubic")},
                           {"coordinate_transformation_mode", coord},
                           {"cubic_coeff_a", static_cast<float>(a)},
                           {"exclude_outside", int64_t{exclude}}});
    at.set("scales", scales);
    const Tensor x = random_tensor(in, rng);
    CAPTURE(trial);
    CAPTURE(coord);
    CAPTURE(in.str());
    CAPTURE(out.str());
    for (KernelPath path : supported_kernel_paths()) {
      auto r = run_node(OpType::Resize, {x}, at, 1, 1, path);
      REQUIRE(r.outputs[0].shape() == out);
      int mismatches = 0;
      for (int64_t i = 0; i < out.numel(); ++i) {
        const auto c = unravel(i, out);
        const auto ty = cubic_taps(source_coordinate(coord, c[2], scales[2], in[2], out[2]), in[2], a, exclude);
        const auto tx = cubic_taps(source_coordinate(coord, c[3], scales[3], in[3], out[3]), in[3], a, exclude);
        double want = 0, magnitude = 0;
        for (const auto& [yi, wy] : ty)
          for (const auto& [xi, wx] : tx) {
            const double v = x.f32()[ravel({c[0], c[1], yi, xi}, in)];
            want += wy * wx * v;
            magnitude += std::fabs(wy * wx * v);
          }
        // Both in double, rounded once; the weights are negative at the far taps, so allow for the sum of
        // magnitudes rather than the result.
        mismatches += std::fabs(r.outputs[0].f32()[i] - want) > 2e-7 * magnitude + 1e-12;
      }
      CHECK(mismatches == 0);
    }
  }
}

TEST_CASE("resize linear and cubic: every path on 1 and 2 threads equals the reference path bit for bit") {
  // Tensors large enough to split over the threads (>= 16384 outputs), planes fewer and more than threads,
  // odd widths; the fast paths must also run without allocating.
  std::mt19937 rng(31);
  const std::vector<std::pair<Shape, F>> cases = {{Shape{1, 1, 37, 53}, F{1, 1, 3.5f, 2.4f}},
                                                  {Shape{1, 3, 41, 29}, F{1, 1, 2.0f, 2.0f}},
                                                  {Shape{2, 5, 64, 48}, F{1, 1, 0.7f, 1.3f}},
                                                  {Shape{1, 1, 140, 200}, F{1, 1, 1.0f, 0.25f}}};
  for (const std::string mode : {"linear", "cubic"})
    for (const auto& [in, scales] : cases) {
      Attributes at = attrs({{"mode", mode}, {"coordinate_transformation_mode", std::string("half_pixel")}});
      at.set("scales", scales);
      const Tensor x = random_tensor(in, rng);
      const auto want = run_node(OpType::Resize, {x}, at, 1, 1, KernelPath::Reference);
      for (KernelPath path : supported_kernel_paths())
        for (int threads : {1, 2}) {
          CAPTURE(mode);
          CAPTURE(in.str());
          CAPTURE(threads);
          CAPTURE(static_cast<int>(path));
          const auto got = run_node(OpType::Resize, {x}, at, 1, threads, path);
          REQUIRE(got.outputs[0].shape() == want.outputs[0].shape());
          CHECK(std::memcmp(got.outputs[0].data(), want.outputs[0].data(), want.outputs[0].bytes()) == 0);
          CHECK(got.run_allocations == 0);
        }
    }
}

TEST_CASE("resize: bad attributes are rejected naming the node") {
  const Shape in{1, 2, 4, 4};
  auto err = [&](const Attributes& a) { return load_error(OpType::Resize, {in}, a); };
  const std::string both = err(attrs({{"scales", F{1, 1, 2, 2}}, {"sizes", I{1, 2, 8, 8}}}));
  CHECK(both.find(kNodeName) != std::string::npos);
  CHECK(both.find("exactly one") != std::string::npos);
  CHECK(err({}).find("exactly one") != std::string::npos);
  CHECK(err(attrs({{"mode", std::string("bicubic")}, {"scales", F{1, 1, 2, 2}}})).find("mode 'bicubic'") !=
        std::string::npos);
  CHECK(err(attrs({{"mode", std::string("cubic")}, {"exclude_outside", int64_t{2}}, {"scales", F{1, 1, 2, 2}}}))
            .find("exclude_outside must be 0 or 1") != std::string::npos);
  CHECK(err(attrs({{"mode", std::string("cubic")}, {"scales", F{1, 2, 2, 2}}})).find("cubic mode resizes only") !=
        std::string::npos);
  CHECK(err(attrs({{"coordinate_transformation_mode", std::string("tf_crop_and_resize")}, {"scales", F{1, 1, 2, 2}}}))
            .find("tf_crop_and_resize") != std::string::npos);
  CHECK(err(attrs({{"nearest_mode", std::string("round")}, {"scales", F{1, 1, 2, 2}}})).find("nearest_mode 'round'") !=
        std::string::npos);
  CHECK(err(attrs({{"scales", F{1, 2, 2}}})).find("'scales' has 3 entries") != std::string::npos);
  CHECK(err(attrs({{"sizes", I{1, 2, 8}}})).find("'sizes' has 3 entries") != std::string::npos);
  CHECK(err(attrs({{"scales", F{1, 1, 0, 2}}})).find("not positive") != std::string::npos);
  CHECK(err(attrs({{"scales", F{1, 1, 0.1f, 2}}})).find("into 0") != std::string::npos);  // floor(0.4) = 0
  CHECK(err(attrs({{"sizes", I{1, 2, 0, 8}}})).find("not positive") != std::string::npos);
  const std::string channel = err(with(linear("half_pixel"), "scales", F{1, 2, 2, 2}));
  CHECK(channel.find(kNodeName) != std::string::npos);
  CHECK(channel.find("linear mode resizes only the last two dims") != std::string::npos);
  CHECK(load_error(OpType::Resize, {{4}}, with(linear("half_pixel"), "scales", F{2})).find("rank >= 2") !=
        std::string::npos);
  CHECK(err(with(attrs({{"antialias", int64_t{1}}}), "scales", F{1, 1, 0.5f, 0.5f})).find("antialias") !=
        std::string::npos);
  CHECK(err(with(nearest("align_corners", "ceil"), "scales", F{1, 2, 2, 2})) == "");  // nearest: any dim
}
