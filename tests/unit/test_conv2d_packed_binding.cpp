// Conv2d as the engine binds it on every optimised path the CPU has (packed GEMM, fused epilogue, thread
// split) against the reference path, through GraphBuilder + Engine on random convs.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

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

std::vector<float> run(const Graph& g, KernelPath path, int threads, const std::vector<float>& x) {
  EngineOptions options;
  options.path = path;
  Engine engine(g, options);
  ExecutionContext ctx(engine, threads);
  std::copy(x.begin(), x.end(), ctx.input(0).f32());
  ctx.run();
  const TensorView y = ctx.output(0);
  return std::vector<float>(y.f32(), y.f32() + y.numel());
}

}  // namespace

TEST_CASE("conv2d binding: every optimised path matches the reference path on random convs") {
  std::mt19937 rng(99);
  auto pick = [&](int lo, int hi) { return static_cast<int64_t>(lo + static_cast<int>(rng() % static_cast<unsigned>(hi - lo + 1))); };
  std::uniform_real_distribution<float> uni(-1, 1);
  const char* acts[] = {"none", "relu", "leaky_relu", "sigmoid", "silu", "clip", "mish"};
  int checked = 0;
  for (int trial = 0; trial < 60; ++trial) {
    ConvCase cc;
    cc.group = trial % 5 == 0 ? pick(2, 3) : 1;
    cc.n = pick(1, 2);
    cc.c = cc.group * pick(1, 9);
    cc.m = cc.group * pick(1, 20);
    cc.kh = pick(1, 3), cc.kw = pick(1, 3);
    cc.sh = pick(1, 2), cc.sw = pick(1, 2);
    cc.dh = trial % 7 == 0 ? 2 : 1, cc.dw = cc.dh;
    cc.h = pick(static_cast<int>((cc.kh - 1) * cc.dh + 1), 19), cc.w = pick(static_cast<int>((cc.kw - 1) * cc.dw + 1), 23);
    cc.pads = {pick(0, 2), pick(0, 2), pick(0, 2), pick(0, 2)};
    cc.act = acts[trial % 7];
    cc.bias = trial % 3 != 0;
    std::vector<float> w(static_cast<size_t>(cc.m * (cc.c / cc.group) * cc.kh * cc.kw)), bias(static_cast<size_t>(cc.m));
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

    for (KernelPath path : {KernelPath::Scalar, KernelPath::Avx2, KernelPath::Avx512}) {
      if (!kernel_path_supported(path)) {
        MESSAGE("this CPU lacks ", kernel_path_name(path), ": not tested here");
        continue;
      }
      for (int threads : {1, 2}) {
        const std::vector<float> got = run(g, path, threads, x);
        REQUIRE(got.size() == want.size());
        double worst = 0;
        for (size_t i = 0; i < got.size(); ++i) {
          const double bound = 4 * 1.2e-7 * std::sqrt(k) * sum_abs[i] + 2.4e-7 * std::fabs(want[i]) + 1e-30;
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
