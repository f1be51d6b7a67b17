// The ONNX ConvTranspose mapping (loaders/onnx/map_conv_transpose.cpp) on models built in C++: auto_pad
// SAME_UPPER / SAME_LOWER / VALID and output_shape resolved into explicit pads and output padding as the
// ONNX spec says (hand-computed pads), output_shape past the full output becoming output padding, 1-D as
// 2-D with a unit height, BatchNormalization + Relu after it folded at import (same outputs as without the
// passes), and the errors for a bad auto_pad, output_shape or rank.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/executor.h"
#include "graph_query_support.h"
#include "graph_run_support.h"
#include "onnx_import_support.h"
#include "test_onnx_encoder.h"

using namespace vigil;
using namespace vigil::test;

namespace {

using I = std::vector<int64_t>;

std::vector<float> ramp(int64_t n) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) v[static_cast<size_t>(k)] = 0.25f * static_cast<float>(k % 7) - 0.5f;
  return v;
}

// x [x_dims] -> ConvTranspose(W [w_dims] constant) -> y.
GraphSpec deconv_model(const I& x_dims, const I& w_dims, const std::vector<Pb>& attrs) {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, x_dims));
  g.outputs.push_back(value_info("y", kFloat, {}));
  int64_t wn = 1;
  for (int64_t d : w_dims) wn *= d;
  g.initializers.push_back(tensor_f32("w", w_dims, ramp(wn)));
  g.nodes.push_back(node("ConvTranspose", {"x", "w"}, {"y"}, "up", attrs));
  return g;
}

const Shape& output_shape(const Graph& g) { return g.values[static_cast<size_t>(g.outputs[0])].shape; }

}  // namespace

TEST_CASE("onnx import: ConvTranspose auto_pad and output_shape become pads and output padding") {
  const I x{1, 2, 3, 3}, w{2, 1, 3, 3};
  // Full output: 2*(3-1) + 3 = 7; SAME targets 3*2 = 6, so one row and column are cropped: at the end for
  // SAME_UPPER, at the start for SAME_LOWER.
  Graph g = import(deconv_model(x, w, {attr_ints("strides", {2, 2}), attr_s("auto_pad", "SAME_UPPER")}));
  const Node* up = &only_node(g, OpType::ConvTranspose2d);
  CHECK(up->attrs.get_ints("pads") == I{0, 0, 1, 1});
  CHECK(output_shape(g) == Shape{1, 1, 6, 6});
  g = import(deconv_model(x, w, {attr_ints("strides", {2, 2}), attr_s("auto_pad", "SAME_LOWER")}));
  CHECK(only_node(g, OpType::ConvTranspose2d).attrs.get_ints("pads") == I{1, 1, 0, 0});
  // VALID ignores pads.
  g = import(deconv_model(x, w, {attr_s("auto_pad", "VALID"), attr_ints("pads", {1, 1, 1, 1})}));
  CHECK(output_shape(g) == Shape{1, 1, 5, 5});
  // output_shape with NOTSET: total padding 7-6 = 1 goes to the start (the spec's "else" branch); pads
  // given as well are ignored. 7-5 = 2 splits evenly.
  g = import(deconv_model(
      x, w, {attr_ints("strides", {2, 2}), attr_ints("output_shape", {6, 5}), attr_ints("pads", {3, 3, 3, 3})}));
  CHECK(only_node(g, OpType::ConvTranspose2d).attrs.get_ints("pads") == I{1, 1, 0, 1});
  CHECK(output_shape(g) == Shape{1, 1, 6, 5});
  // With SAME_UPPER the odd pixel goes to the end.
  g = import(deconv_model(
      x, w, {attr_ints("strides", {2, 2}), attr_ints("output_shape", {6, 6}), attr_s("auto_pad", "SAME_UPPER")}));
  CHECK(only_node(g, OpType::ConvTranspose2d).attrs.get_ints("pads") == I{0, 0, 1, 1});
  // One past the full output (7 -> 8): no crop, the extra row is output padding (< stride 2).
  g = import(deconv_model(x, w, {attr_ints("strides", {2, 2}), attr_ints("output_shape", {8, 7})}));
  up = &only_node(g, OpType::ConvTranspose2d);
  CHECK(up->attrs.get_ints("pads") == I{0, 0, 0, 0});
  CHECK(up->attrs.get_ints("output_padding") == I{1, 0});
  CHECK(output_shape(g) == Shape{1, 1, 8, 7});
  // output_padding takes part in the total: 7 + 1 - 6 = 2 -> pads 1 and 1.
  g = import(deconv_model(
      x, w, {attr_ints("strides", {2, 2}), attr_ints("output_padding", {1, 1}), attr_ints("output_shape", {6, 8})}));
  up = &only_node(g, OpType::ConvTranspose2d);
  CHECK(up->attrs.get_ints("pads") == I{1, 0, 1, 0});
  CHECK(output_shape(g) == Shape{1, 1, 6, 8});
  // SAME with kernel 1 stride 3: full = 3*2 + 1 = 7, target 9: 2 extra rows, below the stride.
  g = import(deconv_model(x, {2, 1, 1, 1}, {attr_ints("strides", {3, 3}), attr_s("auto_pad", "SAME_LOWER")}));
  CHECK(only_node(g, OpType::ConvTranspose2d).attrs.get_ints("output_padding") == I{2, 2});
  CHECK(output_shape(g) == Shape{1, 1, 9, 9});
}

TEST_CASE("onnx import: 1-D ConvTranspose runs as 2-D with a unit height") {
  // L: 3*(5-1) + 1 + 4 - 1 - 2 = 14.
  Graph g = import(deconv_model(
      {1, 2, 5}, {2, 3, 4},
      {attr_ints("strides", {3}), attr_ints("pads", {1, 2}), attr_ints("output_padding", {1}), attr_i("group", 1)}));
  CHECK(count_op(g, OpType::Unsqueeze) == 1);
  CHECK(count_op(g, OpType::Squeeze) == 1);
  const Node& up = only_node(g, OpType::ConvTranspose2d);
  CHECK(up.attrs.get_ints("pads") == I{0, 1, 0, 2});
  CHECK(up.attrs.get_ints("strides") == I{1, 3});
  CHECK(up.attrs.get_ints("output_padding") == I{0, 1});
  CHECK(g.values[static_cast<size_t>(up.inputs[1])].shape == Shape{2, 3, 1, 4});
  CHECK(output_shape(g) == Shape{1, 3, 14});
}

TEST_CASE("onnx import: ConvTranspose + BatchNormalization + Relu fold into one node with the same outputs") {
  GraphSpec g = deconv_model({2, 4, 5, 3}, {4, 3, 4, 4},
                             {attr_ints("strides", {2, 2}), attr_ints("pads", {1, 1, 1, 1}), attr_i("group", 2)});
  g.outputs.clear();
  g.outputs.push_back(value_info("z", kFloat, {}));
  g.nodes.pop_back();  // replaced by one with a bias
  g.nodes.push_back(node("ConvTranspose", {"x", "w", "b"}, {"y"}, "up",
                         {attr_ints("strides", {2, 2}), attr_ints("pads", {1, 1, 1, 1}), attr_i("group", 2)}));
  g.initializers.push_back(tensor_f32("b", {6}, {0.1f, -0.2f, 0.3f, 0.0f, 0.5f, -0.6f}));
  g.initializers.push_back(tensor_f32("scale", {6}, {1.5f, 0.5f, 2.0f, 1.0f, 0.75f, 1.25f}));
  g.initializers.push_back(tensor_f32("shift", {6}, {0.2f, -0.1f, 0.0f, 0.3f, -0.4f, 0.1f}));
  g.initializers.push_back(tensor_f32("mean", {6}, {0.1f, 0.2f, -0.3f, 0.4f, 0.0f, -0.1f}));
  g.initializers.push_back(tensor_f32("var", {6}, {0.5f, 2.0f, 1.0f, 0.25f, 1.5f, 3.0f}));
  g.nodes.push_back(node("BatchNormalization", {"y", "scale", "shift", "mean", "var"}, {"bn"}, "bn"));
  g.nodes.push_back(node("Relu", {"bn"}, {"z"}, "relu"));

  const Graph folded = import(g);
  REQUIRE(folded.nodes.size() == 1);
  const Node& up = folded.nodes[0];
  CHECK(up.op == OpType::ConvTranspose2d);
  CHECK(up.attrs.get_string("activation", "") == "relu");
  CHECK(output_shape(folded) == Shape{2, 6, 10, 6});
  OnnxImportOptions plain;
  plain.optimize = false;
  const Graph unfolded = import(g, 13, plain);
  CHECK(count_op(unfolded, OpType::BatchNorm) == 1);
  EngineOptions no_passes;
  no_passes.optimize = false;
  no_passes.path = KernelPath::Reference;
  const auto want = run_graph(unfolded, no_passes, 1, 4)[0];
  const auto got = run_graph(folded, EngineOptions{}, 2, 4)[0];
  REQUIRE(got.size() == want.size());
  int nonzero = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    CHECK(std::fabs(got[i] - want[i]) <= 1e-5f * (1 + std::fabs(want[i])));
    nonzero += want[i] != 0;
  }
  CHECK(nonzero > static_cast<int>(want.size()) / 4);  // the relu does not zero everything
}

TEST_CASE("onnx import: ConvTranspose errors: auto_pad, output_shape, rank, weights") {
  const I x{1, 2, 3, 3}, w{2, 1, 3, 3};
  CHECK(contains(import_error(deconv_model(x, w, {attr_s("auto_pad", "SAME")})),
                 "auto_pad 'SAME' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER"));
  // Full output 7 with stride 2: at most 8 (output padding 1).
  const std::string too_big =
      import_error(deconv_model(x, w, {attr_ints("strides", {2, 2}), attr_ints("output_shape", {9, 7})}));
  CHECK(contains(too_big, "up"));
  CHECK(contains(too_big, "output_shape [9,7] asks for 9 in spatial dim 0"));
  CHECK(contains(too_big, "gives at most 8"));
  CHECK(contains(import_error(deconv_model(x, w, {attr_ints("output_shape", {1, 1, 5, 5})})),
                 "must list the 2 spatial dims only"));
  CHECK(contains(import_error(deconv_model(x, w, {attr_ints("output_shape", {0, 5})})),
                 "has a size out of [1, 4294967296]"));
  CHECK(contains(import_error(deconv_model(x, w, {attr_ints("strides", {1, int64_t{1} << 40})})),
                 "values must be in [1, 16777216]"));
  CHECK(contains(import_error(deconv_model({1, 2, 3, 3, 3}, {2, 1, 3, 3, 3}, {})),
                 "vigil supports 1-D and 2-D ConvTranspose"));
  CHECK(contains(import_error(deconv_model(x, {2, 1, 3}, {})), "differ in rank"));
  CHECK(contains(import_error(deconv_model(x, w, {attr_ints("kernel_shape", {2, 2})})),
                 "kernel_shape [2,2] does not match weight W"));
  CHECK(contains(import_error(deconv_model(x, w, {attr_ints("output_padding", {2, 0}), attr_ints("strides", {2, 2})})),
                 "output_padding [2,0] must be smaller than max(stride, dilation) = 2"));
  CHECK(contains(import_error(deconv_model(x, {3, 1, 3, 3}, {})), "expects 3 input channels"));
  CHECK(contains(import_error(deconv_model(x, w, {attr_ints("pads", {1, 1})})), "'pads' has 2 values, expected 4"));
}
