// Add, Sub, Mul, Div, Max, Min on integers (i64, i32, i8, u8): 240 random broadcasting patterns against a loop
// written here (the arithmetic in __int128, then wrapped to the type's width as numpy does), hand cases for the
// edges (wrap-around, division truncating toward zero, by zero giving 0, the minimum / -1), every kernel path, no
// allocation per run, and the errors (mixed dtypes, Pow and PRelu, a fused activation). Whole ONNX models with
// integer arithmetic: the integer Add/Sub/Mul/Div/Max/Min/Clip node tests in onnx_node_conformance.
#include <doctest/doctest.h>

#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/kernel_path.h"
#include "h2_op_harness.h"

using namespace h2test;

namespace {

template <typename T>
Tensor typed(const Shape& s, const std::vector<T>& v, DType d) {
  Tensor t(d, s);
  std::memcpy(t.mutable_data(), v.data(), v.size() * sizeof(T));
  return t;
}

template <typename T>
std::vector<T> values(const Tensor& t) {
  std::vector<T> v(static_cast<size_t>(t.numel()));
  std::memcpy(v.data(), t.data(), t.bytes());
  return v;
}

// The exact result, wrapped to T as two's complement (numpy's integer arithmetic).
template <typename T>
T expected(OpType op, T a, T b) {
  const __int128 x = a, y = b;
  __int128 r = 0;
  if (op == OpType::Add) r = x + y;
  if (op == OpType::Sub) r = x - y;
  if (op == OpType::Mul) r = x * y;
  if (op == OpType::Div) r = y == 0 ? 0 : x / y;  // C++ division truncates toward zero
  if (op == OpType::Max) r = x > y ? x : y;
  if (op == OpType::Min) r = x < y ? x : y;
  return static_cast<T>(static_cast<std::make_unsigned_t<T>>(static_cast<unsigned __int128>(r)));
}

template <typename T>
void random_case(OpType op, DType dtype, std::mt19937& rng, KernelPath path) {
  Shape out;
  out.rank = int(rng() % 4) + 1;
  for (int d = 0; d < out.rank; ++d) out[d] = int64_t(rng() % 4) + 1;
  auto operand = [&] {  // a suffix of out's dims, some of them 1
    Shape s;
    s.rank = int(rng() % unsigned(out.rank + 1));
    for (int d = 0; d < s.rank; ++d) s[d] = rng() % 3 == 0 ? 1 : out[out.rank - s.rank + d];
    return s;
  };
  const Shape sa = operand(), sb = operand();
  auto fill = [&](const Shape& s) {
    std::vector<T> v(static_cast<size_t>(s.numel()));
    for (auto& x : v) {
      const uint64_t r = (uint64_t(rng()) << 32) | rng();
      x = rng() % 2 ? static_cast<T>(r) : static_cast<T>(int64_t(r % 19) - 9);  // any bits, or small (zeros too)
    }
    return v;
  };
  const std::vector<T> a = fill(sa), b = fill(sb);
  Shape o;  // the broadcast shape of sa and sb (within out)
  o.rank = std::max(sa.rank, sb.rank);
  for (int i = 0; i < o.rank; ++i) {
    const int da = sa.rank - o.rank + i, db = sb.rank - o.rank + i;
    o[i] = std::max(da >= 0 ? sa[da] : 1, db >= 0 ? sb[db] : 1);
  }
  std::vector<T> want(static_cast<size_t>(o.numel()));
  for (int64_t i = 0; i < o.numel(); ++i) {
    const auto c = unravel(i, o);
    auto at = [&](const Shape& s) {
      int64_t idx = 0;
      for (int d = 0; d < s.rank; ++d) idx = idx * s[d] + c[static_cast<size_t>(o.rank - s.rank + d)] % s[d];
      return idx;
    };
    want[size_t(i)] = expected<T>(op, a[size_t(at(sa))], b[size_t(at(sb))]);
  }
  CAPTURE(op_name(op));
  CAPTURE(dtype_name(dtype));
  CAPTURE(sa.str());
  CAPTURE(sb.str());
  const Result r = run_node(op, {typed(sa, a, dtype), typed(sb, b, dtype)}, {}, 1, 1, path);
  CHECK(r.outputs[0].dtype() == dtype);
  CHECK(r.outputs[0].shape() == o);
  CHECK(values<T>(r.outputs[0]) == want);
  CHECK(r.run_allocations == 0);
}

}  // namespace

TEST_CASE("binary on integers: 240 random broadcasting patterns against a wrapped __int128 loop, every path") {
  std::mt19937 rng(23);
  const OpType ops[] = {OpType::Add, OpType::Sub, OpType::Mul, OpType::Div, OpType::Max, OpType::Min};
  for (int trial = 0; trial < 240; ++trial) {
    const OpType op = ops[trial % 6];
    const auto paths = vigil::supported_kernel_paths();
    const KernelPath path = paths[size_t(trial) % paths.size()];
    switch ((trial / 6) % 4) {
      case 0:
        random_case<int64_t>(op, DType::I64, rng, path);
        break;
      case 1:
        random_case<int32_t>(op, DType::I32, rng, path);
        break;
      case 2:
        random_case<int8_t>(op, DType::I8, rng, path);
        break;
      default:
        random_case<uint8_t>(op, DType::U8, rng, path);
    }
  }
}

TEST_CASE("binary on integers: wrap-around, truncating division, division by zero and the minimum / -1") {
  const int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
  auto run64 = [](OpType op, std::vector<int64_t> a, std::vector<int64_t> b) {
    const Shape s{int64_t(a.size())};
    return values<int64_t>(run_node(op, {typed(s, a, DType::I64), typed(s, b, DType::I64)}).outputs[0]);
  };
  CHECK(run64(OpType::Add, {hi, -1}, {1, -2}) == std::vector<int64_t>{lo, -3});
  CHECK(run64(OpType::Sub, {lo, 5}, {1, 7}) == std::vector<int64_t>{hi, -2});
  CHECK(run64(OpType::Mul, {int64_t{1} << 62, -3}, {4, 3}) == std::vector<int64_t>{0, -9});
  CHECK(run64(OpType::Div, {7, -7, 7, -7, 5, lo, lo}, {2, 2, -2, -2, 0, -1, 1}) ==
        std::vector<int64_t>{3, -3, -3, 3, 0, lo, lo});
  const Shape s{3};
  const std::vector<uint8_t> a = {250, 3, 200}, b = {10, 5, 0};
  CHECK(values<uint8_t>(run_node(OpType::Add, {typed(s, a, DType::U8), typed(s, b, DType::U8)}).outputs[0]) ==
        std::vector<uint8_t>{4, 8, 200});
  CHECK(values<uint8_t>(run_node(OpType::Sub, {typed(s, a, DType::U8), typed(s, b, DType::U8)}).outputs[0]) ==
        std::vector<uint8_t>{240, 254, 200});
  CHECK(values<uint8_t>(run_node(OpType::Div, {typed(s, a, DType::U8), typed(s, b, DType::U8)}).outputs[0]) ==
        std::vector<uint8_t>{25, 0, 0});
  const std::vector<int8_t> c = {-128, 100, -7}, d = {-1, 2, 2};
  CHECK(values<int8_t>(run_node(OpType::Div, {typed(s, c, DType::I8), typed(s, d, DType::I8)}).outputs[0]) ==
        std::vector<int8_t>{-128, 50, -3});
  CHECK(values<int8_t>(run_node(OpType::Mul, {typed(s, c, DType::I8), typed(s, d, DType::I8)}).outputs[0]) ==
        std::vector<int8_t>{-128, -56, -14});
}

TEST_CASE("binary on integers: mixed dtypes, Pow / PRelu and fused activations are refused naming the node") {
  auto error = [](OpType op, DType a, DType b, Attributes attrs = {}) {
    try {
      Engine engine(single_node_graph(op, {Tensor(a, Shape{2}), Tensor(b, Shape{2})}, attrs, 1));
    } catch (const vigil::Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  std::string e = error(OpType::Add, DType::I64, DType::I32);
  CHECK(e.find(kNodeName) != std::string::npos);
  CHECK(e.find("input 0 is i64 but input 1 is i32; integer inputs must have one dtype") != std::string::npos);
  CHECK(error(OpType::Add, DType::I64, DType::F32).find("integer inputs must have one dtype") != std::string::npos);
  CHECK(error(OpType::Pow, DType::I64, DType::I64).find("integers take Add, Sub, Mul, Div, Max and Min") !=
        std::string::npos);
  CHECK(error(OpType::PRelu, DType::I32, DType::I32).find("integers take Add") != std::string::npos);
  CHECK(error(OpType::Add, DType::I64, DType::I64, attrs({{"activation", std::string("relu")}}))
            .find("a fused activation needs f32 inputs") != std::string::npos);
  CHECK(error(OpType::Add, DType::I64, DType::I64).empty());
}
