// fuse_layer_norm: PyTorch's decomposed LayerNorm (ReduceMean, Sub, Pow or Mul, ReduceMean, Add eps, Sqrt, Div,
// optional Mul gamma and Add beta) becomes one LayerNorm node. Checked: the fused graph's shape (one LayerNorm
// writing the last node's value, epsilon from the Add, gamma/beta or a [1] = 1 scale, "fused_values"); on every
// kernel path the fused output against the formula in long double within LayerNorm's tolerance (half an ulp plus
// 1e-6 absolute) and against the unfused float chain within that chain's own rounding; and every near miss (an
// intermediate read elsewhere or a graph output, another axis, keepdims 0, a non-constant or non-scalar or
// negative epsilon, another exponent, swapped Sub / Div operands, a fused activation) left as it was.
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "engine/passes/fuse_layer_norm.h"
#include "graph_query_support.h"
#include "onnx_import_support.h"
#include "tests/unit/graph_run_support.h"

using namespace vigil;
using namespace vigil::test;

namespace {

enum class Affine { None, Gamma, GammaBeta, Beta };

struct Chain {
  Shape x_shape{2, 5, 7, 24};
  bool square_by_mul = false;     // Mul(d, d) instead of Pow(d, 2)
  bool negative_axes = true;      // axes [-1] rather than [rank - 1]
  bool swap_commutative = false;  // Add(eps, v), Mul(gamma, n), Add(beta, g)
  Affine affine = Affine::GammaBeta;
  Shape gamma_shape{24};
  float eps = 1e-5f;
  // Near misses.
  std::vector<int64_t> mean_axes;  // when set: the first ReduceMean's axes
  std::vector<int64_t> var_axes;   // when set: the second ReduceMean's axes
  int64_t keepdims = 1;
  bool eps_input = false;  // epsilon a graph input
  Shape eps_shape{};       // epsilon's shape (one element unless changed)
  float exponent = 2.0f;
  bool exponent_input = false;  // the exponent a graph input
  bool swap_sub = false;        // Sub(m, x)
  bool swap_div = false;        // Div(s, d)
  std::string extra_reader;     // "m", "d", "q", "v", "e", "s": that value also feeds a second graph output
  std::string graph_output;     // that value is also a graph output
  bool sub_activation = false;  // a fused relu on the Sub
};

struct Built {
  Graph g;
  int original_nodes = 0;
};

Built build(const Chain& c) {
  GraphBuilder b;
  const int rank = c.x_shape.rank;
  const int64_t C = c.x_shape[rank - 1];
  const int x = b.input("x", DType::F32, c.x_shape);
  std::mt19937 rng(5);
  auto mean_attrs = [&](const std::vector<int64_t>& override_axes) {
    Attributes a;
    a.set("axes", override_axes.empty() ? std::vector<int64_t>{c.negative_axes ? -1 : rank - 1} : override_axes);
    a.set("keepdims", c.keepdims);
    return a;
  };
  std::map<std::string, int> v;
  v["m"] = b.node(OpType::ReduceMean, "mean", {x}, mean_attrs(c.mean_axes));
  Attributes sub_attrs;
  if (c.sub_activation) sub_attrs.set("activation", std::string("relu"));
  v["d"] =
      b.node(OpType::Sub, "sub", c.swap_sub ? std::vector<int>{v["m"], x} : std::vector<int>{x, v["m"]}, sub_attrs);
  if (c.square_by_mul) {
    v["q"] = b.node(OpType::Mul, "square", {v["d"], v["d"]});
  } else {
    const int e = c.exponent_input ? b.input("exponent", DType::F32, Shape{})
                                   : b.constant("two", Tensor::from_f32(Shape{}, std::vector<float>{c.exponent}));
    v["q"] = b.node(OpType::Pow, "pow", {v["d"], e});
  }
  v["v"] = b.node(OpType::ReduceMean, "var", {v["q"]}, mean_attrs(c.var_axes));
  const int eps =
      c.eps_input
          ? b.input("eps", DType::F32, c.eps_shape)
          : b.constant("eps", Tensor::from_f32(c.eps_shape,
                                               std::vector<float>(static_cast<size_t>(c.eps_shape.numel()), c.eps)));
  v["e"] = b.node(OpType::Add, "add_eps",
                  c.swap_commutative ? std::vector<int>{eps, v["v"]} : std::vector<int>{v["v"], eps});
  v["s"] = b.node(OpType::Sqrt, "sqrt", {v["e"]});
  v["n"] = b.node(OpType::Div, "div", c.swap_div ? std::vector<int>{v["s"], v["d"]} : std::vector<int>{v["d"], v["s"]});
  int y = v["n"];
  auto affine_constant = [&](const char* name, const Shape& s, float lo, float hi) {
    return b.constant(name, Tensor::from_f32(s, random_values(static_cast<size_t>(s.numel()), rng, lo, hi)));
  };
  if (c.affine == Affine::Gamma || c.affine == Affine::GammaBeta) {
    const int gamma = affine_constant("gamma", c.gamma_shape, 0.5f, 2.0f);
    y = b.node(OpType::Mul, "mul_gamma", c.swap_commutative ? std::vector<int>{gamma, y} : std::vector<int>{y, gamma});
  }
  if (c.affine == Affine::GammaBeta || c.affine == Affine::Beta) {
    const int beta = affine_constant("beta", Shape{C}, -1.0f, 1.0f);
    y = b.node(OpType::Add, "add_beta", c.swap_commutative ? std::vector<int>{beta, y} : std::vector<int>{y, beta});
  }
  b.output(y);
  if (!c.extra_reader.empty()) b.output(b.node(OpType::Neg, "other_reader", {v.at(c.extra_reader)}));
  if (!c.graph_output.empty()) b.output(v.at(c.graph_output));
  Built built{b.build(), 0};
  built.original_nodes = static_cast<int>(built.g.nodes.size());
  return built;
}

// y = (x - mean) / sqrt(var + eps) * gamma + beta over the last axis, in long double, from the graph's constants.
std::vector<long double> formula(const Graph& g, const std::vector<float>& x, const Shape& shape, float eps) {
  const int64_t C = shape[shape.rank - 1], rows = shape.numel() / C;
  const int gi = g.find_value("gamma"), bi = g.find_value("beta");
  std::vector<long double> y(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    long double mean = 0, var = 0;
    for (int64_t j = 0; j < C; ++j) mean += x[static_cast<size_t>(r * C + j)];
    mean /= C;
    for (int64_t j = 0; j < C; ++j)
      var += (x[static_cast<size_t>(r * C + j)] - mean) * (x[static_cast<size_t>(r * C + j)] - mean);
    const long double inv = 1.0L / std::sqrt(var / C + static_cast<long double>(eps));
    for (int64_t j = 0; j < C; ++j) {
      long double v = (x[static_cast<size_t>(r * C + j)] - mean) * inv;
      if (gi >= 0) {
        const Tensor& t = g.constant_of(gi);
        v *= t.f32()[t.numel() == 1 ? 0 : j];
      }
      if (bi >= 0) v += g.constant_of(bi).f32()[j];
      y[static_cast<size_t>(r * C + j)] = v;
    }
  }
  return y;
}

std::vector<float> run(const Graph& g, KernelPath path, bool optimize, std::vector<float>* x_out) {
  EngineOptions options;
  options.path = path;
  options.optimize = optimize;
  Engine engine(g, options);
  ExecutionContext ctx(engine, 1);
  std::mt19937 rng(11);
  TensorView in = ctx.input(0);
  auto x = random_values(static_cast<size_t>(in.numel()), rng, -3.0f, 5.0f);
  for (size_t i = 0; i < x.size(); i += 7) x[i] += 40.0f;  // rows with a mean well away from 0
  std::copy(x.begin(), x.end(), in.f32());
  ctx.run();
  if (x_out) *x_out = x;
  const TensorView y = ctx.output(0);
  return {y.f32(), y.f32() + y.numel()};
}

// True when the graph still has the chain's nodes and no LayerNorm.
bool untouched(const Built& b) {
  Graph g = b.g;
  fuse_layer_norm(g);
  return count_op(g, OpType::LayerNorm) == 0 && static_cast<int>(g.nodes.size()) == b.original_nodes;
}

}  // namespace

TEST_CASE("fuse_layer_norm: the decomposed chain in its variants becomes one LayerNorm with the formula's values") {
  std::vector<Chain> chains;
  for (int k = 0; k < 16; ++k) {
    Chain c;
    c.square_by_mul = k & 1;
    c.negative_axes = k & 2;
    c.swap_commutative = k & 4;
    c.affine = static_cast<Affine>(k / 4 % 4);
    c.gamma_shape = k % 3 == 0 ? Shape{1, 1, 24} : k % 3 == 1 ? Shape{24} : Shape{1};
    c.eps = k % 2 ? 1e-6f : 1e-3f;
    if (k == 5) c.x_shape = Shape{3, 1};  // rows of one value: var 0, output beta
    if (k == 5) c.gamma_shape = Shape{1};
    if (k == 9) c.x_shape = Shape{97};  // one row, rank 1
    if (k == 9) c.gamma_shape = Shape{97};
    if (k == 10) c.x_shape = Shape{1, 13, 13, 96};
    if (k == 10) c.gamma_shape = Shape{96};
    chains.push_back(c);
  }
  for (const Chain& c : chains) {
    CAPTURE(c.x_shape.str());
    CAPTURE(static_cast<int>(c.affine));
    CAPTURE(c.square_by_mul);
    CAPTURE(c.swap_commutative);
    CAPTURE(c.gamma_shape.str());
    const Built b = build(c);
    Graph fused = b.g;
    fuse_layer_norm(fused);
    REQUIRE(fused.nodes.size() == 1);
    const Node& ln = fused.nodes[0];
    CHECK(ln.op == OpType::LayerNorm);
    CHECK(ln.attrs.get_float("epsilon", -1.0f) == c.eps);
    CHECK(ln.attrs.get_int("axis", 0) == -1);
    const char* last = c.affine == Affine::None ? "div" : c.affine == Affine::Gamma ? "mul_gamma" : "add_beta";
    CHECK(ln.name == last);
    CHECK(fused.values[static_cast<size_t>(ln.outputs[0])].name ==
          b.g.values[static_cast<size_t>(b.g.outputs[0])].name);
    const bool has_gamma = c.affine == Affine::Gamma || c.affine == Affine::GammaBeta;
    const bool has_beta = c.affine == Affine::GammaBeta || c.affine == Affine::Beta;
    REQUIRE(ln.inputs.size() == (has_beta ? 3u : 2u));
    if (has_gamma) {
      CHECK(fused.values[static_cast<size_t>(ln.inputs[1])].name == "gamma");
    } else {
      const Tensor& one = fused.constant_of(ln.inputs[1]);
      CHECK((one.numel() == 1 && one.f32()[0] == 1.0f));
    }
    if (has_beta) CHECK(fused.values[static_cast<size_t>(ln.inputs[2])].name == "beta");
    const auto names = ln.attrs.get_strings("fused_values");
    CHECK(names.size() == (c.affine == Affine::GammaBeta ? 8u : c.affine == Affine::None ? 6u : 7u));
    for (KernelPath path : supported_kernel_paths()) {
      CAPTURE(kernel_path_name(path));
      std::vector<float> x;
      const auto got = run(b.g, path, true, &x);
      const auto chain = run(b.g, path, false, nullptr);
      const auto want = formula(b.g, x, c.x_shape, c.eps);
      int bad_formula = 0, bad_chain = 0;
      for (size_t i = 0; i < want.size(); ++i) {
        const long double w = want[i];
        const float wf = static_cast<float>(w);
        const long double half_ulp = 0.5L * (std::nextafter(std::fabs(wf), INFINITY) - std::fabs(wf));
        // LayerNorm: the formula in double rounded once (docs/OPERATORS.md).
        bad_formula += !(std::fabs(got[i] - w) <= half_ulp + 1e-6L);
        // The float chain rounds nine times, and its mean's rounding error is amplified by 1/std: a looser bound.
        bad_chain += !(std::fabs(chain[i] - got[i]) <= 1e-5L * (1 + std::fabs(w)));
      }
      CHECK(bad_formula == 0);
      CHECK(bad_chain == 0);
    }
  }
}

TEST_CASE("fuse_layer_norm: near misses are left alone") {
  auto near = [](auto change) {
    Chain c;
    change(c);
    return c;
  };
  CHECK(!untouched(build(Chain{})));  // the unchanged chain does fuse
  for (const char* v : {"m", "d", "q", "v", "e", "s"}) {
    CAPTURE(v);
    CHECK(untouched(build(near([&](Chain& c) { c.extra_reader = v; }))));
    CHECK(untouched(build(near([&](Chain& c) { c.graph_output = v; }))));
  }
  CHECK(untouched(build(near([](Chain& c) { c.mean_axes = {2}; }))));
  CHECK(untouched(build(near([](Chain& c) { c.var_axes = {2}; }))));
  CHECK(untouched(build(near([](Chain& c) { c.mean_axes = {2, 3}; }))));
  CHECK(untouched(build(near([](Chain& c) {
    c.keepdims = 0;  // [24, 24] so that x - mean still broadcasts (over the wrong axis)
    c.x_shape = Shape{24, 24};
  }))));
  CHECK(untouched(build(near([](Chain& c) { c.eps_input = true; }))));
  CHECK(untouched(build(near([](Chain& c) { c.eps_shape = Shape{24}; }))));
  CHECK(untouched(build(near([](Chain& c) { c.eps = -1e-5f; }))));
  CHECK(untouched(build(near([](Chain& c) { c.exponent = 3.0f; }))));
  CHECK(untouched(build(near([](Chain& c) { c.exponent_input = true; }))));
  CHECK(untouched(build(near([](Chain& c) { c.swap_sub = true; }))));
  CHECK(untouched(build(near([](Chain& c) { c.swap_div = true; }))));
  CHECK(untouched(build(near([](Chain& c) { c.sub_activation = true; }))));
}

TEST_CASE("fuse_layer_norm: an affine step that does not fit stays a separate node after the LayerNorm") {
  // gamma per row instead of per column, n read twice, a gamma that adds a dim: the LayerNorm ends at the Div.
  for (int k = 0; k < 3; ++k) {
    Chain c;
    c.affine = Affine::Gamma;
    if (k == 0) c.gamma_shape = Shape{7, 1};
    if (k == 1) c.extra_reader = "n";
    if (k == 2) c.gamma_shape = Shape{1, 1, 1, 1, 24};  // Mul enlarges the rank: not LayerNorm's scale
    const Built b = build(c);
    Graph g = b.g;
    fuse_layer_norm(g);
    CAPTURE(k);
    CHECK(count_op(g, OpType::LayerNorm) == 1);
    CHECK(count_op(g, OpType::Mul) == 1);
    CHECK(count_op(g, OpType::Div) == 0);
    for (KernelPath path : supported_kernel_paths()) {
      const auto fused = run(b.g, path, true, nullptr);
      const auto chain = run(b.g, path, false, nullptr);
      int bad = 0;
      for (size_t i = 0; i < fused.size(); ++i)
        bad += !(std::fabs(fused[i] - chain[i]) <= 1e-5f * (1 + std::fabs(chain[i])));
      CHECK(bad == 0);
    }
  }
}

TEST_CASE("fuse_layer_norm: PyTorch's ONNX export of nn.LayerNorm, axes as an attribute (opset 13) or input (18)") {
  for (int64_t opset : {13, 18}) {
    CAPTURE(opset);
    GraphSpec g;
    g.inputs.push_back(value_info("x", kFloat, {1, 4, 4, 8}));
    g.outputs.push_back(value_info("y", kFloat, {1, 4, 4, 8}));
    g.initializers.push_back(tensor_f32("two", {}, {2.0f}));
    g.initializers.push_back(tensor_f32("eps", {}, {1e-6f}));
    g.initializers.push_back(tensor_f32("gamma", {8}, {1, 2, 3, 4, 5, 6, 7, 8}));
    g.initializers.push_back(tensor_f32("beta", {8}, {0, 1, 0, 1, 0, 1, 0, 1}));
    auto mean = [&](const std::string& in, const std::string& out) {
      if (opset >= 18) return node("ReduceMean", {in, "axes"}, {out}, out, {attr_i("keepdims", 1)});
      return node("ReduceMean", {in}, {out}, out, {attr_ints("axes", {-1}), attr_i("keepdims", 1)});
    };
    if (opset >= 18) g.initializers.push_back(tensor_i64("axes", {1}, {-1}));
    g.nodes.push_back(mean("x", "m"));
    g.nodes.push_back(node("Sub", {"x", "m"}, {"d"}, "sub"));
    g.nodes.push_back(node("Pow", {"d", "two"}, {"q"}, "pow"));
    g.nodes.push_back(mean("q", "v"));
    g.nodes.push_back(node("Add", {"v", "eps"}, {"e"}, "add_eps"));
    g.nodes.push_back(node("Sqrt", {"e"}, {"s"}, "sqrt"));
    g.nodes.push_back(node("Div", {"d", "s"}, {"n"}, "div"));
    g.nodes.push_back(node("Mul", {"n", "gamma"}, {"g"}, "mul"));
    g.nodes.push_back(node("Add", {"g", "beta"}, {"y"}, "add"));
    const Graph graph = import(g, opset);
    REQUIRE(graph.nodes.size() == 1);
    const Node& ln = only_node(graph, OpType::LayerNorm);
    CHECK(ln.attrs.get_float("epsilon", 0.0f) == 1e-6f);
    CHECK(graph.values[static_cast<size_t>(ln.outputs[0])].name == "y");
    OnnxImportOptions plain;
    plain.optimize = false;
    CHECK(count_op(import(g, opset, plain), OpType::LayerNorm) == 0);
  }
}
