// LpNormalization, MeanVarianceNormalization, RMSNormalization, Hardmax and CumSum through the engine, on
// every kernel path: hand-computed values, and random 1-D to 5-D tensors against float64 loops written here
// another way (each element's group found from its coordinates with the grouped ones zeroed, sums kept in a
// map by group); plus the attribute and shape errors, which name the node.
//
// Tolerance: the kernels sum in double and round each output once, as the loops here do, so at most one
// rounding apart: |got - want| <= 2^-23 * |want| + 1e-30.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <string>

#include "engine/error.h"
#include "h2_op_harness.h"

using namespace h2test;

namespace {

using Ints = std::vector<int64_t>;

// The group key of element i: its coordinates with the grouped axes set to 0, raveled.
int64_t group_key(int64_t i, const Shape& s, const std::vector<bool>& grouped) {
  std::vector<int64_t> c = unravel(i, s);
  for (size_t d = 0; d < c.size(); ++d)
    if (grouped[d]) c[d] = 0;
  return ravel(c, s);
}

std::vector<bool> mask_of(const Ints& axes, int rank) {
  std::vector<bool> m(static_cast<size_t>(rank), false);
  for (int64_t a : axes) m[static_cast<size_t>(a < 0 ? a + rank : a)] = true;
  return m;
}

// op in {LpNormalization p=1, p=2, MeanVarianceNormalization, RMSNormalization (scale all ones, or `scale`)}.
std::vector<double> expected_norm(const std::string& op, const Tensor& x, const Ints& axes, float epsilon = 1e-5f) {
  const Shape& s = x.shape();
  const std::vector<bool> grouped = mask_of(axes, s.rank);
  std::map<int64_t, double> sum, abs_sum, sq_sum, count;
  for (int64_t i = 0; i < s.numel(); ++i) {
    const int64_t k = group_key(i, s, grouped);
    const double v = x.f32()[i];
    sum[k] += v, abs_sum[k] += std::fabs(v), sq_sum[k] += v * v, count[k] += 1;
  }
  std::map<int64_t, double> centred;
  for (int64_t i = 0; i < s.numel(); ++i) {
    const int64_t k = group_key(i, s, grouped);
    const double d = x.f32()[i] - sum[k] / count[k];
    centred[k] += d * d;
  }
  std::vector<double> y(static_cast<size_t>(s.numel()));
  for (int64_t i = 0; i < s.numel(); ++i) {
    const int64_t k = group_key(i, s, grouped);
    const double v = x.f32()[i];
    if (op == "L1")
      y[static_cast<size_t>(i)] = v / abs_sum[k];
    else if (op == "L2")
      y[static_cast<size_t>(i)] = v / std::sqrt(sq_sum[k]);
    else if (op == "MVN")
      y[static_cast<size_t>(i)] = (v - sum[k] / count[k]) / (std::sqrt(centred[k] / count[k]) + 1e-9);
    else
      y[static_cast<size_t>(i)] = v / std::sqrt(sq_sum[k] / count[k] + epsilon);
  }
  return y;
}

void expect_close(const Tensor& got, const std::vector<double>& want) {
  REQUIRE(got.numel() == static_cast<int64_t>(want.size()));
  int bad = 0;
  for (size_t i = 0; i < want.size(); ++i)
    bad += !(std::fabs(got.f32()[i] - want[i]) <= std::ldexp(std::fabs(want[i]), -23) + 1e-30);
  CHECK(bad == 0);
}

// A random shape of rank 1..5 (dims 1..6) and a random non-empty set of its axes.
Shape random_shape(std::mt19937& rng) {
  std::uniform_int_distribution<int> rank(1, 5), dim(1, 6);
  Shape s;
  s.rank = rank(rng);
  for (int d = 0; d < s.rank; ++d) s[d] = dim(rng);
  return s;
}
Ints random_axes(std::mt19937& rng, int rank) {
  Ints axes;
  while (axes.empty())
    for (int d = 0; d < rank; ++d)
      if (rng() % 2) axes.push_back(rng() % 3 == 0 ? d - rank : d);  // some negative
  return axes;
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("LpNormalization, MeanVarianceNormalization, RMSNormalization by hand, every path") {
  const Tensor x = Tensor::from_f32({2, 2}, std::vector<float>{3, -4, 0, 0});
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    // Rows (3, -4): L2 norm 5, L1 norm 7; the zero row stays zero (no 0 / 0).
    auto l2 = run_node(OpType::LpNormalization, {x}, attrs({{"axes", Ints{1}}}), 1, 1, path).outputs[0];
    CHECK(values_of(l2) == std::vector<float>{0.6f, -0.8f, 0, 0});
    auto l1 = run_node(OpType::LpNormalization, {x}, attrs({{"axes", Ints{-1}}, {"p", int64_t{1}}}), 1, 1, path);
    CHECK(values_of(l1.outputs[0]) == std::vector<float>{3.0f / 7, -4.0f / 7, 0, 0});
    // Columns (3, 0) and (-4, 0): L2 norms 3 and 4.
    auto cols = run_node(OpType::LpNormalization, {x}, attrs({{"axes", Ints{0}}}), 1, 1, path).outputs[0];
    CHECK(values_of(cols) == std::vector<float>{1, -1, 0, 0});
    // MVN over the rows: mean -0.5, std 3.5 -> +-1 (the 1e-9 aside); the zero row gives 0 / 1e-9 = 0.
    auto mvn = run_node(OpType::MeanVarianceNormalization, {x}, attrs({{"axes", Ints{1}}}), 1, 1, path);
    CHECK(mvn.outputs[0].f32()[0] == doctest::Approx(1.0).epsilon(1e-8));
    CHECK(mvn.outputs[0].f32()[1] == doctest::Approx(-1.0).epsilon(1e-8));
    CHECK(mvn.outputs[0].f32()[2] == 0.0f);
    // RMS of (3, -4) is sqrt(12.5); with epsilon 0.5 it is sqrt(13); scale (2, 10).
    const Tensor scale = Tensor::from_f32({2}, std::vector<float>{2, 10});
    auto rms = run_node(OpType::RmsNormalization, {x, scale}, attrs({{"epsilon", 0.5f}}), 1, 1, path).outputs[0];
    CHECK(rms.f32()[0] == static_cast<float>(6 / std::sqrt(13.0)));
    CHECK(rms.f32()[1] == static_cast<float>(-40 / std::sqrt(13.0)));
    CHECK(rms.f32()[2] == 0.0f);
  }
}

TEST_CASE("LpNormalization, MVN and RMSNormalization match float64 loops on 200 random tensors and axes") {
  std::mt19937 rng(77);
  for (int index = 0; index < 200; ++index) {
    const Shape s = random_shape(rng);
    const Tensor x = random_tensor(s, rng, -3.0f, 3.0f);
    const Ints axes = random_axes(rng, s.rank);
    CAPTURE(s.str());
    CAPTURE(index);
    const int64_t axis = static_cast<int64_t>(rng() % static_cast<unsigned>(s.rank));
    for (KernelPath path : supported_kernel_paths()) {
      const Ints one{axes[0]};
      expect_close(
          run_node(OpType::LpNormalization, {x}, attrs({{"axes", one}, {"p", int64_t{1}}}), 1, 1, path).outputs[0],
          expected_norm("L1", x, one));
      expect_close(run_node(OpType::LpNormalization, {x}, attrs({{"axes", one}}), 1, 1, path).outputs[0],
                   expected_norm("L2", x, one));
      expect_close(run_node(OpType::MeanVarianceNormalization, {x}, attrs({{"axes", axes}}), 1, 1, path).outputs[0],
                   expected_norm("MVN", x, axes));
      // RMSNormalization over the dims from `axis` on, scale of ones shaped like them (a scale != 1 is the
      // broadcasting test below).
      Ints trailing;
      Shape scale_shape;
      for (int64_t d = axis; d < s.rank; ++d) trailing.push_back(d), scale_shape.dims[scale_shape.rank++] = s[int(d)];
      const Tensor ones = Tensor::from_f32(scale_shape, std::vector<float>(size_t(scale_shape.numel()), 1.0f));
      const auto r =
          run_node(OpType::RmsNormalization, {x, ones}, attrs({{"axis", axis}, {"epsilon", 0.01f}}), 1, 1, path);
      CHECK(r.run_allocations == 0);
      expect_close(r.outputs[0], expected_norm("RMS", x, trailing, 0.01f));
    }
  }
}

TEST_CASE("RMSNormalization: scale broadcasts over the normalised dims, aligned at the right") {
  std::mt19937 rng(5);
  const Tensor x = random_tensor({2, 3, 4}, rng);
  const Tensor scale = Tensor::from_f32({3, 1}, std::vector<float>{1, 2, 3});  // one value per row of dims 1..2
  auto got = run_node(OpType::RmsNormalization, {x, scale}, attrs({{"axis", int64_t{1}}})).outputs[0];
  const std::vector<double> plain = expected_norm("RMS", x, {1, 2});
  for (int64_t i = 0; i < x.numel(); ++i) {
    const double want = plain[size_t(i)] * (1 + (i / 4) % 3);
    CHECK(std::fabs(got.f32()[i] - want) <= std::ldexp(std::fabs(want), -22));
  }
  const std::string e = load_error(OpType::RmsNormalization, {{2, 3, 4}, {2, 4}}, attrs({{"axis", int64_t{1}}}));
  CHECK(has(e, kNodeName));
  CHECK(has(e, "scale shape [2,4] does not broadcast to the normalised dims of X [2,3,4] from axis 1 on"));
  CHECK(has(load_error(OpType::RmsNormalization, {{2, 3, 4}, {2, 3, 4}}, attrs({{"axis", int64_t{1}}})),
            "has more dims than the normalised dims"));
  CHECK(has(load_error(OpType::RmsNormalization, {{2, 3}, {3}}, attrs({{"epsilon", 0.0f}})),
            "epsilon must be finite and > 0"));
}

TEST_CASE("Hardmax: the first largest of each group, by hand and against a float64 loop") {
  const Tensor x = Tensor::from_f32({2, 3}, std::vector<float>{1, 5, 5, -1, NAN, -0.5f});
  for (KernelPath path : supported_kernel_paths()) {
    auto rows = run_node(OpType::Hardmax, {x}, attrs({{"axes", Ints{1}}}), 1, 1, path).outputs[0];
    CHECK(values_of(rows) == std::vector<float>{0, 1, 0, 0, 0, 1});  // a tie goes to the first; NaN not picked
    auto cols = run_node(OpType::Hardmax, {x}, attrs({{"axes", Ints{0}}}), 1, 1, path).outputs[0];
    CHECK(values_of(cols) == std::vector<float>{1, 1, 1, 0, 0, 0});
    auto all = run_node(OpType::Hardmax, {x}, attrs({{"axes", Ints{0, 1}}}), 1, 1, path).outputs[0];
    CHECK(values_of(all) == std::vector<float>{0, 1, 0, 0, 0, 0});
  }
  std::mt19937 rng(9);
  for (int index = 0; index < 100; ++index) {
    const Shape s = random_shape(rng);
    std::vector<float> v(size_t(s.numel()));
    for (float& e : v) e = float(rng() % 5);  // many ties
    const Tensor x2 = Tensor::from_f32(s, v);
    const Ints axes = random_axes(rng, s.rank);
    const std::vector<bool> grouped = mask_of(axes, s.rank);
    std::map<int64_t, int64_t> first_max;  // group -> element index
    for (int64_t i = 0; i < s.numel(); ++i) {
      const int64_t k = group_key(i, s, grouped);
      if (!first_max.count(k) || v[size_t(i)] > v[size_t(first_max[k])]) first_max[k] = i;
    }
    auto got = run_node(OpType::Hardmax, {x2}, attrs({{"axes", axes}})).outputs[0];
    int bad = 0;
    for (int64_t i = 0; i < s.numel(); ++i)
      bad += got.f32()[i] != (first_max[group_key(i, s, grouped)] == i ? 1.0f : 0.0f);
    CHECK(bad == 0);
  }
}

namespace {

// CumSum's definition: each output summed afresh (in Sum) from the inputs its coordinates select on the axis.
template <typename Sum, typename T>
std::vector<Sum> cumsum_afresh(const T* x, const Shape& s, int axis, bool exclusive, bool reverse) {
  std::vector<Sum> want(size_t(s.numel()));
  for (int64_t i = 0; i < s.numel(); ++i) {
    std::vector<int64_t> c = unravel(i, s);
    const int64_t at = c[size_t(axis)];
    Sum sum = 0;
    for (int64_t j = 0; j < s[axis]; ++j) {
      const bool in = reverse ? (exclusive ? j > at : j >= at) : (exclusive ? j < at : j <= at);
      c[size_t(axis)] = j;
      if (in) sum += x[ravel(c, s)];
    }
    want[size_t(i)] = sum;
  }
  return want;
}

}  // namespace

TEST_CASE("CumSum: inclusive, exclusive, reverse by hand and against a float64 loop") {
  const Tensor x = Tensor::from_f32({2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6});
  auto cum = [&](int64_t axis, int64_t exclusive, int64_t reverse, KernelPath path) {
    return values_of(run_node(OpType::CumSum, {x},
                              attrs({{"axis", axis}, {"exclusive", exclusive}, {"reverse", reverse}}), 1, 1, path)
                         .outputs[0]);
  };
  for (KernelPath path : supported_kernel_paths()) {
    CHECK(cum(1, 0, 0, path) == std::vector<float>{1, 3, 6, 4, 9, 15});
    CHECK(cum(-1, 1, 0, path) == std::vector<float>{0, 1, 3, 0, 4, 9});
    CHECK(cum(1, 0, 1, path) == std::vector<float>{6, 5, 3, 15, 11, 6});
    CHECK(cum(1, 1, 1, path) == std::vector<float>{5, 3, 0, 11, 6, 0});
    CHECK(cum(0, 0, 0, path) == std::vector<float>{1, 2, 3, 5, 7, 9});
  }
  // Sums kept in double: 1e8 + 1 + 1 + ... stays exact where a float running sum would lose every 1.
  const Tensor big = Tensor::from_f32({4}, std::vector<float>{1e8f, 1, 1, 1});
  auto r = run_node(OpType::CumSum, {big}, attrs({{"axis", int64_t{0}}})).outputs[0];
  CHECK(r.f32()[3] == static_cast<float>(1e8 + 3));
  std::mt19937 rng(10);
  for (int index = 0; index < 100; ++index) {
    const Shape s = random_shape(rng);
    const Tensor xr = random_tensor(s, rng);
    const int axis = int(rng() % unsigned(s.rank));
    const bool exclusive = rng() % 2, reverse = rng() % 2;
    const std::vector<double> want = cumsum_afresh<double>(xr.f32(), s, axis, exclusive, reverse);
    auto got =
        run_node(OpType::CumSum, {xr},
                 attrs({{"axis", int64_t{axis}}, {"exclusive", int64_t{exclusive}}, {"reverse", int64_t{reverse}}}));
    expect_close(got.outputs[0], want);
  }
}

TEST_CASE("CumSum of int64 and int32: position ids by hand, wrap-around, and 100 random cases against a loop") {
  // HF-style position ids: mask.cumsum(1) * mask.
  Tensor mask(DType::I64, Shape{2, 4});
  const int64_t m[] = {1, 1, 0, 1, 0, 1, 1, 1};
  std::memcpy(mask.mutable_data(), m, sizeof m);
  for (KernelPath path : supported_kernel_paths()) {
    const Tensor y = run_node(OpType::CumSum, {mask}, attrs({{"axis", int64_t{1}}}), 1, 1, path).outputs[0];
    CHECK(y.dtype() == DType::I64);
    CHECK(std::vector<int64_t>(y.i64(), y.i64() + 8) == std::vector<int64_t>{1, 2, 2, 3, 0, 1, 2, 3});
  }
  // int32 wraps around in its width; exclusive + reverse.
  Tensor w(DType::I32, Shape{3});
  const int32_t wv[] = {std::numeric_limits<int32_t>::max(), 1, 5};
  std::memcpy(w.mutable_data(), wv, sizeof wv);
  const Tensor wy = run_node(OpType::CumSum, {w}, attrs({{"axis", int64_t{0}}})).outputs[0];
  const auto* wp = static_cast<const int32_t*>(wy.data());
  CHECK(std::vector<int32_t>(wp, wp + 3) == std::vector<int32_t>{std::numeric_limits<int32_t>::max(),
                                                                 std::numeric_limits<int32_t>::min(),
                                                                 std::numeric_limits<int32_t>::min() + 5});
  const Tensor ry =
      run_node(OpType::CumSum, {w}, attrs({{"axis", int64_t{0}}, {"exclusive", int64_t{1}}, {"reverse", int64_t{1}}}))
          .outputs[0];
  const auto* rp = static_cast<const int32_t*>(ry.data());
  CHECK(std::vector<int32_t>(rp, rp + 3) == std::vector<int32_t>{6, 5, 0});
  std::mt19937 rng(12);
  for (int index = 0; index < 100; ++index) {
    const Shape s = random_shape(rng);
    Tensor xi(DType::I64, s);
    auto* xv = static_cast<int64_t*>(xi.mutable_data());
    for (int64_t i = 0; i < s.numel(); ++i) xv[i] = int64_t(rng() % 2001) - 1000;
    const int axis = int(rng() % unsigned(s.rank));
    const bool exclusive = rng() % 2, reverse = rng() % 2;
    const std::vector<int64_t> want = cumsum_afresh<int64_t>(xi.i64(), s, axis, exclusive, reverse);
    const Tensor got =
        run_node(OpType::CumSum, {xi},
                 attrs({{"axis", int64_t{axis}}, {"exclusive", int64_t{exclusive}}, {"reverse", int64_t{reverse}}}))
            .outputs[0];
    CHECK(std::vector<int64_t>(got.i64(), got.i64() + got.numel()) == want);
  }
}

TEST_CASE("LpNormalization, MVN, RMSNormalization, Hardmax, CumSum reject bad attributes, naming the node") {
  auto error = [](OpType op, std::vector<Shape> shapes, Attributes a) {
    const std::string e = load_error(op, shapes, a);
    CHECK(has(e, kNodeName));
    return e;
  };
  CHECK(has(error(OpType::LpNormalization, {{2, 3}}, attrs({{"axes", Ints{1}}, {"p", int64_t{3}}})),
            "p must be 1 or 2, got 3"));
  CHECK(
      has(error(OpType::LpNormalization, {{2, 3}}, attrs({{"axes", Ints{2}}})), "axes holds axis 2, outside [-2, 2)"));
  CHECK(has(error(OpType::MeanVarianceNormalization, {{2, 3}}, attrs({{"axes", Ints{1, -1}}})),
            "axes lists axis 1 twice"));
  CHECK(has(error(OpType::MeanVarianceNormalization, {{2, 3}}, {}), "axes must list at least one axis"));
  CHECK(has(error(OpType::Hardmax, {{2, 3}}, attrs({{"axes", Ints{-3}}})), "outside [-2, 2)"));
  CHECK(has(error(OpType::RmsNormalization, {{2, 3}, {3}}, attrs({{"axis", int64_t{2}}})), "axis 2 is out of range"));
  CHECK(has(error(OpType::CumSum, {{2, 3}}, {}), "the axis attribute is required"));
  CHECK(has(error(OpType::CumSum, {{2, 3}}, attrs({{"axis", int64_t{0}}, {"exclusive", int64_t{2}}})),
            "exclusive must be 0 or 1, got 2"));
  CHECK(has(error(OpType::CumSum, {{2, 3}}, attrs({{"axis", int64_t{0}}, {"reverse", int64_t{-1}}})),
            "reverse must be 0 or 1"));
}
