// GroupNorm (ONNX GroupNormalization and InstanceNormalization): hand values, random shapes against an
// independent float64 loop (statistics gathered per element into per-(n, group) sums by index arithmetic, then
// E[(x - mean)^2]), every kernel path, load errors; and the ONNX mapping (opset 18's per-group scale and bias
// vs 21's per-channel ones, InstanceNormalization, stash_type, errors).
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "graph_query_support.h"
#include "h2_op_harness.h"
#include "onnx_import_support.h"

using namespace h2test;
using vigil::test::contains;

namespace {

Attributes group_attrs(int64_t groups, float epsilon) { return attrs({{"num_groups", groups}, {"epsilon", epsilon}}); }

// y for every element of x [N, C, spatial...], computed element by element from per-(n, g) statistics.
std::vector<double> expected_group_norm(const Tensor& x, const std::vector<float>& scale,
                                        const std::vector<float>& bias, int64_t groups, double epsilon) {
  const Shape& s = x.shape();
  const int64_t n = s[0], c = s[1], spatial = x.numel() / (n * c), per_group = c / groups;
  std::vector<double> sum(static_cast<size_t>(n * groups)), count(sum.size()), sq(sum.size());
  auto group_of = [&](int64_t i) { return (i / (c * spatial)) * groups + (i / spatial) % c / per_group; };
  for (int64_t i = 0; i < x.numel(); ++i) {
    sum[static_cast<size_t>(group_of(i))] += x.f32()[i];
    count[static_cast<size_t>(group_of(i))] += 1;
  }
  for (int64_t i = 0; i < x.numel(); ++i) {
    const size_t g = static_cast<size_t>(group_of(i));
    const double d = x.f32()[i] - sum[g] / count[g];
    sq[g] += d * d;
  }
  std::vector<double> y(static_cast<size_t>(x.numel()));
  for (int64_t i = 0; i < x.numel(); ++i) {
    const size_t g = static_cast<size_t>(group_of(i));
    const size_t ch = static_cast<size_t>((i / spatial) % c);
    y[static_cast<size_t>(i)] =
        scale[ch] * (x.f32()[i] - sum[g] / count[g]) / std::sqrt(sq[g] / count[g] + epsilon) + bias[ch];
  }
  return y;
}

}  // namespace

TEST_CASE("group norm: hand-computed one group, one group per channel, epsilon") {
  const Tensor x = Tensor::from_f32({1, 2, 2}, std::vector<float>{1, 2, 3, 4});
  const Tensor scale = Tensor::from_f32({2}, std::vector<float>{1, 2}),
               bias = Tensor::from_f32({2}, std::vector<float>{0, 1});
  // One group: mean 2.5, variance 1.25, 1/sqrt(1.25) = 0.894427190999916.
  const auto one = values_of(run_node(OpType::GroupNorm, {x, scale, bias}, group_attrs(1, 0)).outputs[0]);
  CHECK(one == std::vector<float>{-1.34164078649987f, -0.447213595499958f, 2 * 0.447213595499958f + 1,
                                  2 * 1.34164078649987f + 1});
  // Instance norm (groups = channels): each channel [a, a+1] becomes [-1, 1].
  const auto inst = values_of(run_node(OpType::GroupNorm, {x, scale, bias}, group_attrs(2, 0)).outputs[0]);
  CHECK(inst == std::vector<float>{-1, 1, -1, 3});
  // epsilon = 0.75: 1/sqrt(0.25 + 0.75) = 1, so y = x - mean.
  const auto eps = values_of(run_node(OpType::GroupNorm, {x, scale, bias}, group_attrs(2, 0.75f)).outputs[0]);
  CHECK(eps == std::vector<float>{-0.5f, 0.5f, 0, 2});
  // A constant group gives (x - mean) = 0: the bias (with epsilon > 0).
  const Tensor flat = Tensor::from_f32({1, 2, 2}, std::vector<float>{7, 7, 7, 7});
  CHECK(values_of(run_node(OpType::GroupNorm, {flat, scale, bias}, group_attrs(1, 1e-5f)).outputs[0]) ==
        std::vector<float>{0, 0, 1, 1});
}

TEST_CASE("group norm: random shapes and group counts against a float64 loop, every kernel path") {
  std::mt19937 rng(321);
  struct Case {
    Shape x;
    int64_t groups;
  };
  const std::vector<Case> cases = {
      {{2, 6, 5, 7}, 3}, {{2, 6, 5, 7}, 1},    {{2, 6, 5, 7}, 6},  {{1, 4, 9}, 2},
      {{3, 8}, 4},       {{1, 5, 3, 2, 3}, 5}, {{1, 32, 4, 4}, 8}, {{2, 3, 1, 1}, 3},
  };
  for (const Case& c : cases) {
    // A large common offset in x: the two-pass variance must not cancel.
    Tensor x = random_tensor(c.x, rng, 99.0f, 101.0f);
    std::vector<float> scale(static_cast<size_t>(c.x[1])), bias(scale.size());
    std::uniform_real_distribution<float> dist(-2, 2);
    for (size_t k = 0; k < scale.size(); ++k) scale[k] = dist(rng), bias[k] = dist(rng);
    const Tensor ts = Tensor::from_f32({c.x[1]}, scale), tb = Tensor::from_f32({c.x[1]}, bias);
    const auto want = expected_group_norm(x, scale, bias, c.groups, 1e-5);
    for (KernelPath path : supported_kernel_paths()) {
      CAPTURE(c.x.str());
      CAPTURE(c.groups);
      CAPTURE(kernel_path_name(path));
      auto r = run_node(OpType::GroupNorm, {x, ts, tb}, group_attrs(c.groups, 1e-5f), 1, 1, path);
      REQUIRE(r.outputs[0].shape() == c.x);
      CHECK(r.run_allocations == 0);
      int bad = 0;
      // Both in double, rounded once: they differ only in summation order, far below a float ulp.
      for (size_t i = 0; i < want.size(); ++i)
        bad += std::fabs(r.outputs[0].f32()[i] - want[i]) > 1e-6 * (1 + std::fabs(want[i]));
      CHECK(bad == 0);
    }
  }
}

TEST_CASE("group norm: bad shapes and attributes are load errors naming the node") {
  const std::vector<Shape> ok = {{2, 6, 3}, {6}, {6}};
  CHECK(contains(load_error(OpType::GroupNorm, ok, group_attrs(4, 1e-5f)), "num_groups 4 must be >= 1 and divide"));
  CHECK(contains(load_error(OpType::GroupNorm, ok, group_attrs(0, 1e-5f)), "num_groups 0"));
  CHECK(contains(load_error(OpType::GroupNorm, ok, attrs({{"epsilon", 1e-5f}})), "num_groups 0"));  // missing
  CHECK(contains(load_error(OpType::GroupNorm, ok, group_attrs(2, -1.0f)), "epsilon must be finite and >= 0"));
  CHECK(contains(load_error(OpType::GroupNorm, {{2, 6, 3}, {3}, {6}}, group_attrs(3, 1e-5f)), "scale shape [3]"));
  CHECK(contains(load_error(OpType::GroupNorm, {{2, 6, 3}, {6}, {1, 6}}, group_attrs(3, 1e-5f)), "bias shape [1,6]"));
  CHECK(contains(load_error(OpType::GroupNorm, {{6}, {6}, {6}}, group_attrs(3, 1e-5f)), "rank >= 2"));
  CHECK(load_error(OpType::GroupNorm, ok, group_attrs(3, 1e-5f)).empty());  // the valid baseline loads
}

TEST_CASE("onnx import: InstanceNormalization and GroupNormalization (opset 18 per group, 21 per channel)") {
  using namespace vigil::test;
  using vigil::test::import;
  const std::vector<float> xv = {1, 2, 3, 4, 10, 20, 30, 50};  // [1, 4, 2]
  auto run = [&](GraphSpec g, int64_t opset) {
    Engine engine(import(g, opset));
    ExecutionContext ctx(engine);
    std::copy(xv.begin(), xv.end(), ctx.input("x").f32());
    ctx.run();
    return std::vector<float>(ctx.output("y").f32(), ctx.output("y").f32() + 8);
  };
  const Tensor x = Tensor::from_f32({1, 4, 2}, xv);
  auto direct = [&](std::vector<float> scale, std::vector<float> bias, int64_t groups, float eps) {
    return values_of(run_node(OpType::GroupNorm,
                              {x, Tensor::from_f32({4}, std::move(scale)), Tensor::from_f32({4}, std::move(bias))},
                              group_attrs(groups, eps))
                         .outputs[0]);
  };
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {1, 4, 2}));
  g.outputs.push_back(value_info("y", kFloat, {1, 4, 2}));

  // InstanceNormalization: one group per channel, epsilon kept.
  g.initializers = {tensor_f32("s", {4}, {1, 2, 3, 4}), tensor_f32("b", {4}, {0, 1, 2, 3})};
  g.nodes = {node("InstanceNormalization", {"x", "s", "b"}, {"y"}, "in", {attr_f("epsilon", 0.01f)})};
  CHECK(run(g, 13) == direct({1, 2, 3, 4}, {0, 1, 2, 3}, 4, 0.01f));

  // GroupNormalization-21: per-channel scale and bias, default epsilon.
  g.nodes = {node("GroupNormalization", {"x", "s", "b"}, {"y"}, "gn", {attr_i("num_groups", 2)})};
  CHECK(run(g, 21) == direct({1, 2, 3, 4}, {0, 1, 2, 3}, 2, 1e-5f));
  // GroupNormalization-18: per-group [2] values, each repeated over its two channels.
  g.initializers = {tensor_f32("s", {2}, {5, -1}), tensor_f32("b", {2}, {0.5f, 2})};
  CHECK(run(g, 18) == direct({5, 5, -1, -1}, {0.5f, 0.5f, 2, 2}, 2, 1e-5f));
  // The same [2] tensors at opset 21 are the wrong shape.
  CHECK(contains(import_error(g, 21), "scale must have shape [4] (one value per channel at opset 21), got [2]"));
  // Opset 18 with a run-time per-group scale cannot be expanded at load.
  GraphSpec rt = g;
  rt.initializers = {tensor_f32("b", {2}, {0.5f, 2})};
  rt.inputs.push_back(value_info("s", kFloat, {2}));
  CHECK(contains(import_error(rt, 18), "node 'gn' (GroupNormalization, opset 18)"));
  CHECK(contains(import_error(rt, 18), "scale"));
  // Errors: missing or bad num_groups, stash_type, rank.
  g.initializers = {tensor_f32("s", {4}, {1, 2, 3, 4}), tensor_f32("b", {4}, {0, 1, 2, 3})};
  g.nodes = {node("GroupNormalization", {"x", "s", "b"}, {"y"}, "gn")};
  CHECK(contains(import_error(g, 21), "the num_groups attribute is required"));
  g.nodes = {node("GroupNormalization", {"x", "s", "b"}, {"y"}, "gn", {attr_i("num_groups", 3)})};
  CHECK(contains(import_error(g, 21), "num_groups 3 must be >= 1 and divide the 4 channels"));
  g.nodes = {
      node("GroupNormalization", {"x", "s", "b"}, {"y"}, "gn", {attr_i("num_groups", 2), attr_i("stash_type", 0)})};
  CHECK(contains(import_error(g, 21), "stash_type 0 is not supported"));
  CHECK(contains(import_error(g, 18), "attribute 'stash_type' is not supported"));
  g.nodes = {node("InstanceNormalization", {"x", "s"}, {"y"}, "in2")};
  CHECK(contains(import_error(g, 13), "node 'in2'"));
}
