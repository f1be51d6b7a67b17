// LpPool through the engine on every kernel path: hand values, random windows (kernel, strides, pads,
// dilations, ceil_mode, p 1..4 and fractional) against a float64 loop written here over padded coordinates,
// and the attribute errors, which name the node.
//
// Tolerance: the kernel sums in double and rounds once, as the loop here does, but pow differs by an ulp or
// so between their orders of evaluation: 4 float ulps relative.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>

#include "engine/error.h"
#include "h2_op_harness.h"

using namespace h2test;

namespace {

using Ints = std::vector<int64_t>;

// The padded input as a function: 0 outside X.
std::vector<double> expected_lp_pool(const Tensor& x, const Ints& k, const Ints& s, const Ints& pads, const Ints& d,
                                     bool ceil_mode, double p, Shape& out) {
  const Shape& xs = x.shape();
  auto extent = [&](int dim, int64_t in) {
    const int64_t span = (k[size_t(dim)] - 1) * d[size_t(dim)] + 1;
    const int64_t padded = in + pads[size_t(dim)] + pads[size_t(dim) + 2];
    int64_t o =
        ceil_mode ? (padded - span + s[size_t(dim)] - 1) / s[size_t(dim)] + 1 : (padded - span) / s[size_t(dim)] + 1;
    if (ceil_mode && (o - 1) * s[size_t(dim)] >= in + pads[size_t(dim)]) --o;  // a window starting in the end padding
    return o;
  };
  out = Shape{xs[0], xs[1], extent(0, xs[2]), extent(1, xs[3])};
  std::vector<double> y;
  for (int64_t n = 0; n < xs[0] * xs[1]; ++n)
    for (int64_t oh = 0; oh < out[2]; ++oh)
      for (int64_t ow = 0; ow < out[3]; ++ow) {
        double sum = 0;
        for (int64_t i = 0; i < k[0]; ++i)
          for (int64_t j = 0; j < k[1]; ++j) {
            const int64_t h = oh * s[0] + i * d[0] - pads[0], w = ow * s[1] + j * d[1] - pads[1];
            const double v = h >= 0 && h < xs[2] && w >= 0 && w < xs[3] ? x.f32()[(n * xs[2] + h) * xs[3] + w] : 0.0;
            sum += std::pow(std::fabs(v), p);
          }
        y.push_back(std::pow(sum, 1 / p));
      }
  return y;
}

}  // namespace

TEST_CASE("LpPool by hand: p 2 and 1, padding adds nothing, every path") {
  const Tensor x = Tensor::from_f32({1, 1, 2, 2}, std::vector<float>{3, -4, 0, 0});
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    auto r = run_node(OpType::LpPool, {x}, attrs({{"kernel_shape", Ints{2, 2}}}), 1, 1, path);
    CHECK(r.outputs[0].shape() == Shape{1, 1, 1, 1});
    CHECK(r.outputs[0].f32()[0] == 5.0f);
    CHECK(run_node(OpType::LpPool, {x}, attrs({{"kernel_shape", Ints{2, 2}}, {"p", 1.0f}}), 1, 1, path)
              .outputs[0]
              .f32()[0] == 7.0f);
    // 1x1 windows with pads 1 all round: the border windows see padding only and give 0, the inner ones |x|.
    auto padded =
        run_node(OpType::LpPool, {x}, attrs({{"kernel_shape", Ints{1, 1}}, {"pads", Ints{1, 1, 1, 1}}}), 1, 1, path);
    CHECK(padded.outputs[0].shape() == Shape{1, 1, 4, 4});
    CHECK(values_of(padded.outputs[0]) == std::vector<float>{0, 0, 0, 0, 0, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  }
}

TEST_CASE("LpPool matches a float64 loop on 150 random windows") {
  std::mt19937 rng(31);
  auto pick = [&](int lo, int hi) { return int64_t(std::uniform_int_distribution<int>(lo, hi)(rng)); };
  for (int index = 0; index < 150; ++index) {
    const Ints k{pick(1, 4), pick(1, 4)}, s{pick(1, 3), pick(1, 3)}, d{pick(1, 2), pick(1, 2)};
    const Ints pads{pick(0, k[0] - 1), pick(0, k[1] - 1), pick(0, k[0] - 1), pick(0, k[1] - 1)};
    const bool ceil_mode = pick(0, 1);
    const float p = index % 5 == 4 ? 1.5f : float(index % 4 + 1);
    const Shape xs{pick(1, 2), pick(1, 3), (k[0] - 1) * d[0] + pick(1, 6), (k[1] - 1) * d[1] + pick(1, 6)};
    const Tensor x = random_tensor(xs, rng);
    Shape out;
    const std::vector<double> want = expected_lp_pool(x, k, s, pads, d, ceil_mode, p, out);
    for (KernelPath path : supported_kernel_paths()) {
      auto r = run_node(OpType::LpPool, {x},
                        attrs({{"kernel_shape", k},
                               {"strides", s},
                               {"pads", pads},
                               {"dilations", d},
                               {"ceil_mode", int64_t{ceil_mode}},
                               {"p", p}}),
                        1, 1, path);
      REQUIRE(r.outputs[0].shape() == out);
      CHECK(r.run_allocations == 0);
      int bad = 0;
      for (size_t i = 0; i < want.size(); ++i)
        bad += !(std::fabs(r.outputs[0].f32()[i] - want[i]) <= std::ldexp(std::fabs(want[i]), -21) + 1e-30);
      CHECK(bad == 0);
    }
  }
}

TEST_CASE("LpPool rejects a bad p and the window errors of the pools, naming the node") {
  auto error = [](const Attributes& a, Shape x = {1, 1, 4, 4}) {
    const std::string e = load_error(OpType::LpPool, {x}, a);
    CHECK(e.find(kNodeName) != std::string::npos);
    return e;
  };
  CHECK(error(attrs({{"kernel_shape", Ints{2, 2}}, {"p", 0.0f}})).find("p must be finite and > 0, got 0") !=
        std::string::npos);
  CHECK(error(attrs({{"kernel_shape", Ints{2, 2}}, {"p", -1.0f}})).find("p must be") != std::string::npos);
  CHECK(error({}).find("kernel_shape' is required") != std::string::npos);
  CHECK(error(attrs({{"kernel_shape", Ints{5, 5}}})).find("is larger than the padded input") != std::string::npos);
  CHECK(error(attrs({{"kernel_shape", Ints{2, 2}}}), {1, 4, 4}).find("must have rank 4") != std::string::npos);
}
