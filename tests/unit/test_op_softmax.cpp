// Softmax and LogSoftmax: hand-computed rows, stability on huge inputs, a log-sum-exp float64 loop on every
// axis of random tensors, the Engine binding, and axis errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "kernels/softmax/softmax.h"
#include "tests/unit/graph_run_support.h"

using namespace vigil;

namespace {

std::vector<float> run_softmax(Shape shape, const std::vector<float>& x, Attributes attrs,
                               OpType op = OpType::Softmax) {
  GraphBuilder gb;
  gb.output(gb.node(op, "softmax", {gb.input("x", DType::F32, shape)}, std::move(attrs)));
  Engine engine(gb.build());
  ExecutionContext ctx(engine);
  std::copy(x.begin(), x.end(), ctx.input("x").f32());
  ctx.run();
  TensorView y = ctx.output("softmax");
  REQUIRE(y.shape == shape);
  return std::vector<float>(y.f32(), y.f32() + y.numel());
}

// log(softmax(x))[i] along `axis`, in long double: x[i] - max - log(sum exp(x - max)) over i's row.
std::vector<long double> log_softmax_exact(const Shape& shape, const std::vector<float>& x, int axis) {
  const int a = axis < 0 ? axis + shape.rank : axis;
  int64_t step = 1;  // elements between neighbours along the axis
  for (int d = a + 1; d < shape.rank; ++d) step *= shape[d];
  std::vector<long double> out(x.size());
  for (int64_t i = 0; i < shape.numel(); ++i) {
    const int64_t row_start = i - ((i / step) % shape[a]) * step;
    auto row = [&](int64_t j) { return static_cast<long double>(x[static_cast<size_t>(row_start + j * step)]); };
    long double m = -INFINITY, sum = 0;
    for (int64_t j = 0; j < shape[a]; ++j) m = std::max(m, row(j));
    for (int64_t j = 0; j < shape[a]; ++j) sum += std::exp(row(j) - m);
    out[static_cast<size_t>(i)] = x[static_cast<size_t>(i)] - m - std::log(sum);
  }
  return out;
}

Attributes axis_attr(int64_t axis) {
  Attributes a;
  a.set("axis", axis);
  return a;
}

}  // namespace

TEST_CASE("softmax: hand-computed rows") {
  // Equal inputs -> uniform; [0, ln 3] -> [1/4, 3/4].
  std::vector<float> y = run_softmax({2, 2}, {5, 5, 0, std::log(3.0f)}, {});
  CHECK(y[0] == 0.5f);
  CHECK(y[1] == 0.5f);
  CHECK(y[2] == doctest::Approx(0.25).epsilon(1e-6));
  CHECK(y[3] == doctest::Approx(0.75).epsilon(1e-6));
  // Axis 0 of a 2x2: columns are the rows.
  y = run_softmax({2, 2}, {0, 7, std::log(3.0f), 7}, axis_attr(0));
  CHECK(y[0] == doctest::Approx(0.25).epsilon(1e-6));
  CHECK(y[2] == doctest::Approx(0.75).epsilon(1e-6));
  CHECK(y[1] == 0.5f);
}

TEST_CASE("softmax: subtracting the max keeps huge and tiny inputs finite") {
  std::vector<float> y = run_softmax({1, 3}, {1000, 1001, 1002}, {});
  const double e0 = std::exp(-2.0), e1 = std::exp(-1.0), total = e0 + e1 + 1.0;
  CHECK(y[0] == doctest::Approx(e0 / total).epsilon(1e-6));
  CHECK(y[1] == doctest::Approx(e1 / total).epsilon(1e-6));
  CHECK(y[2] == doctest::Approx(1.0 / total).epsilon(1e-6));
  y = run_softmax({1, 2}, {-1e30f, 0}, {});
  CHECK(y[0] == 0.0f);
  CHECK(y[1] == 1.0f);
  const float inf = std::numeric_limits<float>::infinity();
  y = run_softmax({1, 3}, {-inf, 1, 1}, {});
  CHECK(y == std::vector<float>{0, 0.5f, 0.5f});
}

TEST_CASE("softmax: random tensors, every axis, against a float64 log-sum-exp loop") {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-8.0f, 8.0f);
  for (Shape shape : {Shape{7}, Shape{3, 5}, Shape{2, 3, 4}, Shape{2, 1, 3, 5}, Shape{1, 1}}) {
    std::vector<float> x(static_cast<size_t>(shape.numel()));
    for (float& v : x) v = dist(rng);
    for (int axis = -shape.rank; axis < shape.rank; ++axis) {
      CAPTURE(shape.str());
      CAPTURE(axis);
      const std::vector<float> y = run_softmax(shape, x, axis_attr(axis));
      const std::vector<long double> exact = log_softmax_exact(shape, x, axis);
      double worst = 0;
      for (size_t i = 0; i < x.size(); ++i) {
        const double want = static_cast<double>(std::exp(exact[i]));
        worst = std::max(worst, std::fabs(y[i] - want) / (3e-7 * want));
      }
      // Rounded once from double: within 3e-7 relative of the exact value, even for tiny probabilities.
      CHECK(worst <= 1.0);
    }
  }
}

TEST_CASE("log_softmax: random tensors, every axis, against a float64 log-sum-exp loop") {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> dist(-30.0f, 30.0f);
  for (Shape shape : {Shape{7}, Shape{3, 5}, Shape{2, 3, 4}, Shape{2, 1, 3, 5}, Shape{1, 1}}) {
    std::vector<float> x(static_cast<size_t>(shape.numel()));
    for (float& v : x) v = dist(rng);
    for (int axis = -shape.rank; axis < shape.rank; ++axis) {
      CAPTURE(shape.str());
      CAPTURE(axis);
      const std::vector<float> y = run_softmax(shape, x, axis_attr(axis), OpType::LogSoftmax);
      const std::vector<long double> exact = log_softmax_exact(shape, x, axis);
      double worst = 0;
      for (size_t i = 0; i < x.size(); ++i) {
        // Rounded once from double: half an ulp of the result, plus double's own error.
        const float w = static_cast<float>(exact[i]);
        const double ulp = std::nextafter(std::fabs(w), INFINITY) - std::fabs(w);
        worst = std::max(worst, static_cast<double>(std::fabs(y[i] - exact[i])) / (0.5 * ulp + 1e-12));
      }
      CHECK(worst <= 1.0 + 1e-6);
    }
  }
}

TEST_CASE("log_softmax: values far below the maximum stay finite, NaN, +inf and all -inf rows give NaN") {
  // log(softmax) would give log(0) = -inf for the first value; log-sum-exp gives -1e4 - log(1 + e^-1e4).
  std::vector<float> y = run_softmax({1, 2}, {-10000, 0}, {}, OpType::LogSoftmax);
  CHECK(y[0] == -10000.0f);
  CHECK(y[1] == 0.0f);
  y = run_softmax({1, 2}, {0, 0}, {}, OpType::LogSoftmax);
  CHECK(y[0] == static_cast<float>(-std::log(2.0)));
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  std::vector<float> x{1, nan, 2, -inf, -inf, -inf, 1, inf, 0}, out(9);
  kernels::log_softmax_reference(3, 3, 1, x.data(), out.data());
  for (float v : out) CHECK(std::isnan(v));
  // A -inf beside finite values is -inf (probability 0), not NaN.
  x = {-inf, 1, 1};
  kernels::log_softmax_reference(1, 3, 1, x.data(), out.data());
  CHECK(out[0] == -inf);
  CHECK(out[1] == static_cast<float>(-std::log(2.0)));
}

TEST_CASE("softmax: NaN and all -inf rows give NaN") {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  std::vector<float> x{1, nan, 2, -inf, -inf, -inf}, y(6);
  kernels::softmax_reference(2, 3, 1, x.data(), y.data());
  for (float v : y) CHECK(std::isnan(v));
}

TEST_CASE("softmax: axis out of range names the node") {
  GraphBuilder gb;
  gb.output(gb.node(OpType::Softmax, "bad_softmax", {gb.input("x", DType::F32, {2, 3})}, axis_attr(2)));
  try {
    gb.build();
    FAIL("expected an error");
  } catch (const Error& e) {
    const std::string msg = e.what();
    CHECK(msg.find("Softmax 'bad_softmax'") != std::string::npos);
    CHECK(msg.find("axis 2 is out of range for input shape [2,3]") != std::string::npos);
  }
  GraphBuilder gb2;
  gb2.output(gb2.node(OpType::Softmax, "bad_softmax", {gb2.input("x", DType::F32, {2, 3})}, axis_attr(-3)));
  CHECK_THROWS_AS(gb2.build(), Error);
}

TEST_CASE("softmax: over one image's channels on 2 threads (rows split), every path, against the float64 loop") {
  // [1, 21, 40, 40] along axis 1: one outer slice, so the vector paths split its 1600 rows over the threads.
  const Shape shape{1, 21, 40, 40};
  for (KernelPath path : supported_kernel_paths()) {
    for (const OpType op : {OpType::Softmax, OpType::LogSoftmax}) {
      GraphBuilder gb;
      gb.output(gb.node(op, "softmax", {gb.input("x", DType::F32, shape)}, axis_attr(1)));
      EngineOptions options;
      options.path = path;
      const std::vector<float> y = vigil::test::run_graph(gb.build(), options, 2, 11)[0];
      std::mt19937 rng(11);  // the values run_graph fed
      const std::vector<float> x = vigil::test::random_values(static_cast<size_t>(shape.numel()), rng);
      const std::vector<long double> exact = log_softmax_exact(shape, x, 1);
      double worst = 0;
      for (size_t i = 0; i < x.size(); ++i) {
        const long double want = op == OpType::Softmax ? std::exp(exact[i]) : exact[i];
        worst = std::max(worst, static_cast<double>(std::fabs(y[i] - want) / (3e-7L * std::fabs(want) + 1e-30L)));
      }
      CAPTURE(kernel_path_name(path));
      CAPTURE(op_name(op));
      CHECK(worst <= 1.0);
    }
  }
}
