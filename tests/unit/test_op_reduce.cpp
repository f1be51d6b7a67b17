// The reductions (ReduceMean ... ReduceLogSumExp): hand-computed cases, a scatter-style float64 loop (the
// kernel gathers) over every subset of axes of random tensors with and without keepdims for every kind,
// NaN and infinity handling, the Engine binding, and attribute errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"

using namespace vigil;

namespace {

std::vector<float> run_reduce(Shape shape, const std::vector<float>& x, Attributes attrs, Shape* out_shape,
                              OpType op = OpType::ReduceMean) {
  GraphBuilder gb;
  gb.output(gb.node(op, "mean", {gb.input("x", DType::F32, shape)}, std::move(attrs)));
  Engine engine(gb.build());
  ExecutionContext ctx(engine);
  std::copy(x.begin(), x.end(), ctx.input("x").f32());
  ctx.run();
  TensorView y = ctx.output("mean");
  *out_shape = y.shape;
  return std::vector<float>(y.f32(), y.f32() + y.numel());
}

Attributes reduce_attrs(std::vector<int64_t> axes, int64_t keepdims) {
  Attributes a;
  a.set("axes", std::move(axes));
  a.set("keepdims", keepdims);
  return a;
}

std::string reduce_error(Shape shape, Attributes attrs) {
  GraphBuilder gb;
  gb.output(gb.node(OpType::ReduceMean, "bad_mean", {gb.input("x", DType::F32, shape)}, std::move(attrs)));
  try {
    gb.build();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("reduce_mean: hand-computed") {
  // x = [[1, 2, 3], [4, 5, 6]]
  const std::vector<float> x{1, 2, 3, 4, 5, 6};
  Shape s;
  CHECK(run_reduce({2, 3}, x, reduce_attrs({1}, 1), &s) == std::vector<float>{2, 5});
  CHECK(s == Shape{2, 1});
  CHECK(run_reduce({2, 3}, x, reduce_attrs({0}, 0), &s) == std::vector<float>{2.5f, 3.5f, 4.5f});
  CHECK(s == Shape{3});
  CHECK(run_reduce({2, 3}, x, reduce_attrs({-1, -2}, 1), &s) == std::vector<float>{3.5f});
  CHECK(s == Shape{1, 1});
  // Absent axes: everything; keepdims 0 gives a rank-0 scalar.
  Attributes all;
  all.set("keepdims", int64_t{0});
  CHECK(run_reduce({2, 3}, x, all, &s) == std::vector<float>{3.5f});
  CHECK(s.rank == 0);
  CHECK(run_reduce({2, 3}, x, {}, &s) == std::vector<float>{3.5f});
  CHECK(s == Shape{1, 1});
  // noop_with_empty_axes: identity.
  Attributes noop;
  noop.set("noop_with_empty_axes", int64_t{1});
  CHECK(run_reduce({2, 3}, x, noop, &s) == x);
  CHECK(s == Shape{2, 3});
  // Global average pool as exported by torch.onnx: axes [2, 3] of NCHW.
  CHECK(run_reduce({1, 2, 2, 2}, {1, 2, 3, 4, 10, 20, 30, 40}, reduce_attrs({2, 3}, 1), &s) ==
        std::vector<float>{2.5f, 25});
  CHECK(s == Shape{1, 2, 1, 1});
}

TEST_CASE("reduce_mean: every subset of axes of random tensors against a float64 scatter loop") {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (Shape shape : {Shape{5}, Shape{3, 4}, Shape{2, 3, 5}, Shape{2, 1, 3, 4}, Shape{3, 2, 1, 2, 3}}) {
    std::vector<float> x(static_cast<size_t>(shape.numel()));
    for (float& v : x) v = dist(rng);
    for (int mask = 1; mask < (1 << shape.rank); ++mask) {
      for (int64_t keep : {0, 1}) {
        std::vector<int64_t> axes;
        for (int a = 0; a < shape.rank; ++a)
          if (mask & (1 << a)) axes.push_back(a % 2 ? a - shape.rank : a);  // mix negative and positive axes
        CAPTURE(shape.str());
        CAPTURE(mask);
        CAPTURE(keep);
        Shape out_shape;
        const std::vector<float> y = run_reduce(shape, x, reduce_attrs(axes, keep), &out_shape);

        // Scatter: every input element adds into the output cell its kept coordinates select.
        Shape want_shape;
        for (int a = 0; a < shape.rank; ++a)
          if (!(mask & (1 << a)))
            want_shape.dims[static_cast<size_t>(want_shape.rank++)] = shape[a];
          else if (keep)
            want_shape.dims[static_cast<size_t>(want_shape.rank++)] = 1;
        CHECK(out_shape == want_shape);
        std::vector<double> sum(static_cast<size_t>(want_shape.numel()), 0.0), sumabs(sum.size(), 0.0);
        int64_t count = 1;
        for (int a = 0; a < shape.rank; ++a)
          if (mask & (1 << a)) count *= shape[a];
        for (int64_t i = 0; i < shape.numel(); ++i) {
          int64_t rest = i, out = 0, out_stride = 1;
          for (int a = shape.rank - 1; a >= 0; --a) {
            const int64_t coord = rest % shape[a];
            rest /= shape[a];
            if (!(mask & (1 << a))) out += coord * out_stride, out_stride *= shape[a];
          }
          sum[static_cast<size_t>(out)] += x[static_cast<size_t>(i)];
          sumabs[static_cast<size_t>(out)] += std::fabs(x[static_cast<size_t>(i)]);
        }
        REQUIRE(y.size() == sum.size());
        for (size_t o = 0; o < y.size(); ++o) {
          const double want = sum[o] / static_cast<double>(count);
          // One rounding of a double mean (3e-7 relative) plus double noise on the sum of |x|.
          CHECK(std::fabs(y[o] - want) <= 3e-7 * std::fabs(want) + 1e-14 * sumabs[o]);
        }
      }
    }
  }
}

TEST_CASE("reduce_mean: attribute errors name the node") {
  auto expect = [](const std::string& msg, const char* reason) {
    INFO(msg);
    CHECK(msg.find("ReduceMean 'bad_mean'") != std::string::npos);
    CHECK(msg.find(reason) != std::string::npos);
  };
  expect(reduce_error({2, 3}, reduce_attrs({2}, 1)), "axis 2 is out of range for input shape [2,3]");
  expect(reduce_error({2, 3}, reduce_attrs({-3}, 1)), "axis -3 is out of range");
  expect(reduce_error({2, 3}, reduce_attrs({1, -1}, 1)), "listed twice");
  expect(reduce_error({2, 3}, reduce_attrs({1}, 2)), "keepdims must be 0 or 1");
}

TEST_CASE("reductions: every kind over every subset of axes against a long-double loop") {
  const OpType kinds[] = {OpType::ReduceSum,       OpType::ReduceProd, OpType::ReduceMax,       OpType::ReduceMin,
                          OpType::ReduceL1,        OpType::ReduceL2,   OpType::ReduceSumSquare, OpType::ReduceLogSum,
                          OpType::ReduceLogSumExp, OpType::ReduceMean};
  std::mt19937 rng(29);
  std::uniform_real_distribution<float> dist(0.5f, 1.5f);
  const Shape shape{2, 3, 4};
  // Signed values (|x|, x^2, max and min must see negatives), and positive ones for LogSum.
  std::vector<float> signed_x(static_cast<size_t>(shape.numel())), positive(signed_x.size());
  for (size_t i = 0; i < signed_x.size(); ++i) {
    positive[i] = dist(rng);
    signed_x[i] = rng() % 2 ? positive[i] : -positive[i];
  }
  for (OpType op : kinds)
    for (int mask = 1; mask < 8; ++mask) {
      const std::vector<float>& x = op == OpType::ReduceLogSum ? positive : signed_x;
      std::vector<int64_t> axes;
      for (int a = 0; a < 3; ++a)
        if (mask & (1 << a)) axes.push_back(a);
      Shape out;
      const std::vector<float> y = run_reduce(shape, x, reduce_attrs(axes, 0), &out, op);
      // Scatter: every input element adds into its output cell, in long double.
      std::vector<long double> acc(y.size(), op == OpType::ReduceProd  ? 1.0L
                                             : op == OpType::ReduceMax ? -INFINITY
                                             : op == OpType::ReduceMin ? INFINITY
                                                                       : 0.0L);
      std::vector<int64_t> count(y.size(), 0);
      for (int64_t i = 0; i < shape.numel(); ++i) {
        const int64_t c[3] = {i / 12, (i / 4) % 3, i % 4};
        int64_t o = 0;
        for (int a = 0; a < 3; ++a)
          if (!(mask & (1 << a))) o = o * shape[a] + c[a];
        const long double v = x[static_cast<size_t>(i)];
        long double& t = acc[static_cast<size_t>(o)];
        ++count[static_cast<size_t>(o)];
        if (op == OpType::ReduceProd)
          t *= v;
        else if (op == OpType::ReduceMax)
          t = std::max(t, v);
        else if (op == OpType::ReduceMin)
          t = std::min(t, v);
        else if (op == OpType::ReduceL1)
          t += std::fabs(v);
        else if (op == OpType::ReduceL2 || op == OpType::ReduceSumSquare)
          t += v * v;
        else if (op == OpType::ReduceLogSumExp)
          t += std::exp(v);
        else
          t += v;
      }
      for (size_t o = 0; o < y.size(); ++o) {
        long double want = acc[o];
        if (op == OpType::ReduceMean) want /= count[o];
        if (op == OpType::ReduceL2) want = std::sqrt(want);
        if (op == OpType::ReduceLogSum || op == OpType::ReduceLogSumExp) want = std::log(want);
        CAPTURE(op_name(op));
        CAPTURE(mask);
        // Double sums of at most 24 terms, rounded once to float.
        CHECK(std::fabs(y[o] - want) <= 1.2e-7L * std::fabs(want) + 1e-12L);
      }
    }
}

TEST_CASE("reductions: Max and Min propagate NaN, LogSumExp of large, infinite and all -inf values") {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  Shape out;
  // NaN second in its row: a plain comparison would skip it.
  std::vector<float> y = run_reduce({2, 2}, {1, nan, 3, 2}, reduce_attrs({1}, 0), &out, OpType::ReduceMax);
  CHECK(std::isnan(y[0]));
  CHECK(y[1] == 3.0f);
  y = run_reduce({2, 2}, {1, nan, 3, 2}, reduce_attrs({1}, 0), &out, OpType::ReduceMin);
  CHECK(std::isnan(y[0]));
  CHECK(y[1] == 2.0f);
  y = run_reduce({3, 2}, {1000, 1000, -inf, -inf, inf, 1}, reduce_attrs({1}, 0), &out, OpType::ReduceLogSumExp);
  CHECK(y[0] == static_cast<float>(1000 + std::log(2.0)));  // e^1000 overflows; max + log(sum e^(x-max)) does not
  CHECK(y[1] == -inf);
  CHECK(y[2] == inf);
  // noop_with_empty_axes and no axes: each value reduced alone (|x| for L1).
  Attributes noop;
  noop.set("noop_with_empty_axes", int64_t{1});
  y = run_reduce({3}, {-2, 0.5f, -0.25f}, noop, &out, OpType::ReduceL1);
  CHECK(y == std::vector<float>{2, 0.5f, 0.25f});
}

namespace {

// One integer reduction through the Engine on the default path; the output's dtype and shape checked by the caller.
template <typename T>
std::vector<T> run_integer_reduce(OpType op, DType dtype, Shape shape, const std::vector<T>& x, Attributes attrs,
                                  Shape* out_shape, DType* out_dtype) {
  GraphBuilder gb;
  gb.output(gb.node(op, "count", {gb.input("x", dtype, shape)}, std::move(attrs)));
  Engine engine(gb.build());
  ExecutionContext ctx(engine);
  std::memcpy(ctx.input("x").data, x.data(), x.size() * sizeof(T));
  ctx.run();
  TensorView y = ctx.output("count");
  *out_shape = y.shape;
  *out_dtype = y.dtype;
  std::vector<T> out(static_cast<size_t>(y.numel()));
  std::memcpy(out.data(), y.data, out.size() * sizeof(T));
  return out;
}

}  // namespace

TEST_CASE("reductions of int64 and int32: every integer kind over every subset of axes against a scatter loop") {
  std::mt19937 rng(41);
  const OpType ops[] = {OpType::ReduceSum, OpType::ReduceProd, OpType::ReduceMax,
                        OpType::ReduceMin, OpType::ReduceL1,   OpType::ReduceSumSquare};
  for (int trial = 0; trial < 120; ++trial) {
    Shape shape;
    shape.rank = int(rng() % 4) + 1;
    for (int a = 0; a < shape.rank; ++a) shape[a] = int64_t(rng() % 4) + 1;
    std::vector<int64_t> axes;
    for (int a = 0; a < shape.rank; ++a)
      if (rng() % 2) axes.push_back(rng() % 2 ? a : a - shape.rank);
    const OpType op = ops[trial % 6];
    const bool keepdims = trial % 3 != 0, i32 = trial % 2 == 1;
    std::vector<int64_t> x(static_cast<size_t>(shape.numel()));
    for (auto& v : x) v = int64_t(rng() % 13) - 6;  // small: no overflow, so plain int64 loops are the truth
    // Scatter loop: each input element joins the output its kept coordinates select.
    std::vector<bool> reduced(static_cast<size_t>(shape.rank), axes.empty());
    for (int64_t a : axes) reduced[size_t(a < 0 ? a + shape.rank : a)] = true;
    Shape out_shape;
    for (int a = 0; a < shape.rank; ++a)
      if (!reduced[size_t(a)]) out_shape.dims[size_t(out_shape.rank++)] = shape[a];
    const int64_t outputs = out_shape.numel();
    std::vector<int64_t> want(static_cast<size_t>(outputs), op == OpType::ReduceProd ? 1 : 0);
    std::vector<bool> seen(static_cast<size_t>(outputs), false);
    for (int64_t i = 0; i < shape.numel(); ++i) {
      int64_t rest = i, o = 0, scale = 1;
      for (int a = shape.rank - 1; a >= 0; --a) {
        const int64_t c = rest % shape[a];
        rest /= shape[a];
        if (!reduced[size_t(a)]) o += c * scale, scale *= shape[a];
      }
      const int64_t v = x[size_t(i)];
      int64_t& w = want[size_t(o)];
      if (op == OpType::ReduceSum) w += v;
      if (op == OpType::ReduceProd) w *= v;
      if (op == OpType::ReduceMax) w = seen[size_t(o)] ? std::max(w, v) : v;
      if (op == OpType::ReduceMin) w = seen[size_t(o)] ? std::min(w, v) : v;
      if (op == OpType::ReduceL1) w += v < 0 ? -v : v;
      if (op == OpType::ReduceSumSquare) w += v * v;
      seen[size_t(o)] = true;
    }
    CAPTURE(shape.str());
    CAPTURE(op_name(op));
    CAPTURE(i32);
    CAPTURE(keepdims);
    Shape got_shape;
    DType got_dtype;
    const Attributes attrs = reduce_attrs(axes, keepdims);
    if (i32) {
      const std::vector<int32_t> got = run_integer_reduce(
          op, DType::I32, shape, std::vector<int32_t>(x.begin(), x.end()), attrs, &got_shape, &got_dtype);
      CHECK(got == std::vector<int32_t>(want.begin(), want.end()));
      CHECK(got_dtype == DType::I32);
    } else {
      CHECK(run_integer_reduce(op, DType::I64, shape, x, attrs, &got_shape, &got_dtype) == want);
      CHECK(got_dtype == DType::I64);
    }
    CHECK(got_shape.numel() == outputs);
    CHECK(got_shape.rank == (keepdims ? shape.rank : out_shape.rank));
  }
}

TEST_CASE("reductions of integers: wrap-around on overflow, extremes, and the kinds that are not integer ones") {
  Shape s;
  DType d;
  const int64_t big = std::numeric_limits<int64_t>::max();
  // int64 max + 1 wraps to min (two's complement, as numpy); int32 likewise in its own width.
  CHECK(run_integer_reduce(OpType::ReduceSum, DType::I64, Shape{2}, std::vector<int64_t>{big, 1}, reduce_attrs({}, 0),
                           &s, &d) == std::vector<int64_t>{std::numeric_limits<int64_t>::min()});
  CHECK(run_integer_reduce(OpType::ReduceProd, DType::I32, Shape{2}, std::vector<int32_t>{65536, 65536},
                           reduce_attrs({}, 0), &s, &d) == std::vector<int32_t>{0});
  CHECK(run_integer_reduce(OpType::ReduceMax, DType::I64, Shape{3},
                           std::vector<int64_t>{std::numeric_limits<int64_t>::min(), -5, big - 1}, reduce_attrs({}, 0),
                           &s, &d) == std::vector<int64_t>{big - 1});
  CHECK(
      run_integer_reduce(OpType::ReduceMin, DType::I32, Shape{2},
                         std::vector<int32_t>{std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::min()},
                         reduce_attrs({}, 0), &s, &d) == std::vector<int32_t>{std::numeric_limits<int32_t>::min()});
  for (OpType op : {OpType::ReduceMean, OpType::ReduceL2, OpType::ReduceLogSum, OpType::ReduceLogSumExp}) {
    GraphBuilder gb;
    gb.output(gb.node(op, "count", {gb.input("x", DType::I64, Shape{3})}, reduce_attrs({}, 0)));
    std::string e;
    try {
      Engine engine(gb.build());
    } catch (const Error& err) {
      e = err.what();
    }
    CAPTURE(op_name(op));
    CHECK(e.find("input 0 is i64: integers take ReduceSum") != std::string::npos);
  }
}
