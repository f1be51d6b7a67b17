// Conv2d: hand-computed cases, an independent float64 scatter loop (the kernel gathers) over many shapes,
// the Engine binding, and shape-inference errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "kernels/conv2d/conv2d.h"

using namespace vigil;

namespace {

struct ConvCase {
  int64_t n, c, h, w, m, kh, kw;
  int64_t sh = 1, sw = 1, dh = 1, dw = 1;
  int64_t pt = 0, pl = 0, pb = 0, pr = 0;
  int64_t group = 1;
  bool bias = false;
  float leaky_alpha = -1;  // < 0: no activation; else fused LeakyRelu with this alpha
};

std::vector<float> random_values(size_t count, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(count);
  for (float& f : v) f = dist(rng);
  return v;
}

Attributes conv_attrs(const ConvCase& k) {
  Attributes a;
  a.set("strides", std::vector<int64_t>{k.sh, k.sw});
  a.set("dilations", std::vector<int64_t>{k.dh, k.dw});
  a.set("pads", std::vector<int64_t>{k.pt, k.pl, k.pb, k.pr});
  a.set("group", k.group);
  if (k.leaky_alpha >= 0) {
    a.set("activation", std::string("leaky_relu"));
    a.set("activation_alpha", k.leaky_alpha);
  }
  return a;
}

struct Expected {
  int64_t oh, ow;
  std::vector<double> y;       // exact float64 result (after activation)
  std::vector<double> sumabs;  // sum of |terms| per output: the scale of its rounding error
};

// Independent float64 convolution: walks every input cell and scatters its products into every output it
// reaches (the kernel instead gathers per output).
Expected conv_scatter(const ConvCase& k, const std::vector<float>& x, const std::vector<float>& w,
                      const std::vector<float>& b) {
  Expected e;
  e.oh = (k.h + k.pt + k.pb - (k.dh * (k.kh - 1) + 1)) / k.sh + 1;
  e.ow = (k.w + k.pl + k.pr - (k.dw * (k.kw - 1) + 1)) / k.sw + 1;
  const int64_t cg = k.c / k.group, mg = k.m / k.group;
  e.y.assign(static_cast<size_t>(k.n * k.m * e.oh * e.ow), 0.0);
  e.sumabs = e.y;
  auto out_index = [&](int64_t n, int64_t m, int64_t oh, int64_t ow) {
    return static_cast<size_t>(((n * k.m + m) * e.oh + oh) * e.ow + ow);
  };
  for (int64_t n = 0; n < k.n; ++n)
    for (int64_t ci = 0; ci < k.c; ++ci)
      for (int64_t ih = 0; ih < k.h; ++ih)
        for (int64_t iw = 0; iw < k.w; ++iw) {
          const double xv = x[static_cast<size_t>(((n * k.c + ci) * k.h + ih) * k.w + iw)];
          const int64_t g = ci / cg;
          for (int64_t m = g * mg; m < (g + 1) * mg; ++m)
            for (int64_t i = 0; i < k.kh; ++i)
              for (int64_t j = 0; j < k.kw; ++j) {
                const int64_t rows = ih + k.pt - i * k.dh, cols = iw + k.pl - j * k.dw;
                if (rows < 0 || cols < 0 || rows % k.sh != 0 || cols % k.sw != 0) continue;
                const int64_t oh = rows / k.sh, ow = cols / k.sw;
                if (oh >= e.oh || ow >= e.ow) continue;
                const double term = xv * w[static_cast<size_t>(((m * cg + ci % cg) * k.kh + i) * k.kw + j)];
                e.y[out_index(n, m, oh, ow)] += term;
                e.sumabs[out_index(n, m, oh, ow)] += std::fabs(term);
              }
        }
  for (int64_t n = 0; n < k.n; ++n)
    for (int64_t m = 0; m < k.m; ++m)
      for (int64_t oh = 0; oh < e.oh; ++oh)
        for (int64_t ow = 0; ow < e.ow; ++ow) {
          double& v = e.y[out_index(n, m, oh, ow)];
          if (k.bias) {
            v += b[static_cast<size_t>(m)];
            e.sumabs[out_index(n, m, oh, ow)] += std::fabs(b[static_cast<size_t>(m)]);
          }
          if (k.leaky_alpha >= 0 && v < 0) v *= k.leaky_alpha;
        }
  return e;
}

// Tolerance: the kernel accumulates in double and rounds once, so it must agree with the float64 loop to
// a few float ulps of the result (3e-7 relative) plus double-precision noise on the sum of |terms|.
void check_matches(const std::vector<float>& got, const Expected& e) {
  REQUIRE(got.size() == e.y.size());
  size_t worst = 0;
  double worst_excess = -1;
  for (size_t i = 0; i < got.size(); ++i) {
    const double tol = 3e-7 * std::fabs(e.y[i]) + 1e-12 * e.sumabs[i] + 1e-30;
    const double excess = std::fabs(got[i] - e.y[i]) / tol;
    if (excess > worst_excess) worst_excess = excess, worst = i;
  }
  INFO("worst element ", worst, ": got ", got[worst], ", float64 ", e.y[worst]);
  CHECK(worst_excess <= 1.0);
}

// Runs one conv through GraphBuilder + Engine + ExecutionContext and returns Y with its shape.
std::vector<float> run_engine(const ConvCase& k, const std::vector<float>& x, const std::vector<float>& w,
                              const std::vector<float>& b, Shape* out_shape, double* flops = nullptr) {
  GraphBuilder gb;
  int xv = gb.input("x", DType::F32, {k.n, k.c, k.h, k.w});
  int wv = gb.constant("w", Tensor::from_f32({k.m, k.c / k.group, k.kh, k.kw}, w));
  std::vector<int> inputs{xv, wv};
  if (k.bias) inputs.push_back(gb.constant("b", Tensor::from_f32({k.m}, b)));
  gb.output(gb.node(OpType::Conv2d, "conv", inputs, conv_attrs(k)));
  Engine engine(gb.build());
  ExecutionContext ctx(engine);
  std::copy(x.begin(), x.end(), ctx.input("x").f32());
  ctx.run();
  TensorView y = ctx.output("conv");
  *out_shape = y.shape;
  if (flops) *flops = engine.node_flops(0);
  return std::vector<float>(y.f32(), y.f32() + y.numel());
}

// The message of the vigil::Error that building `gb` throws ("" if none).
std::string build_error(GraphBuilder& gb) {
  try {
    gb.build();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// A conv graph with the given shapes and attributes, for shape-inference error tests.
std::string conv_error(Shape x, Shape w, Attributes attrs, Shape b = {}) {
  GraphBuilder gb;
  int xv = gb.input("x", DType::F32, x);
  std::vector<int> inputs{xv, gb.constant("w", Tensor(DType::F32, w))};
  if (b.rank > 0) inputs.push_back(gb.constant("b", Tensor(DType::F32, b)));
  gb.output(gb.node(OpType::Conv2d, "bad_conv", inputs, std::move(attrs)));
  return build_error(gb);
}

}  // namespace

TEST_CASE("conv2d: hand-computed 3x3 input, 2x2 kernel, no padding") {
  // x = 1..9 row-major, w = all ones: each output is the sum of a 2x2 block.
  std::vector<float> x{1, 2, 3, 4, 5, 6, 7, 8, 9}, w{1, 1, 1, 1}, y(4);
  kernels::Conv2dParams p;
  p.in_channels = 1, p.in_h = 3, p.in_w = 3, p.out_channels = 1, p.out_h = 2, p.out_w = 2, p.kernel_h = 2,
  p.kernel_w = 2;
  kernels::conv2d_reference(p, x.data(), w.data(), nullptr, y.data());
  CHECK(y == std::vector<float>{12, 16, 24, 28});
}

TEST_CASE("conv2d: hand-computed bias, relu, stride 2 and asymmetric padding through the engine") {
  // x = 1..9 (3x3), w = [[1, 0], [0, -1]] (x[r][c] - x[r+1][c+1]), bias -1, pads top 1 left 0 bottom 0
  // right 1, stride 2: rows -1 and 1, cols 0 and 2.
  //  (row -1, col 0): 0 - x[0][1] = -2 -> -3 -> relu 0     (row -1, col 2): 0 - 0 (x[0][3] is pad) = 0 -> -1 -> 0
  //  (row 1, col 0): x[1][0] - x[2][1] = 4 - 8 = -4 -> 0   (row 1, col 2): x[1][2] - pad = 6 -> 5
  ConvCase k{1, 1, 3, 3, 1, 2, 2};
  k.sh = k.sw = 2;
  k.pt = 1, k.pr = 1;
  k.bias = true;
  GraphBuilder gb;
  int xv = gb.input("x", DType::F32, {1, 1, 3, 3});
  std::vector<float> w{1, 0, 0, -1}, b{-1};
  int wv = gb.constant("w", Tensor::from_f32({1, 1, 2, 2}, w));
  int bv = gb.constant("b", Tensor::from_f32({1}, b));
  Attributes a = conv_attrs(k);
  a.set("activation", std::string("relu"));
  gb.output(gb.node(OpType::Conv2d, "conv", {xv, wv, bv}, a));
  Engine engine(gb.build());
  ExecutionContext ctx(engine);
  for (int i = 0; i < 9; ++i) ctx.input("x").f32()[i] = static_cast<float>(i + 1);
  ctx.run();
  TensorView y = ctx.output("conv");
  CHECK(y.shape == Shape{1, 1, 2, 2});
  CHECK(std::vector<float>(y.f32(), y.f32() + 4) == std::vector<float>{0, 0, 0, 5});
}

TEST_CASE("conv2d: hand-computed groups and depthwise") {
  // 2 input channels, group 2, 2 output channels, 1x1 kernels: y0 = 2*x0, y1 = -3*x1 (no mixing).
  std::vector<float> x{1, 2, 3, 4, 10, 20, 30, 40}, w{2, -3}, y(8);
  kernels::Conv2dParams p;
  p.in_channels = 2, p.in_h = 2, p.in_w = 2, p.out_channels = 2, p.out_h = 2, p.out_w = 2, p.group = 2;
  kernels::conv2d_reference(p, x.data(), w.data(), nullptr, y.data());
  CHECK(y == std::vector<float>{2, 4, 6, 8, -30, -60, -90, -120});
  // Depthwise with multiplier 2 (group = C = 2, M = 4): outputs 0,1 read channel 0; outputs 2,3 channel 1.
  std::vector<float> w4{1, -1, 0.5f, 2}, y4(16), bias{0, 0, 1, 0};
  p.out_channels = 4;
  kernels::conv2d_reference(p, x.data(), w4.data(), bias.data(), y4.data());
  CHECK(y4 == std::vector<float>{1, 2, 3, 4, -1, -2, -3, -4, 6, 11, 16, 21, 20, 40, 60, 80});
}

TEST_CASE("conv2d: pads larger than the kernel give bias-only borders") {
  // 1x1 input (value 2), 1x1 kernel (3), bias 0.5, pads t2 l1 b0 r3 -> 3x5 output; only (2,1) sees x.
  ConvCase k{1, 1, 1, 1, 1, 1, 1};
  k.pt = 2, k.pl = 1, k.pb = 0, k.pr = 3;
  k.bias = true;
  Shape shape;
  std::vector<float> y = run_engine(k, {2}, {3}, {0.5f}, &shape);
  CHECK(shape == Shape{1, 1, 3, 5});
  for (size_t i = 0; i < y.size(); ++i) CHECK(y[i] == (i == 2 * 5 + 1 ? 6.5f : 0.5f));
}

TEST_CASE("conv2d: random shapes against a float64 scatter loop, through the engine") {
  std::vector<ConvCase> cases = {
      {1, 3, 7, 9, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true},        // odd sizes, same padding
      {2, 4, 8, 6, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2, true, 0.1f},  // stride 2, groups 2, leaky
      {1, 2, 1, 1, 3, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, true, 0.1f},  // 1x1 spatial
      {1, 2, 1, 1, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false},       // 1x1 spatial, 3x3 kernel
      {1, 3, 9, 11, 2, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, true},       // dilation 2
      {1, 3, 10, 7, 2, 3, 2, 2, 1, 2, 1, 0, 1, 2, 3, 1, false},      // asymmetric everything
      {1, 5, 7, 7, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 5, true, 0.1f},  // depthwise
      {1, 4, 8, 8, 8, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 4, false},       // depthwise x2, darknet-style pads
      {1, 2, 3, 3, 2, 2, 2, 1, 1, 1, 1, 3, 0, 4, 2, 1, true},        // pads larger than the kernel
      {1, 6, 5, 5, 4, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, false},       // grouped 1x1
      {1, 3, 13, 13, 4, 5, 5, 3, 3, 1, 1, 2, 2, 2, 2, 1, true},      // 5x5 stride 3
      {3, 1, 4, 5, 2, 2, 3, 1, 2, 1, 2, 1, 0, 0, 2, 1, true, 0.0f},  // batch 3, relu via alpha 0
      {2, 6, 9, 8, 6, 3, 3, 2, 2, 2, 2, 2, 1, 3, 2, 3, true},        // groups 3, stride+dilation 2
  };
  std::mt19937 rng(1234);
  for (size_t ci = 0; ci < cases.size(); ++ci) {
    const ConvCase& k = cases[ci];
    CAPTURE(ci);
    auto x = random_values(static_cast<size_t>(k.n * k.c * k.h * k.w), rng);
    auto w = random_values(static_cast<size_t>(k.m * (k.c / k.group) * k.kh * k.kw), rng);
    auto b = random_values(static_cast<size_t>(k.m), rng);
    const Expected e = conv_scatter(k, x, w, b);
    Shape shape;
    double flops = 0;
    std::vector<float> y = run_engine(k, x, w, b, &shape, &flops);
    CHECK(shape == Shape{k.n, k.m, e.oh, e.ow});
    CHECK(flops == doctest::Approx(2.0 * k.n * k.m * e.oh * e.ow * (k.c / k.group) * k.kh * k.kw));
    check_matches(y, e);
  }
}

TEST_CASE("conv2d: shape-inference errors name the node") {
  auto attrs = [](std::vector<int64_t> pads, int64_t group = 1) {
    Attributes a;
    a.set("pads", std::move(pads));
    a.set("group", group);
    return a;
  };
  auto expect = [](const std::string& msg, const char* reason) {
    INFO(msg);
    CHECK(msg.find("Conv2d 'bad_conv'") != std::string::npos);
    CHECK(msg.find(reason) != std::string::npos);
  };
  // W expects 3 channels per group x 2 groups = 6, X has 4.
  expect(conv_error({1, 4, 5, 5}, {4, 3, 3, 3}, attrs({0, 0, 0, 0}, 2)), "expects 6 input channels");
  expect(conv_error({1, 3, 5, 5}, {4, 1, 3, 3}, attrs({0, 0, 0, 0}, 2)), "not divisible by group");
  expect(conv_error({1, 4, 5, 5}, {3, 2, 3, 3}, attrs({0, 0, 0, 0}, 2)), "output channels 3");
  expect(conv_error({1, 1, 4, 4}, {1, 1, 5, 5}, attrs({0, 0, 0, 0})), "larger than the padded input 4x4");
  // Dilation makes a 3x3 kernel span 5: too large for 3x3 with no padding, fine with pads 1.
  Attributes dil = attrs({0, 0, 0, 0});
  dil.set("dilations", std::vector<int64_t>{2, 2});
  expect(conv_error({1, 1, 3, 3}, {1, 1, 3, 3}, dil), "dilated kernel 5x5");
  expect(conv_error({1, 1, 4, 4}, {1, 1, 3, 3}, attrs({1, 1, 1})), "'pads' must have 4 values, got 3");
  expect(conv_error({1, 1, 4, 4}, {1, 1, 3, 3}, attrs({1, -1, 1, 1})), "'pads' values must be >= 0");
  Attributes stride = attrs({0, 0, 0, 0});
  stride.set("strides", std::vector<int64_t>{1, 0});
  expect(conv_error({1, 1, 4, 4}, {1, 1, 3, 3}, stride), "'strides' values must be >= 1");
  expect(conv_error({1, 1, 4, 4}, {1, 1, 3, 3}, attrs({0, 0, 0, 0}, 0)), "group must be >= 1");
  expect(conv_error({1, 1, 4, 4}, {2, 1, 3, 3}, attrs({0, 0, 0, 0}), {3}), "bias B [3] must have shape [2]");
  expect(conv_error({1, 4, 4}, {2, 1, 3, 3}, attrs({0, 0, 0, 0})), "input X must have rank 4");
  expect(conv_error({1, 1, 4, 4}, {2, 1, 0, 3}, attrs({0, 0, 0, 0})), "weight W has an empty shape");
  Attributes ks = attrs({0, 0, 0, 0});
  ks.set("kernel_shape", std::vector<int64_t>{3, 2});
  expect(conv_error({1, 1, 4, 4}, {1, 1, 3, 3}, ks), "kernel_shape [3,2] does not match");
  Attributes act = attrs({0, 0, 0, 0});
  act.set("activation", std::string("swishy"));
  expect(conv_error({1, 1, 4, 4}, {1, 1, 3, 3}, act), "unknown fused activation 'swishy'");
  Attributes autopad = attrs({0, 0, 0, 0});
  autopad.set("auto_pad", std::string("SAME_UPPER"));
  expect(conv_error({1, 1, 4, 4}, {1, 1, 3, 3}, autopad), "auto_pad 'SAME_UPPER' is not supported");
}

TEST_CASE("conv2d: zero-length input dims are rejected") {
  GraphBuilder gb;
  int xv = gb.input("x", DType::F32, {1, 1, 0, 4});
  gb.output(gb.node(OpType::Conv2d, "conv", {xv, gb.constant("w", Tensor(DType::F32, {1, 1, 1, 1}))}));
  CHECK_THROWS_AS(gb.build(), Error);
}
