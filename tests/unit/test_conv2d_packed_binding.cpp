// Conv2d as the engine binds it on every optimised path the CPU has against the reference path, through
// GraphBuilder + Engine on random convs. The planner (engine/ops/conv2d_fast.h) picks the packed GEMM,
// Winograd F(4,3) or the depthwise kernel by shape; the trials cover all three on purpose.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <typeinfo>

#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"

using namespace vigil;

namespace {

struct ConvCase {
  int64_t n, c, h, w, m, kh, kw, sh, sw, dh, dw, group;
  std::vector<int64_t> pads;
  std::string act;
  bool bias;
};

Graph make_graph(const ConvCase& cc, const std::vector<float>& weights, const std::vector<float>& bias) {
  GraphBuilder b;
  int x = b.input("x", DType::F32, {cc.n, cc.c, cc.h, cc.w});
  std::vector<int> ins = {x, b.constant("w", Tensor::from_f32({cc.m, cc.c / cc.group, cc.kh, cc.kw}, weights))};
  if (cc.bias) ins.push_back(b.constant("b", Tensor::from_f32({cc.m}, bias)));
  Attributes a;
  a.set("strides", std::vector<int64_t>{cc.sh, cc.sw});
  a.set("dilations", std::vector<int64_t>{cc.dh, cc.dw});
  a.set("pads", cc.pads);
  a.set("group", cc.group);
  a.set("activation", cc.act);
  if (cc.act == "leaky_relu") a.set("activation_alpha", 0.1f);
  if (cc.act == "clip") a.set("activation_alpha", -0.5f), a.set("activation_beta", 0.5f);
  b.output(b.node(OpType::Conv2d, "conv", ins, std::move(a)));
  return b.build();
}

std::vector<float> run(const Graph& g, KernelPath path, int threads, const std::vector<float>& x,
                       std::string* kernel_type = nullptr) {
  EngineOptions options;
  options.path = path;
  options.nchwc_block = 0;  // the NCHW planner's choice (use_nchwc_layout has its own test)
  Engine engine(g, options);
  if (kernel_type) *kernel_type = typeid(engine.kernel(0)).name();
  ExecutionContext ctx(engine, threads);
  std::copy(x.begin(), x.end(), ctx.input(0).f32());
  ctx.run();
  const TensorView y = ctx.output(0);
  return std::vector<float>(y.f32(), y.f32() + y.numel());
}

}  // namespace

TEST_CASE("conv2d binding: every optimised path matches the reference path on random convs") {
  std::mt19937 rng(99);
  auto pick = [&](int lo, int hi) {
    return static_cast<int64_t>(lo + static_cast<int>(rng() % static_cast<unsigned>(hi - lo + 1)));
  };
  std::uniform_real_distribution<float> uni(-1, 1);
  const char* acts[] = {"none", "relu", "leaky_relu", "sigmoid", "silu", "clip", "mish"};
  int checked = 0;
  for (int trial = 0; trial < 90; ++trial) {
    ConvCase cc;
    const int kind = trial % 3;  // 0: general (packed GEMM), 1: depthwise, 2: Winograd-eligible 3x3 stride 1
    cc.group = kind == 0 && trial % 5 == 0 ? pick(2, 3) : 1;
    cc.n = pick(1, 2);
    cc.c = cc.group * pick(1, 9);
    cc.m = cc.group * pick(1, 20);
    cc.kh = pick(1, 3), cc.kw = pick(1, 3);
    cc.sh = pick(1, 2), cc.sw = pick(1, 2);
    cc.dh = trial % 7 == 0 ? 2 : 1, cc.dw = cc.dh;
    if (kind == 1) cc.group = cc.c = cc.m = pick(1, 24);
    if (kind == 2)
      cc.kh = cc.kw = 3, cc.sh = cc.sw = 1, cc.dh = cc.dw = 1, cc.c = trial % 2 ? pick(32, 40) : pick(1, 31);
    const int min_side = kind == 2 ? 16 : 1;
    cc.h = pick(std::max(min_side, static_cast<int>((cc.kh - 1) * cc.dh + 1)), kind == 2 ? 30 : 19);
    cc.w = pick(std::max(min_side, static_cast<int>((cc.kw - 1) * cc.dw + 1)), kind == 2 ? 33 : 23);
    cc.pads = {pick(0, 2), pick(0, 2), pick(0, 2), pick(0, 2)};
    if (kind == 2) cc.pads = {1, 1, 1, 1};
    cc.act = acts[trial % 7];
    cc.bias = trial % 3 != 0;
    std::vector<float> w(static_cast<size_t>(cc.m * (cc.c / cc.group) * cc.kh * cc.kw)),
        bias(static_cast<size_t>(cc.m));
    std::vector<float> x(static_cast<size_t>(cc.n * cc.c * cc.h * cc.w));
    for (auto* v : {&w, &bias, &x})
      for (float& e : *v) e = uni(rng);
    const Graph g = make_graph(cc, w, bias);
    const std::vector<float> want = run(g, KernelPath::Reference, 1, x);

    // Error bound per output: float accumulation over K terms, relative to the sum of |w*x| (computed by the
    // reference on absolute values, without activation): 4 * eps * sqrt(K) * S + 2 ulp of the value.
    ConvCase abs_case = cc;
    abs_case.act = "none";
    std::vector<float> aw = w, ab = bias, ax = x;
    for (auto* v : {&aw, &ab, &ax})
      for (float& e : *v) e = std::fabs(e);
    const std::vector<float> sum_abs = run(make_graph(abs_case, aw, ab), KernelPath::Reference, 1, ax);
    const double k = static_cast<double>((cc.c / cc.group) * cc.kh * cc.kw);
    // Winograd mixes a whole 6x6 input window into each output of a tile, so its error scales with the
    // tile's magnitude, not the output's own sum: bounded here by the largest sum of |w*x| of the output
    // plane, with the factor measured and justified in docs/KERNELS.md (64 eps (1 + sqrt(9C)/8)).
    // Winograd from 32 input channels on AVX-512, from 8 on AVX2 (engine/ops/conv2d_fast.cpp).
    auto winograd_on = [&](KernelPath path) { return kind == 2 && cc.c >= (path == KernelPath::Avx512 ? 32 : 8); };
    const int64_t plane = sum_abs.size() / static_cast<size_t>(cc.n * cc.m);
    std::vector<double> plane_max(static_cast<size_t>(cc.n * cc.m), 0.0);
    for (size_t i = 0; i < sum_abs.size(); ++i)
      plane_max[i / static_cast<size_t>(plane)] =
          std::max<double>(plane_max[i / static_cast<size_t>(plane)], sum_abs[i]);
    const double winograd_factor = 64 * 6e-8 * (1 + std::sqrt(9.0 * static_cast<double>(cc.c)) / 8);

    for (KernelPath path : {KernelPath::Scalar, KernelPath::Avx2, KernelPath::Avx512}) {
      if (!kernel_path_supported(path)) {
        MESSAGE("this CPU lacks ", kernel_path_name(path), ": not tested here");
        continue;
      }
      for (int threads : {1, 2}) {
        std::string kernel_type;
        const std::vector<float> got = run(g, path, threads, x, &kernel_type);
        // The planner's choice, by the bound kernel's class name.
        const bool depthwise = cc.group == cc.c && cc.c == cc.m;
        const bool winograd = winograd_on(path);
        // Grouped convs of up to 8 channels per group on the vector paths.
        const char* expected = depthwise                                                            ? "Depthwise"
                               : winograd && plane >= 256                                           ? "Winograd"
                               : cc.group > 1 && cc.c / cc.group <= 8 && path != KernelPath::Scalar ? "Grouped"
                                                                                                    : "Packed";
        CHECK_MESSAGE(kernel_type.find(expected) != std::string::npos, kernel_type);
        REQUIRE(got.size() == want.size());
        double worst = 0;
        for (size_t i = 0; i < got.size(); ++i) {
          double bound = 4 * 1.2e-7 * std::sqrt(k) * sum_abs[i] + 2.4e-7 * std::fabs(want[i]) + 1e-30;
          if (winograd) bound += winograd_factor * plane_max[i / static_cast<size_t>(plane)];
          worst = std::max(worst, std::fabs(static_cast<double>(got[i]) - want[i]) / bound);
        }
        INFO("trial ", trial, " path ", kernel_path_name(path), " threads ", threads, " act ", cc.act);
        CHECK(worst <= 1.0);
        ++checked;
      }
    }
  }
  CHECK(checked > 0);
}
