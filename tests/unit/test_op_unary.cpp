// Abs, Neg, Sqrt, Reciprocal, Exp, Log, Erf, Floor, Ceil: random values and IEEE special cases against
// the C library in double, rounded once, on every kernel path.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "engine/error.h"
#include "h2_op_harness.h"

using namespace h2test;

namespace {

double expected(OpType op, double x) {
  switch (op) {
    case OpType::Abs:
      return std::fabs(x);
    case OpType::Neg:
      return -x;
    case OpType::Sqrt:
      return std::sqrt(x);
    case OpType::Reciprocal:
      return 1.0 / x;
    case OpType::Exp:
      return std::exp(x);
    case OpType::Log:
      return std::log(x);
    case OpType::Erf:
      return std::erf(x);
    case OpType::Floor:
      return std::floor(x);
    case OpType::Ceil:
      return std::ceil(x);
    case OpType::Softplus:
      return x > 40 ? x : std::log1p(std::exp(x));
    case OpType::Softsign:
      return x / (1 + std::fabs(x));
    case OpType::Gelu:
      return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
    case OpType::Sin:
      return std::sin(x);
    case OpType::Cos:
      return std::cos(x);
    case OpType::Tan:
      return std::tan(x);
    case OpType::Asin:
      return std::asin(x);
    case OpType::Acos:
      return std::acos(x);
    case OpType::Atan:
      return std::atan(x);
    case OpType::Sinh:
      return std::sinh(x);
    case OpType::Cosh:
      return std::cosh(x);
    case OpType::Asinh:
      return std::asinh(x);
    case OpType::Acosh:
      return std::acosh(x);
    case OpType::Atanh:
      return std::atanh(x);
    case OpType::Round: {  // half to even, written out: the nearest integer, a tie going to the even one
      const double fl = std::floor(x), frac = x - fl;
      if (!std::isfinite(x) || frac < 0.5) return fl == 0.0 && std::signbit(x) ? -0.0 : (std::isfinite(x) ? fl : x);
      if (frac > 0.5) return fl + 1.0 == 0.0 ? -0.0 : fl + 1.0;
      const double even = std::fmod(fl, 2.0) == 0.0 ? fl : fl + 1.0;
      return even == 0.0 && x < 0 ? -0.0 : even;
    }
    case OpType::Sign:
      return x > 0 ? 1.0 : x < 0 ? -1.0 : x;
    default:
      return NAN;
  }
}

bool same_bits(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  uint32_t ua, ub;
  std::memcpy(&ua, &a, 4);
  std::memcpy(&ub, &b, 4);
  return ua == ub;
}

}  // namespace

TEST_CASE("unary: every op on random and special values matches double evaluation rounded once") {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> values{0.0f,  -0.0f, 1.0f,  -1.0f,   0.5f,  -2.5f, 2.5f, 1e-30f, -1e-30f, -0.5f,   1.5f,
                            0.75f, -0.4f, 88.0f, -104.0f, 1e30f, inf,   -inf, nan,    3.4e38f, 1.4e-45f};
  std::mt19937 rng(23);
  std::uniform_real_distribution<float> dist(-20.0f, 20.0f);
  while (values.size() < 257) values.push_back(dist(rng));  // an odd count
  const Tensor x = Tensor::from_f32({static_cast<int64_t>(values.size())}, values);
  for (OpType op :
       {OpType::Abs,   OpType::Neg,   OpType::Sqrt,     OpType::Reciprocal, OpType::Exp,  OpType::Log,  OpType::Erf,
        OpType::Floor, OpType::Ceil,  OpType::Softplus, OpType::Softsign,   OpType::Gelu, OpType::Sin,  OpType::Cos,
        OpType::Tan,   OpType::Asin,  OpType::Acos,     OpType::Atan,       OpType::Sinh, OpType::Cosh, OpType::Asinh,
        OpType::Acosh, OpType::Atanh, OpType::Round,    OpType::Sign}) {
    for (KernelPath path : supported_kernel_paths()) {
      CAPTURE(op_name(op));
      CAPTURE(kernel_path_name(path));
      auto r = run_node(op, {x}, {}, 1, 1, path);
      REQUIRE(r.outputs[0].shape() == x.shape());
      CHECK(r.run_allocations == 0);
      int mismatches = 0;
      for (size_t i = 0; i < values.size(); ++i)
        mismatches += !same_bits(r.outputs[0].f32()[i], static_cast<float>(expected(op, values[i])));
      CHECK(mismatches == 0);
    }
  }
}

TEST_CASE("unary: Gelu's tanh approximation, Softplus of large inputs, and a bad approximate attribute") {
  const Tensor x = Tensor::from_f32({5}, std::vector<float>{-3, -0.5f, 0, 1, 2.5f});
  auto r = run_node(OpType::Gelu, {x}, attrs({{"approximate", std::string("tanh")}}));
  for (int i = 0; i < 5; ++i) {
    const double v = x.f32()[i];
    const double want = 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
    CHECK(r.outputs[0].f32()[i] == static_cast<float>(want));
  }
  // The two differ by up to ~1e-3 near |x| = 2: the attribute is honoured.
  auto exact = run_node(OpType::Gelu, {x}).outputs[0];
  CHECK(exact.f32()[4] != r.outputs[0].f32()[4]);
  auto big = run_node(OpType::Softplus, {Tensor::from_f32({2}, std::vector<float>{100, 1e30f})}).outputs[0];
  CHECK(big.f32()[0] == 100.0f);
  CHECK(big.f32()[1] == 1e30f);
  CHECK(load_error(OpType::Gelu, {{3}}, attrs({{"approximate", std::string("fast")}})).find("approximate 'fast'") !=
        std::string::npos);
}

TEST_CASE("unary: IEEE edge results") {
  auto one = [](OpType op, float v) {
    return run_node(op, {Tensor::from_f32({1}, std::vector<float>{v})}).outputs[0].f32()[0];
  };
  CHECK(std::isnan(one(OpType::Sqrt, -1.0f)));
  CHECK(std::isnan(one(OpType::Log, -1.0f)));
  CHECK(one(OpType::Log, 0.0f) == -std::numeric_limits<float>::infinity());
  CHECK(one(OpType::Reciprocal, -0.0f) == -std::numeric_limits<float>::infinity());
  CHECK(one(OpType::Exp, 100.0f) == std::numeric_limits<float>::infinity());  // overflows float
  CHECK(one(OpType::Erf, 10.0f) == 1.0f);
  CHECK(std::signbit(one(OpType::Neg, 0.0f)));
  CHECK(std::signbit(one(OpType::Ceil, -0.5f)));  // ceil(-0.5) is -0
}

TEST_CASE("unary: a non-f32 input is a load error naming the node") {
  GraphBuilder b;
  const int x = b.input("x", DType::I64, Shape{3});
  b.output(b.node(OpType::Sqrt, "root", {x}));
  CHECK_THROWS_WITH_AS(b.build(), doctest::Contains("root"), vigil::Error);
}

TEST_CASE("unary: Shrink by hand, defaults, NaN, every path, and non-finite attributes") {
  // lambd 1.5, bias 0.25: below -1.5 add the bias, above 1.5 subtract it, zero between (the bounds included).
  const Tensor x = Tensor::from_f32({9}, std::vector<float>{-3, -1.5f, -1.49f, 0, 1.5f, 1.75f, 4, -0.0f, NAN});
  const float want[9] = {-2.75f, 0, 0, 0, 0, 1.5f, 3.75f, 0, 0};
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    auto r = run_node(OpType::Shrink, {x}, attrs({{"lambd", 1.5f}, {"bias", 0.25f}}), 1, 1, path);
    for (int i = 0; i < 9; ++i) CHECK(same_bits(r.outputs[0].f32()[i], want[i]));
    // ONNX's defaults, lambd 0.5 and bias 0: a soft threshold that keeps values outside [-0.5, 0.5].
    auto d = run_node(OpType::Shrink, {x}, {}, 1, 1, path);
    CHECK(d.outputs[0].f32()[0] == -3.0f);
    CHECK(d.outputs[0].f32()[2] == -1.49f);
    CHECK(d.outputs[0].f32()[3] == 0.0f);
  }
  const std::string e = load_error(OpType::Shrink, {{3}}, attrs({{"lambd", INFINITY}}));
  CHECK(e.find("lambd must be finite") != std::string::npos);
  CHECK(e.find(kNodeName) != std::string::npos);
}
