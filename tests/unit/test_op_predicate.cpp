// Comparisons (Equal, Less, Greater, LessOrEqual, GreaterOrEqual), And / Or / Xor, Not, IsNaN, IsInf
// (kernels/predicate, engine/ops/predicate.cpp, unary_predicate.cpp): hand values with NaN, -0 and infinities;
// random broadcasting patterns for every dtype on every path and thread count against a "coordinate modulo dim"
// loop; the load errors (mismatched dtypes, a dtype the op does not take, bad attributes) naming the node.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "engine/error.h"
#include "engine/graph_builder.h"
#include "graph_query_support.h"
#include "h2_op_harness.h"

using namespace h2test;
using vigil::test::contains;

namespace {

std::vector<uint8_t> bytes_of(const Tensor& t) {
  const auto* p = static_cast<const uint8_t*>(t.data());
  return {p, p + t.numel()};
}

int64_t source(const std::vector<int64_t>& coord, const Shape& out, const Shape& s) {
  int64_t idx = 0;
  for (int d = 0; d < s.rank; ++d) idx = idx * s[d] + coord[static_cast<size_t>(out.rank - s.rank + d)] % s[d];
  return idx;
}

// Random elements of a dtype drawn from a small range, so that equal values (and ties with broadcast ones) occur.
Tensor small_values(DType t, const Shape& s, std::mt19937& rng) {
  Tensor x(t, s);
  for (int64_t i = 0; i < s.numel(); ++i) {
    const int v = static_cast<int>(rng() % 7) - 3;
    switch (t) {
      case DType::F32: {
        const float specials[] = {NAN, -0.0f, 0.0f, INFINITY, -INFINITY};
        x.mutable_f32()[i] = rng() % 5 == 0 ? specials[rng() % 5] : static_cast<float>(v) * 0.5f;
        break;
      }
      case DType::I64:
        static_cast<int64_t*>(x.mutable_data())[i] = v * (int64_t{1} << 40);
        break;
      case DType::I32:
        static_cast<int32_t*>(x.mutable_data())[i] = v * 100000;
        break;
      case DType::I8:
        static_cast<int8_t*>(x.mutable_data())[i] = static_cast<int8_t>(v * 40);
        break;
      case DType::U8:
        static_cast<uint8_t*>(x.mutable_data())[i] = static_cast<uint8_t>(v * 40 + 128);
        break;
      case DType::Bool:
        static_cast<uint8_t*>(x.mutable_data())[i] = static_cast<uint8_t>(rng() % 4 == 0 ? 2 + rng() % 200 : rng() % 2);
        break;
      default:
        FAIL("unexpected dtype");
    }
  }
  return x;
}

// Element i as a double (bool: its truth value), for the independent loop.
double as_double(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::F32:
      return t.f32()[i];
    case DType::I64:
      return static_cast<double>(static_cast<const int64_t*>(t.data())[i]);
    case DType::I32:
      return static_cast<const int32_t*>(t.data())[i];
    case DType::I8:
      return static_cast<const int8_t*>(t.data())[i];
    case DType::U8:
      return static_cast<const uint8_t*>(t.data())[i];
    default:
      return static_cast<const uint8_t*>(t.data())[i] != 0;
  }
}

bool expect_of(OpType op, double a, double b) {
  switch (op) {
    case OpType::Equal:
      return a == b;
    case OpType::Less:
      return a < b;
    case OpType::Greater:
      return a > b;
    case OpType::LessOrEqual:
      return !(a > b) && !std::isnan(a) && !std::isnan(b);
    case OpType::GreaterOrEqual:
      return !(a < b) && !std::isnan(a) && !std::isnan(b);
    case OpType::And:
      return a != 0 && b != 0;
    case OpType::Or:
      return a != 0 || b != 0;
    default:  // Xor
      return (a != 0) + (b != 0) == 1;
  }
}

std::string build_error(OpType op, std::vector<DType> dtypes, const Attributes& a = {}) {
  GraphBuilder b;
  std::vector<int> ins;
  for (size_t i = 0; i < dtypes.size(); ++i) ins.push_back(b.input("in" + std::to_string(i), dtypes[i], Shape{3}));
  b.output(b.node(op, "pred", ins, a));
  try {
    Engine e(b.build());
  } catch (const vigil::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("comparisons: hand values with NaN, -0 and infinities") {
  const Tensor a = Tensor::from_f32(Shape{6}, std::vector<float>{NAN, -0.0f, 1.0f, INFINITY, -INFINITY, 2.0f});
  const Tensor b = Tensor::from_f32(Shape{6}, std::vector<float>{NAN, 0.0f, 2.0f, INFINITY, 0.0f, 1.0f});
  CHECK(bytes_of(run_node(OpType::Equal, {a, b}).outputs[0]) == std::vector<uint8_t>{0, 1, 0, 1, 0, 0});
  CHECK(bytes_of(run_node(OpType::Less, {a, b}).outputs[0]) == std::vector<uint8_t>{0, 0, 1, 0, 1, 0});
  CHECK(bytes_of(run_node(OpType::Greater, {a, b}).outputs[0]) == std::vector<uint8_t>{0, 0, 0, 0, 0, 1});
  CHECK(bytes_of(run_node(OpType::LessOrEqual, {a, b}).outputs[0]) == std::vector<uint8_t>{0, 1, 1, 1, 1, 0});
  CHECK(bytes_of(run_node(OpType::GreaterOrEqual, {a, b}).outputs[0]) == std::vector<uint8_t>{0, 1, 0, 1, 0, 1});
  // Broadcasting a [2,1] against a [3]: a row per a value.
  const Tensor col = Tensor::from_i64(Shape{2, 1}, std::vector<int64_t>{1, 5});
  const Tensor row = Tensor::from_i64(Shape{3}, std::vector<int64_t>{0, 1, 9});
  auto r = run_node(OpType::Less, {col, row});
  CHECK(r.outputs[0].dtype() == DType::Bool);
  CHECK(r.outputs[0].shape() == Shape{2, 3});
  CHECK(bytes_of(r.outputs[0]) == std::vector<uint8_t>{0, 0, 1, 0, 0, 1});
}

TEST_CASE("logic: And, Or, Xor, Not, IsNaN and IsInf hand values (any non-zero byte is true)") {
  Tensor p(DType::Bool, Shape{4}), q(DType::Bool, Shape{4});
  const uint8_t pv[] = {0, 0, 7, 1}, qv[] = {0, 1, 0, 255};
  std::memcpy(p.mutable_data(), pv, 4);
  std::memcpy(q.mutable_data(), qv, 4);
  CHECK(bytes_of(run_node(OpType::And, {p, q}).outputs[0]) == std::vector<uint8_t>{0, 0, 0, 1});
  CHECK(bytes_of(run_node(OpType::Or, {p, q}).outputs[0]) == std::vector<uint8_t>{0, 1, 1, 1});
  CHECK(bytes_of(run_node(OpType::Xor, {p, q}).outputs[0]) == std::vector<uint8_t>{0, 1, 1, 0});
  CHECK(bytes_of(run_node(OpType::Equal, {p, q}).outputs[0]) == std::vector<uint8_t>{1, 0, 0, 1});
  CHECK(bytes_of(run_node(OpType::Not, {p}).outputs[0]) == std::vector<uint8_t>{1, 1, 0, 0});
  const Tensor x = Tensor::from_f32(Shape{5}, std::vector<float>{NAN, INFINITY, -INFINITY, 0.0f, -3e38f});
  CHECK(bytes_of(run_node(OpType::IsNaN, {x}).outputs[0]) == std::vector<uint8_t>{1, 0, 0, 0, 0});
  CHECK(bytes_of(run_node(OpType::IsInf, {x}).outputs[0]) == std::vector<uint8_t>{0, 1, 1, 0, 0});
  CHECK(bytes_of(run_node(OpType::IsInf, {x}, attrs({{"detect_negative", int64_t{0}}})).outputs[0]) ==
        std::vector<uint8_t>{0, 1, 0, 0, 0});
  CHECK(bytes_of(run_node(OpType::IsInf, {x}, attrs({{"detect_positive", int64_t{0}}})).outputs[0]) ==
        std::vector<uint8_t>{0, 0, 1, 0, 0});
  CHECK(bytes_of(run_node(OpType::IsInf, {x}, attrs({{"detect_positive", int64_t{0}}, {"detect_negative", int64_t{0}}}))
                     .outputs[0]) == std::vector<uint8_t>{0, 0, 0, 0, 0});
}

TEST_CASE("comparisons and logic: random broadcasting for every dtype, path and thread count") {
  std::mt19937 rng(29);
  struct Case {
    Shape a, b, out;
  };
  const std::vector<Case> cases = {
      {{2, 3, 4}, {2, 3, 4}, {2, 3, 4}},
      {{3, 1}, {1, 4}, {3, 4}},
      {Shape{}, {5}, {5}},
      {{2, 1, 1, 7}, {1, 3, 5, 1}, {2, 3, 5, 7}},
      {{4, 1, 2, 1, 3, 1}, {2, 1, 2}, {4, 1, 2, 2, 3, 2}},
      {{40, 30, 20}, {30, 1}, {40, 30, 20}},  // 24000: threads
  };
  const OpType comparisons[] = {OpType::Equal, OpType::Less, OpType::Greater, OpType::LessOrEqual,
                                OpType::GreaterOrEqual};
  for (const Case& k : cases) {
    for (DType t : {DType::F32, DType::I64, DType::I32, DType::I8, DType::U8, DType::Bool}) {
      const Tensor a = small_values(t, k.a, rng), b = small_values(t, k.b, rng);
      std::vector<OpType> ops;
      if (t == DType::Bool)
        ops = {OpType::Equal, OpType::And, OpType::Or, OpType::Xor};
      else
        ops.assign(std::begin(comparisons), std::end(comparisons));
      for (OpType op : ops) {
        std::vector<uint8_t> want(static_cast<size_t>(k.out.numel()));
        for (int64_t i = 0; i < k.out.numel(); ++i) {
          const auto c = unravel(i, k.out);
          want[static_cast<size_t>(i)] =
              expect_of(op, as_double(a, source(c, k.out, k.a)), as_double(b, source(c, k.out, k.b)));
        }
        for (KernelPath path : supported_kernel_paths())
          for (int threads : {1, 2}) {
            CAPTURE(k.out.str());
            CAPTURE(dtype_name(t));
            CAPTURE(op_name(op));
            CAPTURE(kernel_path_name(path));
            auto r = run_node(op, {a, b}, {}, 1, threads, path);
            REQUIRE(r.outputs[0].shape() == k.out);
            CHECK(bytes_of(r.outputs[0]) == want);
            CHECK(r.run_allocations == 0);
          }
      }
    }
  }
}

TEST_CASE("unary predicates: large tensors on every path and thread count against a plain loop") {
  std::mt19937 rng(31);
  const Shape s{3, 100, 70};
  const Tensor x = small_values(DType::F32, s, rng);
  const Tensor p = small_values(DType::Bool, s, rng);
  std::vector<uint8_t> nan(static_cast<size_t>(s.numel())), inf(nan.size()), neg(nan.size());
  for (int64_t i = 0; i < s.numel(); ++i) {
    const float v = x.f32()[i];
    nan[static_cast<size_t>(i)] = v != v;
    inf[static_cast<size_t>(i)] = v == INFINITY || v == -INFINITY;
    neg[static_cast<size_t>(i)] = !(static_cast<const uint8_t*>(p.data())[i] != 0);
  }
  for (KernelPath path : supported_kernel_paths())
    for (int threads : {1, 2}) {
      CAPTURE(kernel_path_name(path));
      CHECK(bytes_of(run_node(OpType::IsNaN, {x}, {}, 1, threads, path).outputs[0]) == nan);
      CHECK(bytes_of(run_node(OpType::IsInf, {x}, {}, 1, threads, path).outputs[0]) == inf);
      CHECK(bytes_of(run_node(OpType::Not, {p}, {}, 1, threads, path).outputs[0]) == neg);
    }
}

TEST_CASE("comparisons and logic: dtype and attribute errors name the node") {
  CHECK(contains(build_error(OpType::Equal, {DType::F32, DType::I64}),
                 "'pred': the inputs must have one dtype, got f32 and i64"));
  CHECK(contains(build_error(OpType::Less, {DType::Bool, DType::Bool}),
                 "'pred': cannot compare bool values (f32, i64, i32, i8 or u8 expected)"));
  CHECK(contains(build_error(OpType::Greater, {DType::F16, DType::F16}), "cannot compare f16 values"));
  CHECK(build_error(OpType::Equal, {DType::Bool, DType::Bool}).empty());
  CHECK(contains(build_error(OpType::And, {DType::F32, DType::F32}), "'pred': the inputs must be bool, got f32"));
  CHECK(contains(build_error(OpType::Xor, {DType::Bool, DType::U8}), "must have one dtype, got bool and u8"));
  CHECK(contains(build_error(OpType::Not, {DType::F32}), "'pred': the input must be bool, got f32"));
  CHECK(contains(build_error(OpType::IsNaN, {DType::I64}), "'pred': the input must be f32, got i64"));
  CHECK(contains(build_error(OpType::IsInf, {DType::F32}, attrs({{"detect_positive", int64_t{2}}})),
                 "'pred': detect_positive must be 0 or 1, got 2"));
  GraphBuilder b;
  const int x = b.input("x", DType::I64, Shape{2, 3});
  const int y = b.input("y", DType::I64, Shape{3, 3});
  b.output(b.node(OpType::Equal, "eq", {x, y}));
  CHECK_THROWS_WITH_AS(b.build(), doctest::Contains("eq': cannot broadcast input shapes [2,3] and [3,3]"),
                       vigil::Error);
  // f32-only ops still refuse other dtypes clearly.
  CHECK(contains(build_error(OpType::Sqrt, {DType::I64}), "'pred': input 0 is i64, expected f32"));
  CHECK(contains(build_error(OpType::Relu, {DType::Bool}), "'pred': input 0 is bool, expected f32"));
}
