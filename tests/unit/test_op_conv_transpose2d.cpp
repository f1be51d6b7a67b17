// The ConvTranspose2d op (engine/ops/conv_transpose2d.cpp): shape inference, the errors for every invalid
// attribute or shape (naming the node and the numbers), and the bound kernels on every path the CPU has
// (reference, the packed GEMM and the depthwise kernel on scalar/avx2/avx512, 1 and 2 threads) against a
// float64 loop here.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "error_of.h"
#include "graph_query_support.h"
#include "graph_run_support.h"

using namespace vigil;
using vigil::test::contains;
using vigil::test::error_of;
using vigil::test::random_values;

namespace {

using I = std::vector<int64_t>;

struct Spec {
  Shape x{1, 4, 5, 6};
  Shape w{4, 3, 3, 3};
  int64_t bias = -1;  // bias length, or none
  I strides{2, 2}, dilations{1, 1}, pads{1, 0, 0, 1}, output_padding{1, 0};
  int64_t group = 1;
  std::string activation;
};

Graph build(const Spec& s, std::vector<float>* w_values = nullptr, std::vector<float>* b_values = nullptr) {
  std::mt19937 rng(3);
  GraphBuilder gb;
  const int x = gb.input("x", DType::F32, s.x);
  std::vector<float> w = random_values(static_cast<size_t>(s.w.numel()), rng);
  std::vector<int> in{x, gb.constant("w", Tensor::from_f32(s.w, w))};
  std::vector<float> b;
  if (s.bias >= 0) {
    b = random_values(static_cast<size_t>(s.bias), rng);
    in.push_back(gb.constant("b", Tensor::from_f32({s.bias}, b)));
  }
  Attributes a;
  a.set("strides", s.strides);
  a.set("dilations", s.dilations);
  a.set("pads", s.pads);
  a.set("output_padding", s.output_padding);
  a.set("group", s.group);
  if (!s.activation.empty()) a.set("activation", s.activation);
  gb.output(gb.node(OpType::ConvTranspose2d, "up", in, std::move(a)));
  if (w_values) *w_values = w;
  if (b_values) *b_values = b;
  return gb.build();
}

std::string build_error(const Spec& s) {
  return error_of([&] { build(s); });
}

}  // namespace

TEST_CASE("ConvTranspose2d: output shape from strides, dilations, pads and output padding") {
  Spec s;
  Graph g = build(s);
  // H: 2*(5-1) + 1 + 3 - 1 - 0 = 11; W: 2*(6-1) + 0 + 3 - 0 - 1 = 12; M = 3 * group.
  CHECK(g.values[static_cast<size_t>(g.outputs[0])].shape == Shape{1, 3, 11, 12});
  s.group = 2;
  s.w = Shape{4, 5, 3, 3};
  s.dilations = {2, 3};
  s.output_padding = {1, 2};  // below the dilation 3, though not below the stride 2
  g = build(s);
  // H: 8 + 1 + 5 - 1 = 13; W: 10 + 2 + 7 - 1 = 18.
  CHECK(g.values[static_cast<size_t>(g.outputs[0])].shape == Shape{1, 10, 13, 18});
}

TEST_CASE("ConvTranspose2d: errors name the node and the mismatch") {
  Spec s;
  s.w = Shape{4, 3, 3};
  CHECK(contains(build_error(s), "weight W must have rank 4"));
  s = Spec{};
  s.w = Shape{5, 3, 3, 3};
  const std::string channels = build_error(s);
  CHECK(contains(channels, "up"));
  CHECK(contains(channels, "expects 5 input channels, but X [1,4,5,6] has 4"));
  s = Spec{};
  s.group = 3;
  CHECK(contains(build_error(s), "input channels 4 (X [1,4,5,6]) are not divisible by group 3"));
  s.group = 0;
  CHECK(contains(build_error(s), "group must be >= 1"));
  s = Spec{};
  s.output_padding = {2, 0};  // stride 2, dilation 1
  CHECK(contains(build_error(s), "output_padding [2,0] must be smaller than max(stride, dilation) = 2 in dim 0"));
  s.output_padding = {0, 3};
  s.dilations = {1, 3};  // 3 >= max(2, 3)
  CHECK(contains(build_error(s), "must be smaller than max(stride, dilation) = 3 in dim 1"));
  s = Spec{};
  s.x = Shape{1, 4, 1, 1};
  s.strides = {1, 1};
  s.output_padding = {0, 0};
  s.pads = {2, 1, 1, 1};  // full output 3x3, cropped by 3 rows
  CHECK(contains(build_error(s), "crop the whole output"));
  s = Spec{};
  s.bias = 4;
  CHECK(contains(build_error(s), "bias B [4] must have shape [3]"));
  s = Spec{};
  s.pads = {0, 0, -1, 0};
  CHECK(contains(build_error(s), "'pads' values must be >= 0"));
  s = Spec{};
  s.strides = {0, 1};
  CHECK(contains(build_error(s), "'strides' values must be >= 1"));
  s = Spec{};
  s.strides = {1, int64_t{1} << 40};
  CHECK(contains(build_error(s), "attribute 'strides' value 1099511627776 is larger than 16777216"));
  s = Spec{};
  s.pads = {0, 0, int64_t{1} << 62, int64_t{1} << 62};
  CHECK(contains(build_error(s), "attribute 'pads' value 4611686018427387904 is larger than 4294967296"));
  s = Spec{};
  s.x = Shape{1, 4, 3000, 3000};
  s.strides = {1 << 12, 1 << 12};  // a 12M x 12M output
  s.output_padding = {0, 0};
  CHECK(contains(build_error(s), "more than 2^32 elements"));
  s = Spec{};
  s.output_padding = {1};
  CHECK(contains(build_error(s), "'output_padding' must have 2 values"));
}

TEST_CASE("ConvTranspose2d: every kernel path and thread count against a float64 loop") {
  for (int variant = 0; variant < 4; ++variant) {
    Spec s;
    s.bias = 3;
    s.activation = "relu";
    if (variant == 1) {  // grouped, dilated, asymmetric strides and pads
      s.x = Shape{2, 6, 7, 4};
      s.w = Shape{6, 2, 3, 2};
      s.group = 3;
      s.bias = 6;
      s.strides = {1, 3};
      s.dilations = {2, 1};
      s.pads = {2, 1, 0, 2};
      s.output_padding = {1, 2};
      s.activation = "";
    }
    if (variant == 2) {  // depthwise, kernel == stride
      s.x = Shape{1, 5, 6, 6};
      s.w = Shape{5, 1, 2, 2};
      s.group = 5;
      s.bias = 5;
      s.pads = {0, 0, 0, 0};
      s.output_padding = {0, 0};
    }
    if (variant == 3) {  // depthwise with multiplier 2, stride 2, asymmetric pads: big enough for 2 threads
      s.x = Shape{1, 6, 24, 21};
      s.w = Shape{6, 2, 3, 3};
      s.group = 6;
      s.bias = 12;
      s.strides = {2, 2};
      s.pads = {1, 1, 0, 1};
      s.output_padding = {0, 1};
    }
    std::vector<float> w, b;
    Graph g = build(s, &w, &b);
    const Shape y_shape = g.values[static_cast<size_t>(g.outputs[0])].shape;

    // The input run_graph feeds (seed 11), and the expected output by direct definition: each output
    // position sums the taps whose input pixel lands on it.
    std::mt19937 rng(11);
    const std::vector<float> x = random_values(static_cast<size_t>(s.x.numel()), rng);
    const int64_t cg = s.x[1] / s.group, mg = s.w[1];
    std::vector<double> want(static_cast<size_t>(y_shape.numel()));
    for (int64_t n = 0; n < y_shape[0]; ++n)
      for (int64_t m = 0; m < y_shape[1]; ++m)
        for (int64_t oh = 0; oh < y_shape[2]; ++oh)
          for (int64_t ow = 0; ow < y_shape[3]; ++ow) {
            double acc = s.bias >= 0 ? b[static_cast<size_t>(m)] : 0.0;
            for (int64_t c = (m / mg) * cg; c < (m / mg + 1) * cg; ++c)
              for (int64_t ih = 0; ih < s.x[2]; ++ih)
                for (int64_t iw = 0; iw < s.x[3]; ++iw)
                  for (int64_t i = 0; i < s.w[2]; ++i)
                    for (int64_t j = 0; j < s.w[3]; ++j)
                      if (ih * s.strides[0] + i * s.dilations[0] - s.pads[0] == oh &&
                          iw * s.strides[1] + j * s.dilations[1] - s.pads[1] == ow)
                        acc += static_cast<double>(
                                   x[static_cast<size_t>(((n * s.x[1] + c) * s.x[2] + ih) * s.x[3] + iw)]) *
                               w[static_cast<size_t>(((c * mg + m % mg) * s.w[2] + i) * s.w[3] + j)];
            if (s.activation == "relu") acc = std::max(acc, 0.0);
            want[static_cast<size_t>(((n * y_shape[1] + m) * y_shape[2] + oh) * y_shape[3] + ow)] = acc;
          }

    for (KernelPath path : kAllKernelPaths) {
      if (!kernel_path_supported(path)) continue;
      for (int threads : {1, 2}) {
        EngineOptions options;
        options.path = path;
        const auto y = test::run_graph(g, options, threads, 11)[0];
        REQUIRE(y.size() == want.size());
        int failures = 0;
        for (size_t i = 0; i < y.size(); ++i)
          if (!(std::fabs(y[i] - want[i]) <= 1e-5 * (1 + std::fabs(want[i]))) && failures++ < 5)
            FAIL_CHECK("variant " << variant << " path " << kernel_path_name(path) << " threads " << threads << ": y["
                                  << i << "] = " << y[i] << ", want " << want[i]);
      }
    }
  }
}
