// Mod through the engine: the ONNX node tests' mixed-sign values and the spec's float special cases by hand,
// 150 random broadcasts (odd shapes, both signs, i64/i32/i8/u8/f32, fmod 0 and 1) against a formula written
// here from the definition (A - floor(A / B) * B or A - trunc(A / B) * B, in exact long double arithmetic on
// small values), integer division by 0 and INT64_MIN % -1 (no trap), the errors (naming the node) and the ONNX
// mapping.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "graph_query_support.h"
#include "h2_op_harness.h"
#include "index_op_support.h"
#include "onnx_import_support.h"
#include "test_onnx_encoder.h"

using namespace vigil;
using namespace vigil::test;

namespace {

using Ints = std::vector<int64_t>;
using V = std::vector<float>;

Tensor mod(const Tensor& a, const Tensor& b, int64_t fmod, KernelPath path = KernelPath::Reference) {
  return run_one(OpType::Mod, {a, b}, h2test::attrs({{"fmod", fmod}}), path);
}

// A - q * B with q = floor(A / B) (fmod 0) or trunc(A / B) (fmod 1): exact for the small values used here.
long double by_definition(long double a, long double b, bool fmod) {
  const long double q = fmod ? std::trunc(a / b) : std::floor(a / b);
  return a - q * b;
}

}  // namespace

TEST_CASE("Mod: the node tests' mixed signs and the float special cases, every path") {
  const Ints x = {-4, 7, 5, 4, -7, 8}, y = {2, -3, 8, -2, 3, 5};
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    CHECK(values_as<int64_t>(mod(i64s({6}, x), i64s({6}, y), 0, path)) == Ints{0, -2, 5, 0, 2, 3});
    CHECK(values_as<int64_t>(mod(i64s({6}, x), i64s({6}, y), 1, path)) == Ints{0, 1, 5, 0, -1, 3});
    const std::vector<int32_t> x32(x.begin(), x.end()), y32(y.begin(), y.end());
    CHECK(values_as<int32_t>(mod(i32s({6}, x32), i32s({6}, y32), 0, path)) == std::vector<int32_t>{0, -2, 5, 0, 2, 3});
    const Tensor fx = Tensor::from_f32({6}, V{-4.3f, 7.2f, 5.0f, 4.3f, -7.2f, 8.0f});
    const Tensor fy = Tensor::from_f32({6}, V{2.1f, -3.4f, 8.0f, -2.1f, 3.4f, 5.0f});
    const V c = values_as<float>(mod(fx, fy, 1, path));
    const V c_want = {std::fmod(-4.3f, 2.1f), std::fmod(7.2f, -3.4f), 5.0f,
                      std::fmod(4.3f, -2.1f), std::fmod(-7.2f, 3.4f), 3.0f};
    CHECK(c == c_want);
  }
  // The opset-28 special cases of fmod = 0 on floats (test_mod_float_edge_cases_fmod_0).
  const float inf = std::numeric_limits<float>::infinity();
  const V x0 = {0.0f, -0.0f, 0.0f, -0.0f, -3.0f, 3.0f, -1.0f, 1.0f, inf, -inf, 1.0f, 1.0f, NAN, 1.0f};
  const V y0 = {-2.0f, 2.0f, 2.0f, -2.0f, inf, inf, -inf, -inf, 2.0f, 2.0f, 0.0f, -0.0f, 2.0f, NAN};
  const V z = values_as<float>(mod(Tensor::from_f32({14}, x0), Tensor::from_f32({14}, y0), 0));
  for (int i = 0; i < 4; ++i) CHECK(z[size_t(i)] == 0.0f);
  CHECK(std::signbit(z[0]));
  CHECK(!std::signbit(z[1]));
  CHECK(!std::signbit(z[2]));
  CHECK(std::signbit(z[3]));
  CHECK(z[4] == inf);   // signs differ: y
  CHECK(z[5] == 3.0f);  // same sign: x
  CHECK(z[6] == -1.0f);
  CHECK(z[7] == -inf);
  for (size_t i = 8; i < 14; ++i) CHECK(std::isnan(z[i]));
  // fmod = 1 gives x for an infinite divisor, whatever the signs.
  const V z1 = values_as<float>(mod(Tensor::from_f32({2}, V{-3.0f, 1.0f}), Tensor::from_f32({2}, V{inf, -inf}), 1));
  CHECK(z1 == V{-3.0f, 1.0f});
}

TEST_CASE("Mod on integers never traps: by 0 it is 0, INT64_MIN % -1 is 0") {
  const int64_t lowest = std::numeric_limits<int64_t>::min();
  CHECK(values_as<int64_t>(mod(i64s({3}, {7, -7, lowest}), i64s({3}, {0, 0, -1}), 0)) == Ints{0, 0, 0});
  CHECK(values_as<int64_t>(mod(i64s({3}, {7, -7, lowest}), i64s({3}, {0, 0, -1}), 1)) == Ints{0, 0, 0});
  const std::vector<int8_t> small = {-128, 127, -5};
  CHECK(values_as<int8_t>(
            mod(typed_tensor(DType::I8, {3}, small), typed_tensor(DType::I8, {3}, std::vector<int8_t>{-1, 0, 3}), 0)) ==
        std::vector<int8_t>{0, 0, 1});
  // u8: 255 % 255 = 0 (no confusion with -1), 200 % 7 = 4.
  CHECK(values_as<uint8_t>(mod(typed_tensor(DType::U8, {2}, std::vector<uint8_t>{255, 200}),
                               typed_tensor(DType::U8, {2}, std::vector<uint8_t>{255, 7}), 0)) ==
        std::vector<uint8_t>{0, 4});
}

TEST_CASE("Mod matches the definition on 150 random broadcasts of every dtype") {
  std::mt19937 rng(13);
  for (int index = 0; index < 150; ++index) {
    Shape out;
    out.rank = int(rng() % 4) + 1;
    for (int d = 0; d < out.rank; ++d) out[d] = int64_t(rng() % 5) + 1;
    Shape a = out, b = out;
    for (int d = 0; d < out.rank; ++d) {
      if (rng() % 3 == 0) a[d] = 1;
      if (rng() % 3 == 0) b[d] = 1;
    }
    if (rng() % 4 == 0) {  // b of lower rank
      b.rank -= 1;
      for (int d = 0; d < b.rank; ++d) b[d] = b[d + 1];
    }
    for (int d = 0; d < out.rank; ++d) {  // a dim that both inputs broadcast stays 1 in the output
      const int db = d - (out.rank - b.rank);
      if (a[d] == 1 && (db < 0 || b[db] == 1)) out[d] = 1;
    }
    const bool fmod = index % 2;
    const int kind = (index / 2) % 5;  // i64, i32, i8, u8, f32
    Ints av(size_t(a.numel())), bv(size_t(b.numel()));
    for (auto& v : av) v = int64_t(rng() % 255) - (kind == 3 ? 0 : 127);
    for (auto& v : bv) {
      do v = int64_t(rng() % 41) - (kind == 3 ? 0 : 20);
      while (v == 0);
    }
    std::vector<long double> want;
    for (int64_t i = 0; i < out.numel(); ++i) {
      const Ints c = h2test::unravel(i, out);
      auto at = [&](const Shape& s, const Ints& v) {
        Ints sc(c.end() - s.rank, c.end());
        for (int d = 0; d < s.rank; ++d)
          if (s[d] == 1) sc[size_t(d)] = 0;
        return v[size_t(h2test::ravel(sc, s))];
      };
      long double x = at(a, av), y = at(b, bv);
      if (kind == 4) x /= 8, y /= 4;  // dyadic floats: every step exact
      want.push_back(by_definition(x, y, fmod));
    }
    CAPTURE(out.str());
    CAPTURE(a.str());
    CAPTURE(b.str());
    CAPTURE(kind);
    CAPTURE(fmod);
    auto check_ints = [&](DType t, auto tag) {
      using T = decltype(tag);
      std::vector<T> at(av.begin(), av.end()), bt(bv.begin(), bv.end());
      const std::vector<T> got =
          values_as<T>(mod(typed_tensor(t, a, at), typed_tensor(t, b, bt), fmod, best_kernel_path()));
      for (size_t i = 0; i < got.size(); ++i) CHECK(static_cast<long double>(got[i]) == want[i]);
    };
    if (kind == 0) check_ints(DType::I64, int64_t{});
    if (kind == 1) check_ints(DType::I32, int32_t{});
    if (kind == 2) check_ints(DType::I8, int8_t{});
    if (kind == 3) check_ints(DType::U8, uint8_t{});
    if (kind == 4) {
      V af, bf;
      for (int64_t v : av) af.push_back(float(v) / 8);
      for (int64_t v : bv) bf.push_back(float(v) / 4);
      const V got = values_as<float>(mod(Tensor::from_f32(a, af), Tensor::from_f32(b, bf), fmod, best_kernel_path()));
      for (size_t i = 0; i < got.size(); ++i) CHECK(static_cast<long double>(got[i]) == want[i]);
    }
  }
}

TEST_CASE("Mod errors name the node, and the ONNX mapping passes fmod") {
  const Tensor f = Tensor::from_f32({2}, V{1, 2});
  CHECK(contains(run_error(OpType::Mod, {f, i64s({2}, {1, 2})}, {}),
                 "Mod 'node': A and B must have one dtype, got f32 and i64"));
  Tensor flags(DType::Bool, Shape{2});
  CHECK(contains(run_error(OpType::Mod, {flags, flags}, {}), "cannot take remainders of bool"));
  CHECK(contains(run_error(OpType::Mod, {f, Tensor::from_f32({3}, V{1, 2, 3})}, {}), "cannot broadcast"));
  CHECK(contains(run_error(OpType::Mod, {f, f}, h2test::attrs({{"fmod", int64_t{2}}})), "fmod must be 0 or 1, got 2"));
  GraphSpec g;
  g.inputs.push_back(value_info("x", kInt64, {4}));
  g.initializers.push_back(tensor_i64("m", {}, {3}));
  g.outputs.push_back(value_info("y", kInt64, {4}));
  g.nodes.push_back(node("Mod", {"x", "m"}, {"y"}, "my_mod", {attr_i("fmod", 1)}));
  CHECK(only_node(import(g, 13), OpType::Mod).attrs.get_int("fmod", 0, "") == 1);
  g.nodes[0] = node("Mod", {"x", "m"}, {"y"}, "my_mod", {attr_i("fmod", 3)});
  const std::string e = import_error(g, 13);
  CHECK(contains(e, "my_mod"));
  CHECK(contains(e, "fmod must be 0 or 1, got 3"));
}
