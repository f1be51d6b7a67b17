// lrn_fast (kernels/lrn/lrn_fast.h) on every ISA path this CPU has against lrn_reference on 400 random
// shapes: channels 1-20 with window sizes 1-9 (clipped at both ends, even sizes), spatial sizes 1-70 (vector
// tails), batch 1-2, random alpha, beta (negative too) and bias, planes in three parts cut at random points.
// Inputs span 1e-20 to 1e18 in magnitude with zeros, and some cases hold inf and NaN. The scalar path is the
// reference itself (bit-identical); the vector paths differ only through xsimd's pow, so an output may be 1
// ulp away at a float rounding boundary: allowed, counted and reported; more fails. Signed zeros must match.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "kernels/lrn/lrn_fast.h"
#include "tests/unit/isa_test_support.h"
#include "tests/unit/ulps_apart.h"

using namespace vigil::kernels;

TEST_CASE("lrn_fast: every ISA path against lrn_reference on 400 random shapes, within 1 ulp") {
  std::mt19937_64 rng(404);
  auto pick = [&](int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
  };
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  int64_t compared = 0, differing = 0;
  for (int t = 0; t < 400; ++t) {
    LrnParams p;
    p.batch = pick(1, 2);
    p.channels = pick(1, 20);
    p.spatial = pick(1, 70);
    p.size = pick(1, 9);
    p.alpha = static_cast<float>(std::pow(10.0, -6.0 + 6.0 * unit(rng)));
    p.beta = t % 5 == 0 ? -static_cast<float>(unit(rng)) - 0.01f : static_cast<float>(0.05 + 1.5 * unit(rng));
    p.bias = t % 3 == 0 ? 1.0f : static_cast<float>(std::pow(10.0, -3.0 + 4.0 * unit(rng)));
    REQUIRE(lrn_fast_supported(p));
    const double magnitude = std::pow(10.0, -20.0 + 38.0 * unit(rng));  // one scale per case, 1e-20 .. 1e18
    std::vector<float> x(static_cast<size_t>(p.batch * p.channels * p.spatial));
    for (float& v : x) {
      const int kind = static_cast<int>(rng() % 50);
      v = kind == 0 ? 0.0f : kind == 1 ? -0.0f : static_cast<float>((2.0 * unit(rng) - 1.0) * magnitude);
    }
    if (t % 7 == 0) x[rng() % x.size()] = std::numeric_limits<float>::infinity();
    if (t % 11 == 0) x[rng() % x.size()] = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> want(x.size());
    lrn_reference(p, x.data(), want.data());
    const int64_t planes = p.batch * p.channels;
    for (KernelIsa isa : isa_test::available_isas()) {
      std::vector<float> got(x.size(), 42.0f);
      int64_t cut0 = pick(0, planes), cut1 = pick(0, planes);
      if (cut0 > cut1) std::swap(cut0, cut1);
      lrn_fast(isa, p, x.data(), got.data(), cut1, planes);
      lrn_fast(isa, p, x.data(), got.data(), 0, cut0);
      lrn_fast(isa, p, x.data(), got.data(), cut0, cut1);
      int failures = 0;
      for (size_t i = 0; i < x.size(); ++i) {
        const int64_t ulps = vigil::test::ulps_apart(got[i], want[i]);
        const bool sign_ok = std::isnan(want[i]) || std::signbit(got[i]) == std::signbit(want[i]);
        if (isa == KernelIsa::Scalar ? ulps != 0 : ulps > 1 || !sign_ok) {
          if (failures++ < 3)
            FAIL_CHECK("case " << t << " " << kernel_isa_name(isa) << " y[" << i << "] = " << got[i] << ", reference "
                               << want[i] << " (" << ulps << " ulp)");
        }
        differing += ulps != 0;
        ++compared;
      }
    }
  }
  std::printf("lrn_fast: %lld of %lld outputs 1 ulp from the reference\n", static_cast<long long>(differing),
              static_cast<long long>(compared));
}

TEST_CASE("lrn_fast: which parameters it takes") {
  LrnParams p;
  CHECK(lrn_fast_supported(p));
  p.beta = 0.0f;  // pow(inf, 0) = 1, but exp(0 * log(inf)) would not be
  CHECK_FALSE(lrn_fast_supported(p));
  p.beta = 0.75f;
  p.bias = 0.0f;  // pow(0, beta) and x / 0: left to the reference
  CHECK_FALSE(lrn_fast_supported(p));
  p.bias = -1.0f;
  CHECK_FALSE(lrn_fast_supported(p));
}
