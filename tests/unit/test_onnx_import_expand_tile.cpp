// Run-time ONNX Expand (f32: a Mul by ones over the broadcast dims; other dtypes: a Where copying them) and Tile
// (Concats of copies): random shapes on every kernel path against index loops ("coordinate modulo dim"), -0 / inf
// / NaN kept, the identity cases, i64 and bool Expands, Tile above Concat's 64 inputs, and the errors.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "graph_query_support.h"
#include "loaders/onnx/const_tensor.h"
#include "onnx_import_support.h"

using namespace vigil;
using namespace vigil::test;

namespace {

int64_t count(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

// Output element i of shape `out` read from `x` of shape `in` (right-aligned, coordinate modulo the dim): the
// rule of both numpy broadcasting (in dims 1) and Tile (out dims multiples of in dims).
std::vector<float> gather_modulo(const std::vector<float>& x, const std::vector<int64_t>& in,
                                 const std::vector<int64_t>& out) {
  std::vector<float> y(static_cast<size_t>(count(out)));
  for (int64_t i = 0; i < count(out); ++i) {
    int64_t rest = i, src = 0, stride = 1;
    for (size_t d = out.size(); d-- > 0;) {
      const int64_t c = rest % out[d];
      rest /= out[d];
      const size_t from_right = out.size() - 1 - d;
      if (from_right < in.size()) {
        const int64_t dim = in[in.size() - 1 - from_right];
        src += (c % dim) * stride;
        stride *= dim;
      }
    }
    y[static_cast<size_t>(i)] = x[static_cast<size_t>(src)];
  }
  return y;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

std::vector<float> run_model(const GraphSpec& g, const std::vector<float>& x, KernelPath path = KernelPath::Reference) {
  EngineOptions options;
  options.path = path;
  Engine engine(import(g, 13), options);
  ExecutionContext ctx(engine);
  std::copy(x.begin(), x.end(), ctx.input("x").f32());
  ctx.run();
  const TensorView y = ctx.output("y");
  return {y.f32(), y.f32() + y.numel()};
}

GraphSpec model_of(const std::string& op, const std::vector<int64_t>& in, const std::vector<int64_t>& arg,
                   const std::vector<int64_t>& out) {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, in));
  g.initializers.push_back(tensor_i64("arg", {static_cast<int64_t>(arg.size())}, arg));
  g.outputs.push_back(value_info("y", kFloat, out));
  g.nodes.push_back(node(op, {"x", "arg"}, {"y"}, "op"));
  return g;
}

std::vector<float> values(int64_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-5, 5);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  // Values a Mul by 1 must keep bit for bit.
  const float specials[] = {-0.0f, std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                            std::numeric_limits<float>::quiet_NaN(), 1e-45f};
  // Every 7th position from 0 (at most five): small inputs keep mostly random values.
  for (size_t k = 0; k * 7 < v.size() && k < 5; ++k) v[k * 7] = specials[k];
  return v;
}

}  // namespace

TEST_CASE("onnx import: run-time Expand broadcasts exactly like numpy, bit for bit, on every path") {
  std::mt19937 rng(4);
  struct Case {
    std::vector<int64_t> in, shape, out;
  };
  for (const Case& c : {Case{{3, 1}, {2, 1, 4}, {2, 3, 4}}, Case{{1}, {2, 3}, {2, 3}}, Case{{3}, {2, 1}, {2, 3}},
                        Case{{1, 5, 1, 1}, {2, 5, 3, 17}, {2, 5, 3, 17}}, Case{{2, 1, 3}, {1, 4, 1}, {2, 4, 3}},
                        Case{{4, 1, 1, 2, 1, 3}, {4, 2, 5, 2, 2, 3}, {4, 2, 5, 2, 2, 3}},
                        Case{{2, 3}, {1, 1}, {2, 3}},  // changes nothing: removed
                        Case{{2, 3}, {3}, {2, 3}}}) {
    const std::vector<float> x = values(count(c.in), rng);
    const std::vector<float> want = gather_modulo(x, c.in, c.out);
    for (KernelPath path : supported_kernel_paths()) {
      CAPTURE(onnx::dims_str(c.in));
      CAPTURE(onnx::dims_str(c.shape));
      CAPTURE(kernel_path_name(path));
      CHECK(same_bits(run_model(model_of("Expand", c.in, c.shape, c.out), x, path), want));
    }
  }
}

TEST_CASE("onnx import: run-time Tile repeats along every axis, above 64 copies too, on every path") {
  std::mt19937 rng(5);
  struct Case {
    std::vector<int64_t> in, repeats;
  };
  for (const Case& c : {Case{{2, 3}, {2, 1}}, Case{{2, 3}, {1, 3}}, Case{{2, 3}, {3, 2}},
                        Case{{1, 2, 1, 3}, {2, 1, 5, 2}}, Case{{3}, {70}},  // 64 + 6: a tree of Concats
                        Case{{2, 1}, {1, 129}}, Case{{2, 3}, {1, 1}}}) {
    std::vector<int64_t> out = c.in;
    for (size_t k = 0; k < out.size(); ++k) out[k] *= c.repeats[k];
    const std::vector<float> x = values(count(c.in), rng);
    const std::vector<float> want = gather_modulo(x, c.in, out);
    for (KernelPath path : supported_kernel_paths()) {
      CAPTURE(onnx::dims_str(c.in));
      CAPTURE(onnx::dims_str(c.repeats));
      CAPTURE(kernel_path_name(path));
      CHECK(same_bits(run_model(model_of("Tile", c.in, c.repeats, out), x, path), want));
    }
  }
  // Hand values: [[1, 2]] tiled [2, 2].
  CHECK(run_model(model_of("Tile", {1, 2}, {2, 2}, {2, 4}), {1, 2}) == std::vector<float>{1, 2, 1, 2, 1, 2, 1, 2});
}

TEST_CASE("onnx import: run-time Expand and Tile errors name the node and the reason") {
  CHECK(contains(import_error(model_of("Expand", {2, 3}, {4}, {2, 4})),
                 "node 'op' (Expand, opset 13): cannot broadcast the input [2,3] to the shape [4]"));
  CHECK(contains(import_error(model_of("Expand", {2, 1}, {2, 0}, {2, 0})), "vigil has no empty tensors"));
  CHECK(contains(import_error(model_of("Expand", {2, 1}, {1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 2, 1})),
                 "output rank 7 exceeds 6"));
  CHECK(contains(import_error(model_of("Tile", {2, 3}, {2}, {4, 3})), "repeats has 1 values for an input of rank 2"));
  CHECK(contains(import_error(model_of("Tile", {2, 3}, {0, 1}, {0, 3})), "repeat 0 on axis 0"));
  CHECK(contains(import_error(model_of("Tile", {2, 3}, {-1, 1}, {2, 3})), "repeat -1 on axis 0"));
  CHECK(contains(import_error(model_of("Tile", {2, 3}, {1, int64_t{1} << 40}, {2, 3})), "makes a dim above 2^31"));
  // The shape / repeats must be constants.
  GraphSpec g = model_of("Tile", {2, 3}, {1, 1}, {2, 3});
  g.initializers.clear();
  g.inputs.push_back(value_info("arg", kInt64, {2}));
  CHECK(contains(import_error(g), "node 'op' (Tile, opset 13)"));
  CHECK(contains(import_error(g), "repeats"));
}

TEST_CASE("onnx import: run-time Expand of other dtypes (an attention mask's bools, int64) copies, on every path") {
  // i64 [2, 1] -> [2, 3]; bool [1, 3] -> [2, 2, 3]: a Where(true, x, x), every value copied.
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    GraphSpec ints = model_of("Expand", {2, 1}, {2, 3}, {2, 3});
    ints.inputs[0] = value_info("x", kInt64, {2, 1});
    ints.outputs[0] = value_info("y", kInt64, {2, 3});
    EngineOptions options;
    options.path = path;
    Engine engine(import(ints, 13), options);
    ExecutionContext ctx(engine);
    const int64_t x[] = {int64_t{1} << 40, -7};
    std::memcpy(ctx.input("x").data, x, sizeof x);
    ctx.run();
    const int64_t* y = static_cast<const int64_t*>(ctx.output("y").data);
    CHECK(std::vector<int64_t>(y, y + 6) == std::vector<int64_t>{x[0], x[0], x[0], -7, -7, -7});

    GraphSpec flags = model_of("Expand", {1, 3}, {2, 2, 1}, {2, 2, 3});
    constexpr int kOnnxBool = 9;  // TensorProto.BOOL
    flags.inputs[0] = value_info("x", kOnnxBool, {1, 3});
    flags.outputs[0] = value_info("y", kOnnxBool, {2, 2, 3});
    Engine bool_engine(import(flags, 13), options);
    ExecutionContext bool_ctx(bool_engine);
    const uint8_t b[] = {1, 0, 1};
    std::memcpy(bool_ctx.input("x").data, b, sizeof b);
    bool_ctx.run();
    const uint8_t* by = static_cast<const uint8_t*>(bool_ctx.output("y").data);
    CHECK(bool_ctx.output("y").shape == Shape{2, 2, 3});
    for (int k = 0; k < 12; ++k) CHECK(by[k] == b[k % 3]);
  }
}
