// Add, Sub, Mul, Div, PRelu, Pow, Max, Min: hand-computed cases, numpy broadcasting on random shapes against an
// independent float64 loop, fused activations, and the errors for shapes that do not broadcast.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/error.h"
#include "h2_op_harness.h"

using namespace h2test;

namespace {

double apply(OpType op, double a, double b) {
  switch (op) {
    case OpType::Add:
      return a + b;
    case OpType::Sub:
      return a - b;
    case OpType::Mul:
      return a * b;
    case OpType::Div:
      return a / b;
    case OpType::PRelu:
      return a < 0 ? a * b : a;
    case OpType::Pow:
      return std::pow(a, b);
    case OpType::Max:
      return std::isnan(a) || std::isnan(b) ? NAN : std::fmax(a, b);
    case OpType::Min:
      return std::isnan(a) || std::isnan(b) ? NAN : std::fmin(a, b);
    default:
      return NAN;
  }
}

// The numpy rule, written as "output coordinate modulo the input dim" over right-aligned dims.
std::vector<double> expected_broadcast(OpType op, const Tensor& a, const Tensor& b, const Shape& out) {
  std::vector<double> y(static_cast<size_t>(out.numel()));
  auto source = [&](const std::vector<int64_t>& c, const Shape& s) {
    int64_t idx = 0;
    for (int d = 0; d < s.rank; ++d) idx = idx * s[d] + c[static_cast<size_t>(out.rank - s.rank + d)] % s[d];
    return idx;
  };
  for (int64_t i = 0; i < out.numel(); ++i) {
    const auto c = unravel(i, out);
    y[static_cast<size_t>(i)] = apply(op, a.f32()[source(c, a.shape())], b.f32()[source(c, b.shape())]);
  }
  return y;
}

}  // namespace

TEST_CASE("binary: hand-computed Add, Sub, Mul, Div with broadcasting") {
  const Tensor a = Tensor::from_f32({2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6});
  const Tensor row = Tensor::from_f32({3}, std::vector<float>{10, 20, 30});
  auto add = run_node(OpType::Add, {a, row});
  CHECK(add.outputs[0].shape() == Shape{2, 3});
  CHECK(values_of(add.outputs[0]) == std::vector<float>{11, 22, 33, 14, 25, 36});
  CHECK(add.run_allocations == 0);

  auto sub = run_node(OpType::Sub, {row, a});  // the smaller operand first: order matters for Sub
  CHECK(values_of(sub.outputs[0]) == std::vector<float>{9, 18, 27, 6, 15, 24});

  const Tensor col = Tensor::from_f32({2, 1}, std::vector<float>{2, 3});
  const Tensor line = Tensor::from_f32({1, 3}, std::vector<float>{1, 10, 100});
  auto mul = run_node(OpType::Mul, {col, line});  // both broadcast: an outer product
  CHECK(mul.outputs[0].shape() == Shape{2, 3});
  CHECK(values_of(mul.outputs[0]) == std::vector<float>{2, 20, 200, 3, 30, 300});

  const Tensor scalar = Tensor::from_f32(Shape{}, std::vector<float>{4});
  auto div = run_node(OpType::Div, {a, scalar});
  CHECK(values_of(div.outputs[0]) == std::vector<float>{0.25f, 0.5f, 0.75f, 1, 1.25f, 1.5f});
  auto div2 = run_node(OpType::Div, {scalar, scalar});
  CHECK(div2.outputs[0].shape().rank == 0);
  CHECK(div2.outputs[0].f32()[0] == 1.0f);
}

TEST_CASE("binary: PRelu scales the negative values by the slope, per channel, on every path") {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor x = Tensor::from_f32({1, 2, 1, 4}, std::vector<float>{-2, 3, -0.0f, nan, -inf, inf, -1, 0.5f});
  const Tensor slope = Tensor::from_f32({2, 1, 1}, std::vector<float>{0.25f, -3});
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    auto r = run_node(OpType::PRelu, {x, slope}, {}, 1, 1, path);
    REQUIRE(r.outputs[0].shape() == Shape{1, 2, 1, 4});
    const float* y = r.outputs[0].f32();
    CHECK(y[0] == -0.5f);
    CHECK(y[1] == 3.0f);
    CHECK((y[2] == 0.0f && std::signbit(y[2])));  // -0 is not below 0: it passes through
    CHECK(std::isnan(y[3]));
    CHECK(y[4] == inf);  // -inf * -3
    CHECK(y[5] == inf);
    CHECK(y[6] == 3.0f);
    CHECK(y[7] == 0.5f);
  }
  // The slope may not enlarge X (ONNX's one-way broadcast).
  CHECK_THROWS_AS(run_node(OpType::PRelu, {Tensor(DType::F32, {3}), Tensor(DType::F32, {2, 3})}), vigil::Error);
}

TEST_CASE("binary: Pow is C's pow in double rounded once, with broadcasting, on every path") {
  std::mt19937 rng(41);
  const Tensor base = random_tensor({2, 3, 5, 7}, rng, 0.01f, 4.0f);
  for (const Tensor& exponent : {random_tensor({3, 1, 1}, rng, -3.0f, 3.0f), Tensor::from_f32({1}, std::vector<float>{2}),
                                 random_tensor({2, 3, 5, 7}, rng, -8.0f, 8.0f)}) {
    for (KernelPath path : supported_kernel_paths()) {
      CAPTURE(kernel_path_name(path));
      CAPTURE(exponent.shape().str());
      auto r = run_node(OpType::Pow, {base, exponent}, {}, 1, 2, path);
      const auto want = expected_broadcast(OpType::Pow, base, exponent, base.shape());
      int mismatches = 0;
      for (size_t i = 0; i < want.size(); ++i) mismatches += r.outputs[0].f32()[i] != static_cast<float>(want[i]);
      CHECK(mismatches == 0);
    }
  }
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor x = Tensor::from_f32({4}, std::vector<float>{-2, -8, nan, 0});
  const Tensor e = Tensor::from_f32({4}, std::vector<float>{3, 1.0f / 3, 0, -1});
  for (KernelPath path : supported_kernel_paths()) {
    auto r = run_node(OpType::Pow, {x, e}, {}, 1, 1, path);
    CHECK(r.outputs[0].f32()[0] == -8.0f);
    CHECK(std::isnan(r.outputs[0].f32()[1]));  // a negative base to a non-integer power
    CHECK(r.outputs[0].f32()[2] == 1.0f);      // anything to the power 0, NaN included
    CHECK(r.outputs[0].f32()[3] == std::numeric_limits<float>::infinity());
  }
}

TEST_CASE("binary: division by zero follows IEEE") {
  const Tensor a = Tensor::from_f32({3}, std::vector<float>{1, -1, 0});
  const Tensor z = Tensor::from_f32({1}, std::vector<float>{0});
  auto r = run_node(OpType::Div, {a, z});
  CHECK(std::isinf(r.outputs[0].f32()[0]));
  CHECK(r.outputs[0].f32()[0] > 0);
  CHECK(r.outputs[0].f32()[1] < 0);
  CHECK(std::isnan(r.outputs[0].f32()[2]));
}

TEST_CASE("binary: random broadcasting patterns match a float64 loop exactly") {
  std::mt19937 rng(1234);
  struct Case {
    Shape a, b, out;
  };
  const std::vector<Case> cases = {
      {{2, 3, 5, 7}, {3, 1, 1}, {2, 3, 5, 7}},                    // per-channel bias
      {{2, 3, 5, 7}, {1}, {2, 3, 5, 7}},                          // one element
      {{2, 3, 5, 7}, Shape{}, {2, 3, 5, 7}},                      // rank-0 scalar
      {{2, 3, 5, 7}, {2, 1, 5, 7}, {2, 3, 5, 7}},                 // [N,1,H,W] spatial mask
      {{3, 1, 1}, {2, 3, 5, 7}, {2, 3, 5, 7}},                    // broadcast operand first
      {{5, 7}, {2, 3, 5, 7}, {2, 3, 5, 7}},                       // different ranks
      {{2, 3, 1, 7}, {1, 1, 5, 1}, {2, 3, 5, 7}},                 // both sides broadcast
      {{3, 5, 1}, {1, 7}, {3, 5, 7}},                             // different ranks, both broadcast
      {{1, 1, 1}, {1}, {1, 1, 1}},                                // all ones
      {{9, 11, 13}, {9, 11, 13}, {9, 11, 13}},                    // same shape, odd sizes
      {{2, 1, 3, 1, 5, 1}, {4, 1, 2, 1, 3}, {2, 4, 3, 2, 5, 3}},  // rank 6
      {{2, 64, 40, 41}, {64, 1, 1}, {2, 64, 40, 41}},             // large enough to split over threads
      {{2, 64, 40, 41}, {2, 64, 40, 41}, {2, 64, 40, 41}},
      {{1}, {2, 64, 40, 41}, {2, 64, 40, 41}},
      // Transformer-style layouts, whose rows the optimised paths merge (binary_coalesced) up to 4096 values.
      {{1, 7, 7, 96}, {96}, {1, 7, 7, 96}},                    // a suffix operand over rows (a Linear's bias)
      {{1, 7, 7, 96}, {1, 7, 7, 1}, {1, 7, 7, 96}},            // a per-row scalar (LayerNorm's mean)
      {{1, 96, 7, 7}, {96, 1, 1}, {1, 96, 7, 7}},              // per channel over short rows: H and W merge
      {{1, 70, 70, 13}, {1, 70, 70, 13}, {1, 70, 70, 13}},     // merging stops at the row limit
      {{3, 1, 4099}, {1}, {3, 1, 4099}},                       // a row already longer than the limit
      {{64, 65, 1}, {64, 1, 1}, {64, 65, 1}},                  // an inner dim of 1
      {{2, 1, 3, 5, 1, 7}, {3, 5, 1, 1}, {2, 1, 3, 5, 1, 7}},  // 1s between merged dims
  };
  // Every kernel path (the optimised ones run binary_rows, vectorised, row ranges per thread) and 1 and 2
  // threads.
  for (OpType op : {OpType::Add, OpType::Sub, OpType::Mul, OpType::Div, OpType::PRelu, OpType::Max, OpType::Min}) {
    for (const Case& c : cases) {
      // PRelu broadcasts its slope to X only (the output keeps X's shape).
      if (op == OpType::PRelu && !(c.a == c.out)) continue;
      const Tensor a = random_tensor(c.a, rng), b = random_tensor(c.b, rng, 0.5f, 3.0f);
      const auto want = expected_broadcast(op, a, b, c.out);
      for (KernelPath path : supported_kernel_paths())
        for (int threads : {1, 2}) {
          CAPTURE(op_name(op));
          CAPTURE(c.a.str());
          CAPTURE(c.b.str());
          CAPTURE(kernel_path_name(path));
          CAPTURE(threads);
          auto r = run_node(op, {a, b}, {}, 1, threads, path);
          REQUIRE(r.outputs[0].shape() == c.out);
          CHECK(r.run_allocations == 0);
          int mismatches = 0;
          for (size_t i = 0; i < want.size(); ++i)
            // One IEEE operation on floats equals the double result rounded once: exact equality holds.
            mismatches += r.outputs[0].f32()[i] != static_cast<float>(want[i]);
          CHECK(mismatches == 0);
        }
    }
  }
}

TEST_CASE("binary: Max and Min propagate NaN from either side and give the second of two equal zeros, every path") {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  // 37 elements: the vectorised loops and their tails; NaN, zeros and infinities in lanes of both.
  std::vector<float> a(37), b(37);
  std::mt19937 rng(77);
  std::uniform_real_distribution<float> dist(-3, 3);
  for (size_t i = 0; i < a.size(); ++i) a[i] = dist(rng), b[i] = dist(rng);
  a[0] = nan, b[1] = nan, a[2] = nan, b[2] = nan, a[3] = 0.0f, b[3] = -0.0f, a[4] = -0.0f, b[4] = 0.0f;
  a[5] = inf, b[5] = -inf, a[20] = nan, b[33] = nan, a[36] = -inf;
  const Tensor ta = Tensor::from_f32({37}, a), tb = Tensor::from_f32({37}, b);
  const Tensor scalar_nan = Tensor::from_f32({1}, std::vector<float>{nan});
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    const auto mx = values_of(run_node(OpType::Max, {ta, tb}, {}, 1, 1, path).outputs[0]);
    const auto mn = values_of(run_node(OpType::Min, {ta, tb}, {}, 1, 1, path).outputs[0]);
    for (size_t i = 0; i < a.size(); ++i) {
      CAPTURE(i);
      if (std::isnan(a[i]) || std::isnan(b[i])) {
        CHECK(std::isnan(mx[i]));
        CHECK(std::isnan(mn[i]));
      } else if (a[i] == b[i]) {  // the second input's bits (onnxruntime: Max(0, -0) = -0)
        CHECK(std::signbit(mx[i]) == std::signbit(b[i]));
        CHECK(std::signbit(mn[i]) == std::signbit(b[i]));
      } else {
        CHECK(mx[i] == std::max(a[i], b[i]));
        CHECK(mn[i] == std::min(a[i], b[i]));
      }
    }
    // A broadcast NaN (one value for the row) poisons every element.
    const auto bn = values_of(run_node(OpType::Max, {ta, scalar_nan}, {}, 1, 1, path).outputs[0]);
    CHECK(std::all_of(bn.begin(), bn.end(), [](float v) { return std::isnan(v); }));
    const auto nb = values_of(run_node(OpType::Min, {scalar_nan, ta}, {}, 1, 1, path).outputs[0]);
    CHECK(std::all_of(nb.begin(), nb.end(), [](float v) { return std::isnan(v); }));
  }
}

TEST_CASE("binary: fused activations apply after the arithmetic") {
  std::mt19937 rng(7);
  const Tensor a = random_tensor({2, 4, 3, 3}, rng), b = random_tensor({4, 1, 1}, rng);
  const auto sums = expected_broadcast(OpType::Add, a, b, {2, 4, 3, 3});

  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    auto relu = run_node(OpType::Add, {a, b}, attrs({{"activation", std::string("relu")}}), 1, 1, path);
    auto leaky = run_node(OpType::Add, {a, b},
                          attrs({{"activation", std::string("leaky_relu")}, {"activation_alpha", 0.1f}}), 1, 1, path);
    auto sig = run_node(OpType::Add, {a, b}, attrs({{"activation", std::string("sigmoid")}}), 1, 1, path);
    for (size_t i = 0; i < sums.size(); ++i) {
      const float s = static_cast<float>(sums[i]);  // the kernel rounds the sum to float before activating
      CHECK(relu.outputs[0].f32()[i] == std::max(s, 0.0f));
      CHECK(leaky.outputs[0].f32()[i] == (s >= 0 ? s : static_cast<float>(static_cast<double>(0.1f) * s)));
      // sigmoid: within the vector activation's 2 ulp on the optimised paths
      CHECK(sig.outputs[0].f32()[i] == doctest::Approx(1.0 / (1.0 + std::exp(-static_cast<double>(s)))).epsilon(1e-6));
    }
  }
}

TEST_CASE("binary: shapes that do not broadcast are rejected naming the node and both shapes") {
  const std::string e = load_error(OpType::Add, {{2, 3}, {4}});
  CHECK(e.find(kNodeName) != std::string::npos);
  CHECK(e.find("[2,3]") != std::string::npos);
  CHECK(e.find("[4]") != std::string::npos);

  const std::string e2 = load_error(OpType::Mul, {{2, 3, 4, 5}, {2, 1, 5}});
  CHECK(e2.find(kNodeName) != std::string::npos);
  CHECK(e2.find("[2,3,4,5]") != std::string::npos);
  CHECK(e2.find("[2,1,5]") != std::string::npos);

  const std::string e3 = load_error(OpType::Sub, {{2, 3}, {2, 3}}, attrs({{"activation", std::string("swishy")}}));
  CHECK(e3.find(kNodeName) != std::string::npos);
  CHECK(e3.find("swishy") != std::string::npos);

  CHECK_THROWS_AS(run_node(OpType::Div, {Tensor(DType::F32, {3}), Tensor(DType::F32, {2})}), vigil::Error);
}
