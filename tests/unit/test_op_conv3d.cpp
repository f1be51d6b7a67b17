// The Conv3d op through GraphBuilder + Engine: every kernel path (reference, scalar, avx2, avx512 where the
// CPU has them) against conv3d_reference, run-time weights, BatchNorm folding and activation fusion into
// Conv3d (outputs against the unfolded graph on the reference path), and the load-time errors for bad
// shapes and attributes.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/cpu_features.h"
#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "engine/passes/fold_batch_norm.h"
#include "error_of.h"
#include "graph_query_support.h"
#include "kernels/conv3d/conv3d.h"
#include "tests/unit/graph_run_support.h"

using namespace vigil;

namespace {

using I = std::vector<int64_t>;
using test::error_of;
using test::random_values;

std::vector<KernelPath> paths() {
  std::vector<KernelPath> p{KernelPath::Reference, KernelPath::Scalar};
  if (cpu_features().has_avx2_fma()) p.push_back(KernelPath::Avx2);
  if (cpu_features().has_avx512_core()) p.push_back(KernelPath::Avx512);
  return p;
}

Attributes conv3d_attrs(I strides, I pads, I dilations = {1, 1, 1}, int64_t group = 1) {
  Attributes a;
  a.set("strides", std::move(strides));
  a.set("pads", std::move(pads));
  a.set("dilations", std::move(dilations));
  a.set("group", group);
  return a;
}

// A graph x -> Conv3d(w, b) -> y with the given shapes and attributes.
Graph conv3d_graph(const Shape& x, const Shape& w, const Shape* b, Attributes attrs, bool constant_weights = true) {
  std::mt19937 rng(5);
  GraphBuilder gb;
  std::vector<int> in{gb.input("x", DType::F32, x)};
  if (constant_weights)
    in.push_back(gb.constant("w", Tensor::from_f32(w, random_values(static_cast<size_t>(w.numel()), rng))));
  else
    in.push_back(gb.input("w", DType::F32, w));
  if (b) in.push_back(gb.constant("b", Tensor::from_f32(*b, random_values(static_cast<size_t>(b->numel()), rng))));
  gb.output(gb.node(OpType::Conv3d, "conv3d", in, std::move(attrs)));
  return gb.build();
}

std::string load_error(const Shape& x, const Shape& w, Attributes attrs, const Shape* b = nullptr) {
  return error_of([&] { Engine engine(conv3d_graph(x, w, b, std::move(attrs))); });
}

}  // namespace

TEST_CASE("Conv3d op: every kernel path matches conv3d_reference (grouped, strided, dilated, padded)") {
  struct Case {
    Shape x, w;
    I strides, pads, dilations;
    int64_t group;
    const char* activation;
  };
  const Case cases[] = {
      {{1, 3, 8, 20, 18}, {8, 3, 3, 3, 3}, {1, 2, 2}, {1, 1, 1, 1, 1, 1}, {1, 1, 1}, 1, "relu"},
      {{2, 6, 5, 9, 7}, {9, 2, 1, 3, 3}, {1, 2, 1}, {0, 1, 1, 0, 2, 1}, {1, 1, 2}, 3, "none"},
      {{1, 5, 7, 6, 6}, {5, 1, 3, 3, 3}, {1, 1, 1}, {1, 1, 1, 1, 1, 1}, {2, 1, 1}, 5, "sigmoid"},  // depthwise
      {{1, 7, 6, 5, 4}, {4, 7, 1, 1, 1}, {1, 1, 1}, {0, 0, 0, 0, 0, 0}, {1, 1, 1}, 1, "none"},     // pointwise
      {{1, 4, 9, 4, 5}, {6, 4, 3, 1, 1}, {2, 1, 1}, {1, 0, 0, 1, 0, 0}, {1, 1, 1}, 1, "relu6"},    // temporal
  };
  for (const Case& c : cases) {
    CAPTURE(c.x.str());
    CAPTURE(c.w.str());
    Attributes a = conv3d_attrs(c.strides, c.pads, c.dilations, c.group);
    if (std::string(c.activation) == "relu6") {
      a.set("activation", std::string("clip"));
      a.set("activation_alpha", 0.0f);
      a.set("activation_beta", 6.0f);
    } else {
      a.set("activation", std::string(c.activation));
    }
    const Shape b{c.w[0]};
    Graph g = conv3d_graph(c.x, c.w, &b, a);

    // conv3d_reference on the same random input and constants.
    std::mt19937 rng(11);
    const std::vector<float> x = random_values(static_cast<size_t>(c.x.numel()), rng);
    std::vector<float> want;
    for (KernelPath path : paths()) {
      CAPTURE(std::string(kernel_path_name(path)));
      Engine engine(g, EngineOptions{path, true, 2});
      ExecutionContext ctx(engine, 2);
      std::copy(x.begin(), x.end(), ctx.input(0).f32());
      ctx.run();
      const TensorView y = ctx.output(0);
      if (want.empty()) {
        // The first path is the reference: check it against the kernel called directly, then use it.
        REQUIRE(path == KernelPath::Reference);
        kernels::Conv3dParams p;
        p.in_channels = c.x[1], p.in_d = c.x[2], p.in_h = c.x[3], p.in_w = c.x[4];
        p.batch = c.x[0];
        p.out_channels = c.w[0], p.kernel_d = c.w[2], p.kernel_h = c.w[3], p.kernel_w = c.w[4];
        p.stride_d = c.strides[0], p.stride_h = c.strides[1], p.stride_w = c.strides[2];
        p.dilation_d = c.dilations[0], p.dilation_h = c.dilations[1], p.dilation_w = c.dilations[2];
        p.pad_front = c.pads[0], p.pad_top = c.pads[1], p.pad_left = c.pads[2];
        p.group = c.group;
        p.out_d = y.shape[2], p.out_h = y.shape[3], p.out_w = y.shape[4];
        p.activation = engine.graph().nodes[0].attrs.get_string("activation", "") == "relu"
                           ? kernels::ActivationParams{kernels::Activation::Relu}
                           : kernels::ActivationParams{};
        if (std::string(c.activation) == "none" || std::string(c.activation) == "relu") {
          std::vector<float> direct(static_cast<size_t>(y.numel()));
          const Graph& eg = engine.graph();
          conv3d_reference(p, x.data(), eg.constant_of(eg.nodes[0].inputs[1]).f32(),
                           eg.constant_of(eg.nodes[0].inputs[2]).f32(), direct.data());
          CHECK(std::vector<float>(y.f32(), y.f32() + y.numel()) == direct);
        }
        want.assign(y.f32(), y.f32() + y.numel());
        continue;
      }
      REQUIRE(static_cast<size_t>(y.numel()) == want.size());
      double worst = 0;
      for (size_t i = 0; i < want.size(); ++i)
        worst = std::max(worst, std::fabs(y.f32()[i] - want[i]) / (1e-4 * std::max(1.0, std::fabs(double{want[i]}))));
      CHECK(worst <= 1.0);  // docs/OPERATORS.md: Conv3d fast path within 1e-4 relative (this data: |y| ~ 1)
    }
  }
}

TEST_CASE("Conv3d op: run-time weights use the reference kernel on every path") {
  const Shape b{4};
  Graph g = conv3d_graph({1, 2, 3, 4, 5}, {4, 2, 2, 2, 2}, &b, conv3d_attrs({1, 1, 1}, {0, 1, 0, 1, 0, 1}), false);
  std::vector<std::vector<float>> results;
  for (KernelPath path : paths()) results.push_back(test::run_graph(g, EngineOptions{path, true, 2}, 2, 3)[0]);
  for (const auto& r : results) CHECK(r == results[0]);
}

TEST_CASE("Conv3d op: BatchNorm folds into it and a following ReLU fuses, the outputs stay") {
  std::mt19937 rng(21);
  GraphBuilder gb;
  const int x = gb.input("x", DType::F32, {1, 3, 4, 9, 8});
  const int w = gb.constant("conv.w", Tensor::from_f32({6, 3, 1, 3, 3}, random_values(162, rng)));
  const int conv = gb.node(OpType::Conv3d, "conv", {x, w}, conv3d_attrs({1, 2, 2}, {0, 1, 1, 0, 1, 1}));
  std::vector<int> bn_in{conv};
  bn_in.push_back(gb.constant("bn.scale", Tensor::from_f32({6}, random_values(6, rng, 0.5f, 1.5f))));
  bn_in.push_back(gb.constant("bn.bias", Tensor::from_f32({6}, random_values(6, rng))));
  bn_in.push_back(gb.constant("bn.mean", Tensor::from_f32({6}, random_values(6, rng, -0.5f, 0.5f))));
  bn_in.push_back(gb.constant("bn.var", Tensor::from_f32({6}, random_values(6, rng, 0.2f, 2.0f))));
  const int bn = gb.node(OpType::BatchNorm, "bn", bn_in);
  gb.output(gb.node(OpType::Relu, "relu", {bn}));
  const Graph original = gb.build();

  Graph folded = original;
  fold_batch_norm(folded);
  fuse_activations(folded);
  REQUIRE(folded.nodes.size() == 1);
  CHECK(folded.nodes[0].op == OpType::Conv3d);
  CHECK(folded.nodes[0].inputs.size() == 3);  // the folded bias
  CHECK(folded.nodes[0].attrs.get_string("activation", "") == "relu");
  CHECK(folded.values[static_cast<size_t>(folded.outputs[0])].name == "relu");

  // The unoptimised graph on the reference path (BatchNorm on a 5-D tensor, then Relu) vs the folded one.
  const auto want = test::run_graph(original, EngineOptions{KernelPath::Reference, false, 1}, 1, 9)[0];
  for (KernelPath path : paths()) {
    CAPTURE(std::string(kernel_path_name(path)));
    const auto got = test::run_graph(original, EngineOptions{path, true, 2}, 2, 9)[0];
    REQUIRE(got.size() == want.size());
    int positives = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      positives += want[i] > 0;
      CHECK(std::fabs(got[i] - want[i]) <= 1e-4 * std::max(1.0f, std::fabs(want[i])));
    }
    CHECK(positives > static_cast<int>(got.size()) / 5);  // the ReLU is not trivially all-zero
  }
}

TEST_CASE("Conv3d op: load-time errors name the node and the mismatch") {
  const I one{1, 1, 1}, zero6{0, 0, 0, 0, 0, 0};
  CHECK(test::contains(load_error({1, 3, 4, 5, 5}, {2, 3, 3, 3}, conv3d_attrs(one, zero6)),
                       "weight W must have rank 5, got shape [2,3,3,3]"));
  CHECK(
      test::contains(load_error({1, 3, 5, 5}, {2, 3, 1, 3, 3}, conv3d_attrs(one, zero6)), "input X must have rank 5"));
  CHECK(test::contains(load_error({1, 4, 4, 5, 5}, {2, 3, 1, 3, 3}, conv3d_attrs(one, zero6)),
                       "expects 3 input channels"));
  CHECK(test::contains(load_error({1, 3, 4, 5, 5}, {2, 3, 1, 3, 3}, conv3d_attrs(one, {0, 0, 0, 0})), "'pads'"));
  CHECK(test::contains(load_error({1, 3, 4, 5, 5}, {2, 3, 1, 3, 3}, conv3d_attrs({1, 1}, zero6)), "'strides'"));
  CHECK(test::contains(load_error({1, 3, 4, 5, 5}, {2, 3, 1, 3, 3}, conv3d_attrs({1, 0, 1}, zero6)), "'strides'"));
  CHECK(test::contains(load_error({1, 3, 4, 5, 5}, {2, 3, 1, 3, 3}, conv3d_attrs(one, {0, 0, -1, 0, 0, 0})), "'pads'"));
  CHECK(test::contains(load_error({1, 6, 4, 5, 5}, {4, 2, 1, 3, 3}, conv3d_attrs(one, zero6, one, 3)),
                       "output channels 4"));
  CHECK(test::contains(load_error({1, 3, 2, 5, 5}, {2, 3, 3, 3, 3}, conv3d_attrs(one, zero6)),
                       "dilated kernel 3x3x3 is larger than the padded input 2x5x5"));
  CHECK(test::contains(load_error({1, 3, 3, 5, 5}, {2, 3, 2, 3, 3}, conv3d_attrs(one, zero6, {3, 1, 1})),
                       "dilated kernel 4x3x3"));
  const Shape bad_bias{3};
  CHECK(test::contains(load_error({1, 3, 4, 5, 5}, {2, 3, 1, 3, 3}, conv3d_attrs(one, zero6), &bad_bias),
                       "bias B [3] must have shape [2]"));
  Attributes ks = conv3d_attrs(one, zero6);
  ks.set("kernel_shape", I{1, 3, 2});
  CHECK(test::contains(load_error({1, 3, 4, 5, 5}, {2, 3, 1, 3, 3}, ks), "kernel_shape [1,3,2] does not match"));
  CHECK(test::contains(load_error({1, 3, 4, 5, 5}, {2, 3, 1, 3, 3}, conv3d_attrs(one, zero6, one, 0)),
                       "group must be >= 1"));
  CHECK(test::contains(load_error({1, 3, 4, 5, 5}, {2, 3, 1, 3, 3}, conv3d_attrs(one, zero6)), "(no error)"));
}
