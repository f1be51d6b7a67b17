// MatMul: hand-computed products, numpy 1-D promotion and batch broadcasting checked against an
// independent float64 loop, double accumulation, and shape errors.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"

using namespace vigil;

namespace {

std::vector<float> pseudo_random(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t s = seed;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<float>((s >> 8) % 2001) / 1000.0f - 1.0f;  // [-1, 1] in steps of 0.001
  }
  return v;
}

struct Result {
  Shape shape;
  std::vector<float> values;
};

Result run_matmul(const Shape& a_shape, const std::vector<float>& a, const Shape& b_shape,
                  const std::vector<float>& b) {
  GraphBuilder g;
  int ia = g.input("a", DType::F32, a_shape);
  int ib = g.input("b", DType::F32, b_shape);
  g.output(g.node(OpType::MatMul, "mm", {ia, ib}));
  Engine engine(g.build());
  ExecutionContext ctx(engine);
  std::copy(a.begin(), a.end(), ctx.input("a").f32());
  std::copy(b.begin(), b.end(), ctx.input("b").f32());
  ctx.run();
  TensorView y = ctx.output(0);
  return {y.shape, std::vector<float>(y.f32(), y.f32() + y.numel())};
}

// numpy.matmul in float64, written from the definition: promote 1-D operands, pad both batch shapes to
// the same rank, and for every output coordinate pick each operand's element (index 0 on size-1 dims).
Result reference_matmul(Shape a, const std::vector<float>& av, Shape b, const std::vector<float>& bv) {
  const bool a_vec = a.rank == 1, b_vec = b.rank == 1;
  if (a_vec) a = Shape{1, a[0]};
  if (b_vec) b = Shape{b[0], 1};
  const int rank = std::max(a.rank, b.rank);
  std::vector<int64_t> ad(static_cast<size_t>(rank), 1), bd(static_cast<size_t>(rank), 1),
      od(static_cast<size_t>(rank));
  for (int i = 0; i < a.rank; ++i) ad[static_cast<size_t>(rank - a.rank + i)] = a[i];
  for (int i = 0; i < b.rank; ++i) bd[static_cast<size_t>(rank - b.rank + i)] = b[i];
  for (int i = 0; i < rank - 2; ++i)
    od[static_cast<size_t>(i)] = std::max(ad[static_cast<size_t>(i)], bd[static_cast<size_t>(i)]);
  const int64_t M = ad[static_cast<size_t>(rank - 2)], K = ad[static_cast<size_t>(rank - 1)],
                N = bd[static_cast<size_t>(rank - 1)];
  od[static_cast<size_t>(rank - 2)] = M;
  od[static_cast<size_t>(rank - 1)] = N;
  int64_t total = 1;
  for (int64_t d : od) total *= d;
  std::vector<float> out(static_cast<size_t>(total));
  std::vector<int64_t> coord(static_cast<size_t>(rank));
  auto flat = [&](const std::vector<int64_t>& dims, const std::vector<int64_t>& c) {
    int64_t f = 0;
    for (size_t i = 0; i < dims.size(); ++i) f = f * dims[i] + (dims[i] == 1 ? 0 : c[i]);
    return f;
  };
  for (int64_t o = 0; o < total; ++o) {
    int64_t rest = o;
    for (int i = rank - 1; i >= 0; --i) {
      coord[static_cast<size_t>(i)] = rest % od[static_cast<size_t>(i)];
      rest /= od[static_cast<size_t>(i)];
    }
    double sum = 0;
    for (int64_t q = 0; q < K; ++q) {
      std::vector<int64_t> ca = coord, cb = coord;
      ca[static_cast<size_t>(rank - 1)] = q;
      cb[static_cast<size_t>(rank - 2)] = q;
      sum += static_cast<double>(av[static_cast<size_t>(flat(ad, ca))]) * bv[static_cast<size_t>(flat(bd, cb))];
    }
    out[static_cast<size_t>(o)] = static_cast<float>(sum);
  }
  std::vector<int64_t> shape(od.begin(), od.end() - 2);
  if (!a_vec) shape.push_back(M);
  if (!b_vec) shape.push_back(N);
  return {Shape::from(shape), out};
}

void check_against_reference(const Shape& a, const Shape& b, const Shape& expected_shape) {
  CAPTURE(a.str());
  CAPTURE(b.str());
  auto av = pseudo_random(static_cast<size_t>(a.numel()), 11);
  auto bv = pseudo_random(static_cast<size_t>(b.numel()), 23);
  Result got = run_matmul(a, av, b, bv);
  Result want = reference_matmul(a, av, b, bv);
  CHECK(got.shape == expected_shape);
  REQUIRE(want.shape == expected_shape);
  REQUIRE(got.values.size() == want.values.size());
  for (size_t i = 0; i < got.values.size(); ++i) {
    CAPTURE(i);
    CHECK(std::fabs(got.values[i] - want.values[i]) <= 1e-6f * std::max(1.0f, std::fabs(want.values[i])));
  }
}

std::string build_error(const Shape& a, const Shape& b) {
  GraphBuilder g;
  int ia = g.input("a", DType::F32, a);
  int ib = g.input("b", DType::F32, b);
  g.output(g.node(OpType::MatMul, "mm", {ia, ib}));
  try {
    Engine engine(g.build());
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("MatMul 2x3 by 3x2 matches a hand-computed product") {
  // [1 2 3; 4 5 6] x [7 8; 9 10; 11 12] = [58 64; 139 154]
  Result r = run_matmul({2, 3}, {1, 2, 3, 4, 5, 6}, {3, 2}, {7, 8, 9, 10, 11, 12});
  CHECK(r.shape == Shape{2, 2});
  CHECK(r.values == std::vector<float>{58, 64, 139, 154});
}

TEST_CASE("MatMul of two vectors is a rank-0 dot product") {
  Result r = run_matmul({3}, {1, 2, 3}, {3}, {4, -5, 6});
  CHECK(r.shape.rank == 0);
  REQUIRE(r.values.size() == 1);
  CHECK(r.values[0] == 12.0f);  // 4 - 10 + 18
}

TEST_CASE("MatMul promotes 1-D operands and drops the promoted dimension") {
  // [2] x [2,3]: row vector times matrix -> [3]
  Result left = run_matmul({2}, {1, -1}, {2, 3}, {1, 2, 3, 10, 20, 30});
  CHECK(left.shape == Shape{3});
  CHECK(left.values == std::vector<float>{-9, -18, -27});
  // [2,3] x [3]: matrix times column vector -> [2]
  Result right = run_matmul({2, 3}, {1, 2, 3, 4, 5, 6}, {3}, {1, 0, -1});
  CHECK(right.shape == Shape{2});
  CHECK(right.values == std::vector<float>{-2, -2});
  check_against_reference({4}, {2, 4, 3}, {2, 3});
  check_against_reference({2, 3, 4}, {4}, {2, 3});
  check_against_reference({5}, {3, 1, 5, 2}, {3, 1, 2});
}

TEST_CASE("MatMul broadcasts batch dimensions numpy-style") {
  check_against_reference({2, 3, 4}, {4, 5}, {2, 3, 5});
  check_against_reference({3, 4}, {2, 4, 5}, {2, 3, 5});
  check_against_reference({2, 1, 3, 5}, {4, 5, 2}, {2, 4, 3, 2});
  check_against_reference({1, 3, 2, 2}, {2, 1, 2, 3}, {2, 3, 2, 3});
  check_against_reference({2, 1, 1, 1, 1, 3}, {1, 2, 1, 1, 3, 2}, {2, 2, 1, 1, 1, 2});
  check_against_reference({1, 1}, {1, 1}, {1, 1});
  check_against_reference({7, 13}, {13, 9}, {7, 9});
}

TEST_CASE("MatMul accumulates in double") {
  // In float, 1e8 + 1 rounds back to 1e8 and the sum would be 0; exact accumulation gives 1.
  Result r = run_matmul({1, 3}, {1e8f, 1.0f, -1e8f}, {3, 1}, {1, 1, 1});
  CHECK(r.values[0] == 1.0f);
}

TEST_CASE("MatMul rejects mismatched shapes with a message naming the node") {
  std::string inner = build_error({2, 3}, {4, 2});
  CHECK(inner.find("MatMul 'mm'") != std::string::npos);
  CHECK(inner.find("inner dimensions") != std::string::npos);
  CHECK(inner.find("[2,3]") != std::string::npos);
  std::string batch = build_error({2, 3, 4}, {3, 4, 5});
  CHECK(batch.find("do not broadcast") != std::string::npos);
  CHECK(build_error({3}, {4}).find("inner dimensions") != std::string::npos);
  CHECK(build_error({}, {3, 2}).find("rank >= 1") != std::string::npos);
}
