// ONNX Sum, Max, Min, Mean of 1..N inputs with multidirectional broadcasting, mixing run-time inputs and
// initializers: against a loop over output coordinates (each input read at "coordinate modulo its dim") that
// accumulates in float in input order and divides once by N for Mean, as the spec and onnxruntime do; NaN;
// one input; errors (empty inputs, shapes that do not broadcast, attributes).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "graph_query_support.h"
#include "onnx_import_support.h"

using namespace vigil;
using namespace vigil::test;

namespace {

struct Input {
  std::vector<int64_t> dims;
  std::vector<float> values;
  bool initializer = false;
};

std::vector<float> random_values(int64_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-4, 4);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

int64_t count(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

// Runs `op` over the inputs through the importer and the engine.
std::vector<float> run_onnx(const std::string& op, const std::vector<Input>& inputs,
                            const std::vector<int64_t>& out_dims, int64_t opset = 13) {
  GraphSpec g;
  std::vector<std::string> names;
  for (size_t i = 0; i < inputs.size(); ++i) {
    names.push_back("x" + std::to_string(i));
    if (inputs[i].initializer)
      g.initializers.push_back(tensor_f32(names.back(), inputs[i].dims, inputs[i].values));
    else
      g.inputs.push_back(value_info(names.back(), kFloat, inputs[i].dims));
  }
  g.outputs.push_back(value_info("y", kFloat, out_dims));
  g.nodes.push_back(node(op, names, {"y"}, "variadic"));
  Engine engine(import(g, opset));
  ExecutionContext ctx(engine);
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!inputs[i].initializer) std::copy(inputs[i].values.begin(), inputs[i].values.end(), ctx.input(names[i]).f32());
  ctx.run();
  const TensorView y = ctx.output("y");
  REQUIRE(y.numel() == count(out_dims));
  return {y.f32(), y.f32() + y.numel()};
}

// The expected result, written independently of the chain of binary nodes the importer builds.
std::vector<float> expected(const std::string& op, const std::vector<Input>& inputs, const std::vector<int64_t>& out) {
  const int rank = static_cast<int>(out.size());
  std::vector<float> y(static_cast<size_t>(count(out)));
  for (int64_t i = 0; i < count(out); ++i) {
    std::vector<int64_t> c(static_cast<size_t>(rank));
    for (int64_t d = rank - 1, r = i; d >= 0; --d) {
      c[static_cast<size_t>(d)] = r % out[static_cast<size_t>(d)];
      r /= out[static_cast<size_t>(d)];
    }
    float acc = 0;
    bool nan = false;
    for (size_t k = 0; k < inputs.size(); ++k) {
      const auto& dims = inputs[k].dims;
      int64_t idx = 0;
      for (size_t d = 0; d < dims.size(); ++d) idx = idx * dims[d] + c[rank - dims.size() + d] % dims[d];
      const float v = inputs[k].values[static_cast<size_t>(idx)];
      nan = nan || std::isnan(v);
      if (k == 0)
        acc = v;
      else if (op == "Max")
        acc = std::fmax(acc, v);
      else if (op == "Min")
        acc = std::fmin(acc, v);
      else
        acc = acc + v;
    }
    if (op == "Mean") acc = acc / static_cast<float>(inputs.size());
    if (nan && (op == "Max" || op == "Min")) acc = std::numeric_limits<float>::quiet_NaN();
    y[static_cast<size_t>(i)] = acc;
  }
  return y;
}

bool same(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
  return true;
}

}  // namespace

TEST_CASE("onnx import: Sum, Max, Min, Mean of 1 to 5 inputs broadcast every way, bit for bit") {
  std::mt19937 rng(99);
  struct Case {
    std::vector<std::vector<int64_t>> dims;
    std::vector<int64_t> out;
  };
  const std::vector<Case> cases = {
      {{{2, 3}}, {2, 3}},                                          // one input: the identity
      {{{2, 3}, {2, 3}}, {2, 3}},                                  // equal shapes
      {{{2, 1, 3}, {4, 1}, {3}}, {2, 4, 3}},                       // three ranks, both sides broadcast
      {{{1}, {5, 1, 1, 7}, {1, 6, 1}, {6, 7}, {}}, {5, 1, 6, 7}},  // five, incl. a rank-0 scalar
      {{{3, 1}, {1, 17}, {3, 17}, {1, 1}}, {3, 17}},               // rows long enough for the vector loops
  };
  for (const std::string op : {"Sum", "Max", "Min", "Mean"}) {
    for (const Case& c : cases) {
      for (int constants : {0, 1}) {  // with the later inputs as initializers too
        std::vector<Input> inputs;
        for (size_t k = 0; k < c.dims.size(); ++k)
          inputs.push_back({c.dims[k], random_values(count(c.dims[k]), rng), constants && k > 0});
        CAPTURE(op);
        CAPTURE(c.dims.size());
        CAPTURE(constants);
        CHECK(same(run_onnx(op, inputs, c.out), expected(op, inputs, c.out)));
      }
    }
  }
}

TEST_CASE("onnx import: hand-computed Sum, Max, Min, Mean, and NaN through Max and Min") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<Input> three = {{{3}, {1, 2, 3}}, {{3}, {4, -5, 6}}, {{1}, {0.5f}}};
  CHECK(run_onnx("Sum", three, {3}) == std::vector<float>{5.5f, -2.5f, 9.5f});
  CHECK(run_onnx("Max", three, {3}) == std::vector<float>{4, 2, 6});
  CHECK(run_onnx("Min", three, {3}) == std::vector<float>{0.5f, -5, 0.5f});
  // Mean divides the float sum once: (0.1 + 0.2 + 0.4) / 3 in float, not a product with 1/3.
  const std::vector<Input> tenths = {{{1}, {0.1f}}, {{1}, {0.2f}}, {{1}, {0.4f}}};
  CHECK(run_onnx("Mean", tenths, {1})[0] == (0.1f + 0.2f + 0.4f) / 3.0f);
  CHECK(run_onnx("Mean", three, {3}) == std::vector<float>{5.5f / 3, -2.5f / 3, 9.5f / 3});
  // A NaN in any input, first or later, makes the element NaN (onnxruntime), not the other value.
  const std::vector<Input> with_nan = {{{3}, {nan, 1, 2}}, {{3}, {0, nan, 5}}, {{3}, {1, 1, 1}}};
  for (const std::string op : {"Max", "Min"}) {
    const auto y = run_onnx(op, with_nan, {3});
    CHECK(std::isnan(y[0]));
    CHECK(std::isnan(y[1]));
    CHECK(y[2] == (op == "Max" ? 5.0f : 1.0f));
  }
}

TEST_CASE("onnx import: Sum/Max/Min/Mean errors name the node and the reason") {
  GraphSpec g;
  g.inputs.push_back(value_info("a", kFloat, {2, 3}));
  g.inputs.push_back(value_info("b", kFloat, {3}));
  g.outputs.push_back(value_info("y", kFloat, {2, 3}));
  g.nodes = {node("Sum", {"a", "b"}, {"y"}, "sum6")};
  CHECK(import_error(g, 9) == "(no error)");  // broadcasting: opset 8+ (vigil reads 9 on)
  g.nodes = {node("Max", {"a", "", "b"}, {"y"}, "gap")};
  CHECK(contains(import_error(g), "node 'gap' (Max, opset 13): input 1 is empty"));
  g.inputs[1] = value_info("b", kFloat, {4});
  g.nodes = {node("Mean", {"a", "b"}, {"y"}, "mismatch")};
  CHECK(contains(import_error(g), "node 'mismatch' (Mean, opset 13)"));
  CHECK(contains(import_error(g), "cannot broadcast input shapes [2,3] and [4]"));
  g.nodes = {node("Min", {"a"}, {"y"}, "attr", {attr_i("axis", 0)})};
  CHECK(contains(import_error(g), "node 'attr' (Min, opset 13): attribute 'axis' is not supported"));
  g.nodes = {node("Sum", {}, {"y"}, "none")};
  CHECK(contains(import_error(g), "node 'none'"));
}
