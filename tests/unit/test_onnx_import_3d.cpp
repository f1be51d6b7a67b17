// The ONNX importer on 5-D (video, NCDHW) models built in C++: Conv -> BatchNormalization -> Relu ->
// MaxPool becomes Conv3d (BatchNorm folded, ReLU fused) -> MaxPool3d and computes what an independent loop
// computes; auto_pad on 3-D; BatchNormalization, GlobalAveragePool, GlobalMaxPool and ReduceMean on 5-D
// inputs; and the import errors for ranks and attribute lengths.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/executor.h"
#include "graph_query_support.h"
#include "kernels/conv3d/conv3d.h"
#include "onnx_import_support.h"
#include "test_onnx_encoder.h"

using namespace vigil;
using namespace vigil::test;

namespace {

using I = std::vector<int64_t>;
using V = std::vector<float>;

V random_floats(size_t n, std::mt19937& rng, float lo, float hi) {
  std::uniform_real_distribution<float> u(lo, hi);
  V v(n);
  for (float& f : v) f = u(rng);
  return v;
}

V run(Graph g, const V& x, Shape* y_shape = nullptr) {
  Engine engine(std::move(g));
  ExecutionContext ctx(engine);
  std::copy(x.begin(), x.end(), ctx.input(0).f32());
  ctx.run();
  const TensorView y = ctx.output(0);
  if (y_shape) *y_shape = y.shape;
  return {y.f32(), y.f32() + y.numel()};
}

GraphSpec one_node(const std::string& op, const I& x_shape, std::vector<Pb> attrs = {}) {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, x_shape));
  g.outputs.push_back(value_info("y", kFloat, {}));
  g.nodes.push_back(node(op, {"x"}, {"y"}, "n", std::move(attrs)));
  return g;
}

}  // namespace

TEST_CASE("onnx import 3-D: Conv + BatchNormalization + Relu + MaxPool fold into Conv3d + MaxPool3d") {
  std::mt19937 rng(3);
  const V w = random_floats(6 * 3 * 27, rng, -0.3f, 0.3f), b = random_floats(6, rng, -0.5f, 0.5f);
  const V scale = random_floats(6, rng, 0.5f, 1.5f), shift = random_floats(6, rng, -0.5f, 0.5f);
  const V mean = random_floats(6, rng, -0.3f, 0.3f), var = random_floats(6, rng, 0.3f, 2.0f);
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {1, 3, 4, 10, 9}));
  g.outputs.push_back(value_info("y", kFloat, {}));
  g.initializers = {tensor_f32("w", {6, 3, 3, 3, 3}, w), tensor_f32("b", {6}, b),    tensor_f32("s", {6}, scale),
                    tensor_f32("t", {6}, shift),         tensor_f32("m", {6}, mean), tensor_f32("v", {6}, var)};
  g.nodes.push_back(node("Conv", {"x", "w", "b"}, {"c"}, "conv",
                         {attr_ints("pads", {1, 1, 1, 1, 1, 1}), attr_ints("strides", {1, 2, 2})}));
  g.nodes.push_back(node("BatchNormalization", {"c", "s", "t", "m", "v"}, {"bn"}, "bn", {attr_f("epsilon", 1e-3f)}));
  g.nodes.push_back(node("Relu", {"bn"}, {"r"}, "relu"));
  g.nodes.push_back(
      node("MaxPool", {"r"}, {"y"}, "pool",
           {attr_ints("kernel_shape", {2, 2, 2}), attr_ints("strides", {2, 2, 2}), attr_i("ceil_mode", 1)}));
  const Graph graph = import(g);
  CHECK(count_op(graph, OpType::BatchNorm) == 0);
  CHECK(count_op(graph, OpType::Relu) == 0);
  const Node& conv = only_node(graph, OpType::Conv3d);
  CHECK(conv.attrs.get_string("activation", "") == "relu");
  CHECK(conv.attrs.get_ints("pads") == I{1, 1, 1, 1, 1, 1});
  CHECK(conv.attrs.get_ints("strides") == I{1, 2, 2});
  CHECK(only_node(graph, OpType::MaxPool3d).attrs.get_ints("pads") == I{0, 0, 0, 0, 0, 0});

  // Independently: conv3d_reference with the original weights, BatchNorm in double, ReLU, then a 2x2x2
  // ceil-mode max over the 4x5x5 conv output (last window in H and W covers one row/column).
  const V x = random_floats(3 * 4 * 10 * 9, rng, -1, 1);
  kernels::Conv3dParams p;
  p.in_channels = 3, p.in_d = 4, p.in_h = 10, p.in_w = 9;
  p.out_channels = 6, p.out_d = 4, p.out_h = 5, p.out_w = 5;
  p.kernel_d = p.kernel_h = p.kernel_w = 3;
  p.stride_h = p.stride_w = 2;
  p.pad_front = p.pad_top = p.pad_left = 1;
  V c(6 * 4 * 5 * 5);
  kernels::conv3d_reference(p, x.data(), w.data(), b.data(), c.data());
  V want;
  for (int64_t m = 0; m < 6; ++m) {
    const double k = scale[static_cast<size_t>(m)] / std::sqrt(double{var[static_cast<size_t>(m)]} + 1e-3);
    for (int64_t od = 0; od < 2; ++od)
      for (int64_t oh = 0; oh < 3; ++oh)
        for (int64_t ow = 0; ow < 3; ++ow) {
          double best = 0;  // after ReLU every value is >= 0
          for (int64_t d = 2 * od; d < std::min<int64_t>(2 * od + 2, 4); ++d)
            for (int64_t h = 2 * oh; h < std::min<int64_t>(2 * oh + 2, 5); ++h)
              for (int64_t ww = 2 * ow; ww < std::min<int64_t>(2 * ow + 2, 5); ++ww) {
                const double v =
                    (c[static_cast<size_t>(((m * 4 + d) * 5 + h) * 5 + ww)] - mean[static_cast<size_t>(m)]) * k +
                    shift[static_cast<size_t>(m)];
                best = std::max(best, v);
              }
          want.push_back(static_cast<float>(best));
        }
  }
  Shape shape;
  const V y = run(graph, x, &shape);
  CHECK(shape == Shape{1, 6, 2, 3, 3});
  REQUIRE(y.size() == want.size());
  int positive = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    positive += want[i] > 0;
    CHECK(std::fabs(y[i] - want[i]) <= 1e-4 * std::max(1.0f, std::fabs(want[i])));
  }
  CHECK(positive > 20);
}

TEST_CASE("onnx import 3-D: auto_pad SAME_UPPER / VALID on a 3-D Conv and AveragePool") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {1, 2, 5, 7, 6}));
  g.outputs.push_back(value_info("y", kFloat, {}));
  g.initializers = {tensor_f32("w", {4, 2, 2, 3, 3}, V(4 * 2 * 18, 0.5f))};
  g.nodes.push_back(
      node("Conv", {"x", "w"}, {"y"}, "conv", {attr_s("auto_pad", "SAME_UPPER"), attr_ints("strides", {2, 2, 1})}));
  Graph graph = import(g);
  // Output ceil(in / stride) = 3x4x6; total padding (out-1)*s + k - in = 1, 2, 2, the odd one at the end.
  CHECK(only_node(graph, OpType::Conv3d).attrs.get_ints("pads") == I{0, 1, 1, 1, 1, 1});
  Shape shape;
  run(graph, V(2 * 5 * 7 * 6, 1.0f), &shape);
  CHECK(shape == Shape{1, 4, 3, 4, 6});

  GraphSpec avg =
      one_node("AveragePool", {1, 2, 5, 7, 6}, {attr_ints("kernel_shape", {3, 3, 3}), attr_s("auto_pad", "VALID")});
  graph = import(avg);
  const V y = run(graph, V(2 * 5 * 7 * 6, 2.0f), &shape);
  CHECK(shape == Shape{1, 2, 3, 5, 4});
  CHECK(y == V(2 * 3 * 5 * 4, 2.0f));
}

TEST_CASE("onnx import 3-D: BatchNormalization, GlobalAveragePool, GlobalMaxPool and ReduceMean on 5-D inputs") {
  std::mt19937 rng(17);
  const I shape{2, 3, 2, 3, 4};  // 24 cells per (n, c)
  const V x = random_floats(2 * 3 * 24, rng, -2, 2);
  V sum_want, max_want;
  for (size_t plane = 0; plane < 6; ++plane) {
    double s = 0, m = -1e30;
    for (size_t i = 0; i < 24; ++i) s += x[plane * 24 + i], m = std::max(m, double{x[plane * 24 + i]});
    sum_want.push_back(static_cast<float>(s / 24));
    max_want.push_back(static_cast<float>(m));
  }
  Shape y_shape;
  V y = run(import(one_node("GlobalAveragePool", shape)), x, &y_shape);
  CHECK(y_shape == Shape{2, 3, 1, 1, 1});
  for (size_t i = 0; i < 6; ++i) CHECK(y[i] == doctest::Approx(sum_want[i]).epsilon(1e-6));
  const Graph gmax = import(one_node("GlobalMaxPool", shape));
  CHECK(only_node(gmax, OpType::MaxPool3d).attrs.get_ints("kernel_shape") == I{2, 3, 4});
  y = run(gmax, x, &y_shape);
  CHECK(y_shape == Shape{2, 3, 1, 1, 1});
  CHECK(y == max_want);
  y = run(import(one_node("ReduceMean", shape, {attr_ints("axes", {2, 3, 4})})), x, &y_shape);
  CHECK(y_shape == Shape{2, 3, 1, 1, 1});
  for (size_t i = 0; i < 6; ++i) CHECK(y[i] == doctest::Approx(sum_want[i]).epsilon(1e-6));

  // A BatchNormalization no conv precedes stays a BatchNorm node over the 5-D tensor.
  GraphSpec bn = one_node("BatchNormalization", shape);
  bn.nodes[0] = node("BatchNormalization", {"x", "s", "t", "m", "v"}, {"y"}, "bn");
  bn.initializers = {tensor_f32("s", {3}, {1.5f, -1, 0.5f}), tensor_f32("t", {3}, {0.25f, 0, -1}),
                     tensor_f32("m", {3}, {0.1f, -0.2f, 0.3f}), tensor_f32("v", {3}, {4, 1, 0.25f})};
  const Graph gbn = import(bn);
  CHECK(count_op(gbn, OpType::BatchNorm) == 1);
  y = run(gbn, x, &y_shape);
  CHECK(y_shape == Shape::from(shape));
  const double s[] = {1.5, -1, 0.5}, t[] = {0.25, 0, -1}, m[] = {0.1, -0.2, 0.3}, v[] = {4, 1, 0.25};
  for (size_t i = 0; i < y.size(); ++i) {
    const size_t c = i / 24 % 3;
    const double want = (x[i] - static_cast<double>(static_cast<float>(m[c]))) /
                            std::sqrt(static_cast<double>(static_cast<float>(v[c])) + 1e-5) * s[c] +
                        t[c];
    CHECK(y[i] == doctest::Approx(want).epsilon(1e-5));
  }
}

TEST_CASE("onnx import 3-D: rank and attribute-length errors name the node") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {1, 2, 4, 5, 5}));
  g.outputs.push_back(value_info("y", kFloat, {}));
  g.initializers = {tensor_f32("w", {3, 2, 3, 3}, V(54, 1.0f))};
  g.nodes.push_back(node("Conv", {"x", "w"}, {"y"}, "conv"));
  CHECK(contains(import_error(g), "weight W [3,2,3,3] and input X [1,2,4,5,5] differ in rank"));
  g.initializers = {tensor_f32("w", {3, 2, 1, 3, 3}, V(54, 1.0f))};
  g.nodes = {node("Conv", {"x", "w"}, {"y"}, "conv", {attr_ints("pads", {1, 1, 1, 1})})};
  CHECK(contains(import_error(g), "attribute 'pads' has 4 values, expected 6"));
  g.nodes = {node("Conv", {"x", "w"}, {"y"}, "conv", {attr_ints("kernel_shape", {3, 3, 3})})};
  CHECK(contains(import_error(g), "kernel_shape [3,3,3] does not match weight W [3,2,1,3,3]"));
  g.nodes = {node("Conv", {"x", "w"}, {"y"}, "conv", {attr_ints("dilations", {1, 1})})};
  CHECK(contains(import_error(g), "attribute 'dilations' has 2 values, expected 3"));
  g.initializers = {tensor_f32("w", {3, 4, 1, 3, 3}, V(108, 1.0f))};
  g.nodes = {node("Conv", {"x", "w"}, {"y"}, "conv")};
  CHECK(contains(import_error(g), "expects 4 input channels"));
  CHECK(contains(import_error(one_node("MaxPool", {1, 2, 4, 5, 5}, {attr_ints("kernel_shape", {2, 2})})),
                 "kernel_shape [2,2] does not match input [1,2,4,5,5]"));
  CHECK(contains(import_error(one_node("AveragePool", {1, 2, 3, 4, 5, 5}, {attr_ints("kernel_shape", {2, 2, 2, 2})})),
                 "vigil supports 1-D, 2-D and 3-D AveragePool (input rank 3, 4 or 5)"));
  CHECK(contains(import_error(one_node("GlobalMaxPool", {1, 2, 3, 4, 5, 5})), "vigil supports 1-D, 2-D and 3-D"));
}
