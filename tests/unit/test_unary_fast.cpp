// unary_fast (kernels/unary/unary_fast.h): every op on every ISA path this CPU has against unary_reference,
// element by element, on 1.5 million values per op spread over the ranges where each function changes (plus
// lengths 1..70 for the vector tails and an in-place call). The vector paths evaluate the reference's double
// formulas with xsimd's transcendental functions instead of libm's, so a result may differ from the
// reference only where the exact value sits within about a double ulp of a float rounding boundary: the
// test allows 1 float ulp and counts the differences (reported, and expected to be zero or a handful).
// Abs, Neg, Floor, Ceil, Sqrt, Reciprocal and ThresholdedRelu must match bit for bit.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/unary/unary_fast.h"
#include "tests/unit/isa_test_support.h"
#include "tests/unit/ulps_apart.h"

using namespace vigil::kernels;

namespace {

bool same_bits(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::memcmp(&a, &b, sizeof a) == 0;
}

struct OpCase {
  UnaryParams p;
  const char* name;
  bool exact;    // must equal the reference bit for bit
  float lo, hi;  // the range of the uniform values (plus the special values below)
};

std::vector<float> values_for(const OpCase& c, std::mt19937& rng) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> v{0.0f,       -0.0f,      1.0f,     -1.0f,     inf,     -inf,     nan,
                       1e-30f,     -1e-30f,    1.4e-45f, -1.4e-45f, 3.4e38f, -3.4e38f, 40.0f,
                       40.000004f, 39.999996f, 88.7f,    89.0f,     -103.9f, -104.0f,  -110.0f};
  std::uniform_real_distribution<float> uniform(c.lo, c.hi);
  // Log-uniform magnitudes too: small and huge arguments exercise different reductions.
  std::uniform_real_distribution<float> exponent(-40.0f, 38.0f);
  std::bernoulli_distribution negative(0.5);
  while (v.size() < 1'000'000) v.push_back(uniform(rng));
  while (v.size() < 1'500'001) {  // an odd count: a vector tail
    const float m = std::pow(10.0f, exponent(rng));
    v.push_back(negative(rng) ? -m : m);
  }
  return v;
}

}  // namespace

TEST_CASE("unary_fast: every op and ISA path against unary_reference on 1.5 million values") {
  const OpCase cases[] = {
      {{UnaryOp::Abs}, "Abs", true, -10, 10},
      {{UnaryOp::Neg}, "Neg", true, -10, 10},
      {{UnaryOp::Floor}, "Floor", true, -1e4f, 1e4f},
      {{UnaryOp::Ceil}, "Ceil", true, -1e4f, 1e4f},
      {{UnaryOp::Sqrt}, "Sqrt", true, -1, 1e6f},
      {{UnaryOp::Reciprocal}, "Reciprocal", true, -1e3f, 1e3f},
      {{UnaryOp::Exp}, "Exp", false, -110, 90},
      {{UnaryOp::Log}, "Log", false, -1, 1e4f},
      {{UnaryOp::Erf}, "Erf", false, -6, 6},
      {{UnaryOp::Softplus}, "Softplus", false, -110, 50},
      {{UnaryOp::Softsign}, "Softsign", false, -1e3f, 1e3f},
      {{UnaryOp::Gelu}, "Gelu", false, -12, 12},
      {{UnaryOp::GeluTanh}, "GeluTanh", false, -12, 12},
      {{UnaryOp::Elu, 0.7f}, "Elu", false, -30, 5},
      {{UnaryOp::Selu, 1.67326319217681884765625f, 1.05070102214813232421875f}, "Selu", false, -30, 5},
      {{UnaryOp::Celu, 1.3f}, "Celu", false, -30, 5},
      {{UnaryOp::Celu, -0.5f}, "Celu(alpha<0)", false, -5, 5},
      {{UnaryOp::ThresholdedRelu, 0.25f}, "ThresholdedRelu", true, -2, 2},
      {{UnaryOp::Shrink, 1.5f, 0.25f}, "Shrink", true, -4, 4},
      {{UnaryOp::Shrink, 0.0f, -1.0f}, "Shrink(lambd 0)", true, -2, 2},
      {{UnaryOp::Sin}, "Sin", false, -20, 20},
      {{UnaryOp::Cos}, "Cos", false, -20, 20},
      {{UnaryOp::Tan}, "Tan", false, -4, 4},
      {{UnaryOp::Asin}, "Asin", false, -1.2f, 1.2f},
      {{UnaryOp::Acos}, "Acos", false, -1.2f, 1.2f},
      {{UnaryOp::Atan}, "Atan", false, -20, 20},
      {{UnaryOp::Sinh}, "Sinh", false, -90, 90},
      {{UnaryOp::Cosh}, "Cosh", false, -90, 90},
      {{UnaryOp::Asinh}, "Asinh", false, -50, 50},
      {{UnaryOp::Acosh}, "Acosh", false, 0.5f, 50},
      {{UnaryOp::Atanh}, "Atanh", false, -1.2f, 1.2f},
      {{UnaryOp::Round}, "Round", true, -20, 20},
      {{UnaryOp::Sign}, "Sign", true, -2, 2},
  };
  std::mt19937 rng(61);
  for (const OpCase& c : cases) {
    const std::vector<float> x = values_for(c, rng);
    std::vector<float> want(x.size());
    unary_reference(c.p, x.data(), want.data(), static_cast<int64_t>(x.size()));
    for (KernelIsa isa : isa_test::available_isas()) {
      CAPTURE(c.name);
      CAPTURE(kernel_isa_name(isa));
      std::vector<float> got(x.size(), -7.0f);
      unary_fast(isa, c.p, x.data(), got.data(), static_cast<int64_t>(x.size()));
      int64_t worst = 0, differing = 0;
      size_t worst_at = 0;
      for (size_t i = 0; i < x.size(); ++i) {
        // ulps_apart counts +0 and -0 as equal: the exact ops must also get the sign of a zero right.
        const int64_t d = c.exact && !same_bits(got[i], want[i])
                              ? std::max<int64_t>(1, vigil::test::ulps_apart(got[i], want[i]))
                              : vigil::test::ulps_apart(got[i], want[i]);
        differing += d != 0;
        if (d > worst) worst = d, worst_at = i;
      }
      if (differing > 0)
        std::printf("unary_fast %s on %s: %lld of %zu values differ from the reference, at most %lld ulp (x = %.9g)\n",
                    c.name, kernel_isa_name(isa), static_cast<long long>(differing), x.size(),
                    static_cast<long long>(worst), static_cast<double>(x[worst_at]));
      CHECK(worst <= (c.exact ? 0 : 1));
      CHECK(differing <= (c.exact ? 0 : 16));
    }
  }
}

TEST_CASE("unary_fast: every length 1..70 (vector tails), in place, and nothing written past the end") {
  std::mt19937 rng(62);
  std::uniform_real_distribution<float> u(-5.0f, 5.0f);
  for (KernelIsa isa : isa_test::available_isas()) {
    for (UnaryParams op : {UnaryParams{UnaryOp::Erf}, UnaryParams{UnaryOp::Gelu}, UnaryParams{UnaryOp::Abs},
                           UnaryParams{UnaryOp::Exp}, UnaryParams{UnaryOp::Celu, 2.0f}}) {
      for (int n = 1; n <= 70; ++n) {
        CAPTURE(kernel_isa_name(isa));
        CAPTURE(n);
        std::vector<float> x(static_cast<size_t>(n) + 1);
        for (float& v : x) v = u(rng);
        std::vector<float> want(x.size());
        unary_reference(op, x.data(), want.data(), n);
        std::vector<float> y = x;
        const float guard = y[static_cast<size_t>(n)];
        unary_fast(isa, op, y.data(), y.data(), n);  // in place
        int64_t worst = 0;
        for (int i = 0; i < n; ++i)
          worst = std::max(worst, vigil::test::ulps_apart(y[static_cast<size_t>(i)], want[static_cast<size_t>(i)]));
        CHECK(worst <= 1);
        CHECK(y[static_cast<size_t>(n)] == guard);
      }
    }
  }
}
