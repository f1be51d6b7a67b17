// fold_pad_into_conv: a zero Pad of H and W feeding only a Conv2d (as X) or an AveragePool with
// count_include_pad = 1 becomes the consumer's pads. On random convs (3x3 Winograd sizes, 1x1, depthwise,
// strided, dilated, the 3-channel first layer) and pools, on every kernel path at 1 and 2 threads, the
// folded graph's output equals the unfolded graph's bit for bit. Every case that must not fold is checked:
// nonzero or -0 value, edge mode, batch/channel pads, cropping, a second reader, a graph output, MaxPool,
// AveragePool without count_include_pad, and a ceil-mode pool with end padding.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "engine/passes/fold_pad_into_conv.h"
#include "graph_query_support.h"
#include "tests/unit/graph_run_support.h"

using namespace vigil;
using namespace vigil::test;

namespace {

using I = std::vector<int64_t>;
using test::random_values;

Attributes pad_attrs(const I& pads, const char* mode = "constant", float value = 0.0f) {
  Attributes a;
  a.set("pads", pads);
  a.set("mode", std::string(mode));
  a.set("value", value);
  return a;
}

// x -> Pad -> Conv2d (random weights and bias) -> output.
Graph pad_conv(std::mt19937& rng, const Shape& x_shape, const Attributes& pad, int64_t cout, int64_t k, int64_t stride,
               int64_t dilation, int64_t group, const I& conv_pads) {
  GraphBuilder gb;
  const int x = gb.input("x", DType::F32, x_shape);
  const int p = gb.node(OpType::Pad, "pad", {x}, pad);
  const int64_t cin = x_shape[1];
  const int w =
      gb.constant("w", Tensor::from_f32({cout, cin / group, k, k},
                                        random_values(static_cast<size_t>(cout * (cin / group) * k * k), rng)));
  const int b = gb.constant("b", Tensor::from_f32({cout}, random_values(static_cast<size_t>(cout), rng)));
  Attributes a;
  a.set("pads", conv_pads);
  a.set("strides", I{stride, stride});
  a.set("dilations", I{dilation, dilation});
  a.set("group", group);
  gb.output(gb.node(OpType::Conv2d, "conv", {p, w, b}, a));
  return gb.build();
}

// x -> Pad -> pool -> output.
Graph pad_pool(const Shape& x_shape, const Attributes& pad, OpType pool, const I& kernel, const I& strides,
               const I& pool_pads, int64_t count_include_pad, int64_t ceil_mode) {
  GraphBuilder gb;
  const int x = gb.input("x", DType::F32, x_shape);
  const int p = gb.node(OpType::Pad, "pad", {x}, pad);
  Attributes a;
  a.set("kernel_shape", kernel);
  a.set("strides", strides);
  a.set("pads", pool_pads);
  a.set("ceil_mode", ceil_mode);
  if (pool == OpType::AveragePool) a.set("count_include_pad", count_include_pad);
  gb.output(gb.node(pool, "pool", {p}, a));
  return gb.build();
}

// The graph run with and without the load-time passes must agree bit for bit on every path and thread count.
void check_same_bits(const Graph& g) {
  for (KernelPath path : supported_kernel_paths()) {
    for (int threads : {1, 2}) {
      EngineOptions plain, optimized;
      plain.path = optimized.path = path;
      plain.optimize = false;
      optimized.nchwc_block = 0;  // the NCHW kernels of both graphs (use_nchwc_layout has its own test)
      const auto want = test::run_graph(g, plain, threads, 5);
      const auto got = test::run_graph(g, optimized, threads, 5);
      CAPTURE(kernel_path_name(path));
      CAPTURE(threads);
      REQUIRE(want.size() == got.size());
      REQUIRE(want[0].size() == got[0].size());
      CHECK(std::memcmp(want[0].data(), got[0].data(), want[0].size() * sizeof(float)) == 0);
    }
  }
}

}  // namespace

TEST_CASE("fold_pad_into_conv: the Pad's H/W pads move into the conv's pads, names are kept") {
  std::mt19937 rng(3);
  Graph g = pad_conv(rng, {1, 4, 7, 9}, pad_attrs({0, 0, 1, 0, 0, 0, 2, 3}), 5, 3, 1, 1, 1, {1, 1, 0, 1});
  const Shape before = g.values[static_cast<size_t>(g.outputs[0])].shape;
  fold_pad_into_conv(g);
  CHECK(count_op(g, OpType::Pad) == 0);
  const Node& conv = only_node(g, OpType::Conv2d);
  CHECK(conv.attrs.get_ints("pads") == I{2, 1, 2, 4});  // [top, left, bottom, right] + [1, 0, 2, 3]
  CHECK(conv.inputs[0] == g.inputs[0]);
  CHECK(conv.attrs.get_strings("fused_values") == std::vector<std::string>{"pad"});
  CHECK(g.values[static_cast<size_t>(g.outputs[0])].name == "conv");
  CHECK(g.values[static_cast<size_t>(g.outputs[0])].shape == before);
  CHECK(g.find_value("pad") < 0);
}

TEST_CASE("fold_pad_into_conv: random convs give the unfolded graph's output bit for bit on every path") {
  std::mt19937 rng(11);
  struct Conv {
    Shape x;
    int64_t cout, k, stride, dilation, group;
  };
  // Winograd-sized 3x3, 1x1 (packed GEMM), depthwise, the 3-channel stride-2 first layer (direct kernel),
  // 5x5 dilated, grouped, batch 2.
  const Conv convs[] = {{{1, 16, 12, 12}, 16, 3, 1, 1, 1},  {{1, 8, 9, 11}, 12, 1, 1, 1, 1},
                        {{1, 16, 10, 13}, 16, 3, 1, 1, 16}, {{1, 3, 32, 32}, 16, 3, 2, 1, 1},
                        {{2, 4, 11, 9}, 6, 5, 1, 2, 1},     {{1, 6, 8, 8}, 4, 3, 2, 1, 2}};
  int folded = 0;
  for (const Conv& c : convs) {
    for (int trial = 0; trial < 3; ++trial) {
      I pads(8, 0);
      for (int k : {2, 3, 6, 7}) pads[static_cast<size_t>(k)] = static_cast<int64_t>(rng() % 4);
      const I conv_pads = {static_cast<int64_t>(rng() % 3), static_cast<int64_t>(rng() % 3),
                           static_cast<int64_t>(rng() % 3), static_cast<int64_t>(rng() % 3)};
      CAPTURE(c.x.str());
      CAPTURE(trial);
      Graph g = pad_conv(rng, c.x, pad_attrs(pads), c.cout, c.k, c.stride, c.dilation, c.group, conv_pads);
      check_same_bits(g);
      Graph f = g;
      fold_pad_into_conv(f);
      folded += count_op(f, OpType::Pad) == 0;
    }
  }
  CHECK(folded == 18);
}

TEST_CASE("fold_pad_into_conv: AveragePool with count_include_pad folds and counts the same cells") {
  std::mt19937 rng(5);
  int folded = 0;
  for (int trial = 0; trial < 12; ++trial) {
    I pads(8, 0);
    for (int k : {2, 3, 6, 7}) pads[static_cast<size_t>(k)] = static_cast<int64_t>(rng() % 3);
    const int64_t kh = 1 + static_cast<int64_t>(rng() % 3), kw = 1 + static_cast<int64_t>(rng() % 3);
    const I pool_pads = {static_cast<int64_t>(rng() % 2), static_cast<int64_t>(rng() % 2),
                         static_cast<int64_t>(rng() % 2), static_cast<int64_t>(rng() % 2)};
    const I strides = {1 + static_cast<int64_t>(rng() % 2), 1 + static_cast<int64_t>(rng() % 2)};
    Graph g = pad_pool({2, 3, 7, 8}, pad_attrs(pads), OpType::AveragePool, {kh, kw}, strides, pool_pads, 1, 0);
    CAPTURE(trial);
    check_same_bits(g);
    Graph f = g;
    fold_pad_into_conv(f);
    folded += count_op(f, OpType::Pad) == 0;
  }
  CHECK(folded == 12);
  // ceil_mode folds when the Pad adds nothing at the end (the last-window rule then sees the same input).
  Graph g = pad_pool({1, 2, 7, 7}, pad_attrs({0, 0, 1, 2, 0, 0, 0, 0}), OpType::AveragePool, {2, 2}, {2, 2},
                     {0, 0, 1, 1}, 1, 1);
  check_same_bits(g);
  fold_pad_into_conv(g);
  CHECK(count_op(g, OpType::Pad) == 0);
  CHECK(only_node(g, OpType::AveragePool).attrs.get_ints("pads") == I{1, 2, 1, 1});
}

TEST_CASE("fold_pad_into_conv: a chain of zero Pads folds completely") {
  GraphBuilder gb;
  const int x = gb.input("x", DType::F32, {1, 2, 6, 6});
  const int p1 = gb.node(OpType::Pad, "pad1", {x}, pad_attrs({0, 0, 1, 0, 0, 0, 0, 1}));
  const int p2 = gb.node(OpType::Pad, "pad2", {p1}, pad_attrs({0, 0, 0, 2, 0, 0, 1, 0}));
  std::mt19937 rng(8);
  const int w = gb.constant("w", Tensor::from_f32({3, 2, 3, 3}, random_values(54, rng)));
  gb.output(gb.node(OpType::Conv2d, "conv", {p2, w}));
  Graph g = gb.build();
  check_same_bits(g);
  fold_pad_into_conv(g);
  CHECK(count_op(g, OpType::Pad) == 0);
  const Node& conv = only_node(g, OpType::Conv2d);
  CHECK(conv.attrs.get_ints("pads") == I{1, 2, 1, 1});
  CHECK(conv.attrs.get_strings("fused_values") == std::vector<std::string>{"pad2", "pad1"});
}

TEST_CASE("fold_pad_into_conv: Pads that are not exactly the consumer's zero padding stay") {
  std::mt19937 rng(9);
  const Shape x = {1, 4, 6, 6};
  const I spatial = {0, 0, 1, 1, 0, 0, 1, 1};
  auto stays = [](Graph g) {
    const size_t nodes = g.nodes.size();
    fold_pad_into_conv(g);
    CHECK(count_op(g, OpType::Pad) == 1);
    CHECK(g.nodes.size() == nodes);
  };
  const I zero = {0, 0, 0, 0};
  SUBCASE("a nonzero value") { stays(pad_conv(rng, x, pad_attrs(spatial, "constant", 0.5f), 2, 3, 1, 1, 1, zero)); }
  SUBCASE("-0.0") { stays(pad_conv(rng, x, pad_attrs(spatial, "constant", -0.0f), 2, 3, 1, 1, 1, zero)); }
  SUBCASE("edge, reflect and wrap modes") {
    for (const char* mode : {"edge", "reflect", "wrap"})
      stays(pad_conv(rng, x, pad_attrs(spatial, mode), 2, 3, 1, 1, 1, zero));
  }
  SUBCASE("batch or channel pads") {
    stays(pad_conv(rng, x, pad_attrs({1, 0, 1, 1, 0, 0, 1, 1}), 2, 3, 1, 1, 1, zero));
    // Channel padding changes C: the conv's weights are built for the padded channel count.
    GraphBuilder gb;
    const int in = gb.input("x", DType::F32, x);
    const int p = gb.node(OpType::Pad, "pad", {in}, pad_attrs({0, 1, 0, 0, 0, 0, 0, 0}));
    const int w = gb.constant("w", Tensor::from_f32({2, 5, 1, 1}, random_values(10, rng)));
    gb.output(gb.node(OpType::Conv2d, "conv", {p, w}));
    stays(gb.build());
  }
  SUBCASE("cropping") { stays(pad_conv(rng, x, pad_attrs({0, 0, -1, 1, 0, 0, 1, 1}), 2, 3, 1, 1, 1, zero)); }
  SUBCASE("a second reader") {
    GraphBuilder gb;
    const int in = gb.input("x", DType::F32, x);
    const int p = gb.node(OpType::Pad, "pad", {in}, pad_attrs(spatial));
    const int w = gb.constant("w", Tensor::from_f32({2, 4, 3, 3}, random_values(72, rng)));
    gb.output(gb.node(OpType::Conv2d, "conv", {p, w}));
    gb.output(gb.node(OpType::Relu, "relu", {p}));
    stays(gb.build());
  }
  SUBCASE("the Pad's output is a graph output") {
    GraphBuilder gb;
    const int in = gb.input("x", DType::F32, x);
    const int p = gb.node(OpType::Pad, "pad", {in}, pad_attrs(spatial));
    const int w = gb.constant("w", Tensor::from_f32({2, 4, 3, 3}, random_values(72, rng)));
    gb.output(gb.node(OpType::Conv2d, "conv", {p, w}));
    gb.output(p);
    stays(gb.build());
  }
  SUBCASE("MaxPool, and AveragePool without count_include_pad") {
    stays(pad_pool(x, pad_attrs(spatial), OpType::MaxPool, {2, 2}, {1, 1}, zero, 0, 0));
    stays(pad_pool(x, pad_attrs(spatial), OpType::AveragePool, {2, 2}, {1, 1}, zero, 0, 0));
  }
  SUBCASE("a ceil-mode AveragePool with end padding") {
    // in 6 + 1 end pad, kernel 2, stride 2, ceil: 4 windows over the padded 7 (the last one starts on the
    // padded zero and divides by 1); folded, the last-window rule would drop it: 3 windows.
    stays(pad_pool(x, pad_attrs({0, 0, 0, 0, 0, 0, 1, 1}), OpType::AveragePool, {2, 2}, {2, 2}, zero, 1, 1));
  }
}
