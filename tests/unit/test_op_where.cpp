// Where (condition ? X : Y with three-way numpy broadcasting): random broadcasting patterns on every kernel path
// against a "coordinate modulo dim" loop, bit for bit (-0, inf, NaN copied), the load errors; and the ONNX mapping
// of Where with a constant or run-time condition (non-bool condition errors).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "engine/error.h"
#include "engine/executor.h"
#include "graph_query_support.h"
#include "h2_op_harness.h"
#include "onnx_import_support.h"

using namespace h2test;
using vigil::test::contains;

namespace {

Tensor bool_tensor(const Shape& s, std::mt19937& rng) {
  Tensor t(DType::Bool, s);
  auto* p = static_cast<uint8_t*>(t.mutable_data());
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<uint8_t>(rng() % 2);
  return t;
}

int64_t source(const std::vector<int64_t>& coord, const Shape& out, const Shape& s) {
  int64_t idx = 0;
  for (int d = 0; d < s.rank; ++d) idx = idx * s[d] + coord[static_cast<size_t>(out.rank - s.rank + d)] % s[d];
  return idx;
}

}  // namespace

TEST_CASE("where: random three-way broadcasting selects bit for bit on every path and thread count") {
  std::mt19937 rng(17);
  struct Case {
    Shape c, x, y, out;
  };
  const std::vector<Case> cases = {
      {{2, 3, 4}, {2, 3, 4}, {2, 3, 4}, {2, 3, 4}},
      {{3, 1}, {1, 4}, Shape{}, {3, 4}},
      {{1}, {2, 5}, {5}, {2, 5}},
      {{2, 1, 1, 7}, {1, 3, 1, 7}, {1, 1, 5, 1}, {2, 3, 5, 7}},
      {{4, 1, 2, 1, 3, 1}, {1, 2, 1, 2, 1, 2}, {2}, {4, 2, 2, 2, 3, 2}},
      {{40, 1, 20}, {30, 1}, {40, 30, 20}, {40, 30, 20}},  // 24000 elements: split between threads
  };
  const float specials[] = {-0.0f, std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()};
  for (const Case& k : cases) {
    const Tensor c = bool_tensor(k.c, rng);
    Tensor x = random_tensor(k.x, rng), y = random_tensor(k.y, rng);
    for (int i = 0; i < 3 && i < x.numel(); ++i) x.mutable_f32()[i * 5 % x.numel()] = specials[i];
    y.mutable_f32()[0] = -0.0f;
    for (KernelPath path : supported_kernel_paths())
      for (int threads : {1, 2}) {
        CAPTURE(k.out.str());
        CAPTURE(kernel_path_name(path));
        CAPTURE(threads);
        auto r = run_node(OpType::Where, {c, x, y}, {}, 1, threads, path);
        REQUIRE(r.outputs[0].shape() == k.out);
        CHECK(r.run_allocations == 0);
        int bad = 0;
        for (int64_t i = 0; i < k.out.numel(); ++i) {
          const auto coord = unravel(i, k.out);
          const bool pick_x = static_cast<const uint8_t*>(c.data())[source(coord, k.out, k.c)] != 0;
          const float want = pick_x ? x.f32()[source(coord, k.out, k.x)] : y.f32()[source(coord, k.out, k.y)];
          bad += std::memcmp(&want, r.outputs[0].f32() + i, 4) != 0;
        }
        CHECK(bad == 0);
      }
  }
}

TEST_CASE("where: i64, i32, u8 and bool values with a broadcast condition") {
  std::mt19937 rng(23);
  const Shape cs{3, 1}, xs{1, 5}, ys{5}, out{3, 5};
  const Tensor c = bool_tensor(cs, rng);
  for (DType t : {DType::I64, DType::I32, DType::U8, DType::Bool}) {
    Tensor x(t, xs), y(t, ys);
    const size_t size = dtype_size(t);
    for (size_t b = 0; b < x.bytes(); ++b) static_cast<uint8_t*>(x.mutable_data())[b] = static_cast<uint8_t>(rng());
    for (size_t b = 0; b < y.bytes(); ++b) static_cast<uint8_t*>(y.mutable_data())[b] = static_cast<uint8_t>(rng());
    auto r = run_node(OpType::Where, {c, x, y});
    REQUIRE(r.outputs[0].dtype() == t);
    REQUIRE(r.outputs[0].shape() == out);
    for (int64_t i = 0; i < out.numel(); ++i) {
      const int64_t row = i / 5, col = i % 5;
      const bool pick_x = static_cast<const uint8_t*>(c.data())[row] != 0;
      const auto* want = static_cast<const uint8_t*>(pick_x ? x.data() : y.data()) + static_cast<size_t>(col) * size;
      CHECK(std::memcmp(static_cast<const uint8_t*>(r.outputs[0].data()) + static_cast<size_t>(i) * size, want, size) ==
            0);
    }
  }
}

TEST_CASE("where: hand values and load errors") {
  Tensor c(DType::Bool, Shape{4});
  const uint8_t bits[] = {1, 0, 2, 0};  // any non-zero byte is true
  std::memcpy(c.mutable_data(), bits, 4);
  const Tensor x = Tensor::from_f32({4}, std::vector<float>{1, 2, 3, 4});
  const Tensor y = Tensor::from_f32({1}, std::vector<float>{-1});
  CHECK(values_of(run_node(OpType::Where, {c, x, y}).outputs[0]) == std::vector<float>{1, -1, 3, -1});

  CHECK(contains(load_error(OpType::Where, {{4}, {4}, {4}}), "the condition must be bool or u8, got f32"));
  CHECK(contains(load_error(OpType::Where, {{4}, {4}, {4}}), kNodeName));
  GraphBuilder b;
  const int cv = b.input("c", DType::Bool, Shape{2, 3});
  const int xv = b.input("x", DType::F32, Shape{2, 3});
  const int yv = b.input("y", DType::F32, Shape{3, 3});
  b.output(b.node(OpType::Where, "pick", {cv, xv, yv}));
  CHECK_THROWS_WITH_AS(b.build(), doctest::Contains("pick': cannot broadcast input shapes [2,3], [2,3] and [3,3]"),
                       vigil::Error);
  GraphBuilder i;
  const int ci = i.input("c", DType::Bool, Shape{2});
  const int xi = i.input("x", DType::I64, Shape{2});
  const int yi = i.input("y", DType::F32, Shape{2});
  i.output(i.node(OpType::Where, "ints", {ci, xi, yi}));
  CHECK_THROWS_WITH_AS(i.build(), doctest::Contains("ints': X and Y must have one dtype, got i64 and f32"),
                       vigil::Error);
}

TEST_CASE("onnx import: Where with a constant or run-time bool condition runs, a non-bool condition is an error") {
  using namespace vigil::test;
  using vigil::test::import;
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {2, 3}));
  g.initializers.push_back(tensor_f32("y", {1}, {0.5f}));
  g.outputs.push_back(value_info("out", kFloat, {2, 3}));
  g.nodes.push_back(node("Where", {"cond", "x", "y"}, {"out"}, "sel"));
  // A bool [3] condition as an initializer (TensorProto dims = 1, data_type = 2 (BOOL is 9), name = 8, raw_data = 9).
  g.initializers.push_back(Pb().i(1, 3).i(2, 9).s(8, "cond").s(9, std::string("\x01\x00\x01", 3)));
  Engine engine(import(g, 13));
  ExecutionContext ctx(engine);
  const float xs[] = {1, 2, 3, 4, 5, 6};
  std::copy(xs, xs + 6, ctx.input("x").f32());
  ctx.run();
  CHECK(std::vector<float>(ctx.output("out").f32(), ctx.output("out").f32() + 6) ==
        std::vector<float>{1, 0.5f, 3, 4, 0.5f, 6});

  GraphSpec rt = g;
  rt.initializers = {tensor_f32("y", {1}, {0.5f})};
  rt.inputs.push_back(value_info("cond", 9, {3}));
  {  // a run-time condition
    Engine rt_engine(import(rt, 13));
    ExecutionContext rt_ctx(rt_engine);
    std::copy(xs, xs + 6, rt_ctx.input("x").f32());
    const uint8_t bits[] = {0, 1, 1};
    std::memcpy(rt_ctx.input("cond").data, bits, 3);
    rt_ctx.run();
    CHECK(std::vector<float>(rt_ctx.output("out").f32(), rt_ctx.output("out").f32() + 6) ==
          std::vector<float>{0.5f, 2, 3, 0.5f, 5, 6});
  }
  GraphSpec rf = rt;
  rf.inputs.back() = value_info("cond", kFloat, {3});
  CHECK(contains(import_error(rf), "node 'sel' (Where, opset 13): the condition must be bool, got f32"));
  GraphSpec f = g;
  f.initializers = {tensor_f32("y", {1}, {0.5f}), tensor_f32("cond", {3}, {1, 0, 1})};
  CHECK(contains(import_error(f), "the condition must be bool"));
}
