// layer_norm_fast (kernels/layer_norm/layer_norm_fast.h) on every ISA path this CPU has against
// layer_norm_reference on 300 random shapes: row lengths 1..300 (vector tails), shared and per-position
// scale / bias, with and without bias, the statistics outputs, a row range [begin, end) as the threads get
// it, in place, and rows holding NaN or infinity. The vector path sums in lanes rather than left to right,
// so an output may differ from the reference by 1 ulp where it lies right at a float rounding boundary:
// allowed, counted and reported; anything more is a failure.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/layer_norm/layer_norm_fast.h"
#include "tests/unit/isa_test_support.h"
#include "tests/unit/ulps_apart.h"

using namespace vigil::kernels;

TEST_CASE("layer_norm_fast: every ISA path against layer_norm_reference on 300 random shapes") {
  std::mt19937 rng(71);
  std::uniform_int_distribution<int64_t> rows_of(1, 9), len_of(1, 300);
  std::uniform_real_distribution<float> value(-4.0f, 6.0f), positive(0.25f, 3.0f);
  std::bernoulli_distribution coin(0.5);
  int64_t differing = 0, compared = 0;
  for (int shape = 0; shape < 300; ++shape) {
    LayerNormParams p;
    p.rows = rows_of(rng);
    p.row_len = len_of(rng);
    p.epsilon = coin(rng) ? 1e-5f : 1e-2f;
    p.scale_shared = shape % 5 == 0;
    p.bias_shared = shape % 7 == 0;
    const bool with_bias = shape % 3 != 0;
    std::vector<float> x(static_cast<size_t>(p.rows * p.row_len));
    for (float& v : x) v = value(rng) + (shape % 4 == 0 ? 1000.0f : 0.0f);  // some rows with a large mean
    if (shape % 11 == 0) x[0] = std::numeric_limits<float>::quiet_NaN();
    if (shape % 13 == 0) x.back() = std::numeric_limits<float>::infinity();
    std::vector<float> scale(static_cast<size_t>(p.scale_shared ? 1 : p.row_len)),
        bias(static_cast<size_t>(p.bias_shared ? 1 : p.row_len));
    for (float& v : scale) v = positive(rng);
    for (float& v : bias) v = value(rng);
    const float* b = with_bias ? bias.data() : nullptr;
    std::vector<float> want(x.size()), want_mean(static_cast<size_t>(p.rows)), want_inv(want_mean.size());
    layer_norm_reference(p, x.data(), scale.data(), b, want.data(), want_mean.data(), want_inv.data());
    for (KernelIsa isa : isa_test::available_isas()) {
      CAPTURE(kernel_isa_name(isa));
      CAPTURE(p.rows);
      CAPTURE(p.row_len);
      // Two row ranges, as two threads would run them; the second in place.
      const int64_t split = p.rows / 2;
      std::vector<float> got = x, mean(want_mean.size(), -1.0f), inv(want_mean.size(), -1.0f);
      std::vector<float> out(x.size(), -7.0f);
      layer_norm_fast(isa, p, x.data(), scale.data(), b, out.data(), mean.data(), inv.data(), 0, split);
      std::copy(out.begin(), out.begin() + split * p.row_len, got.begin());
      layer_norm_fast(isa, p, got.data(), scale.data(), b, got.data(), mean.data(), inv.data(), split, p.rows);
      int64_t worst = 0;
      for (size_t i = 0; i < x.size(); ++i) {
        const int64_t d = vigil::test::ulps_apart(got[i], want[i]);
        worst = std::max(worst, d);
        differing += d != 0;
      }
      for (size_t r = 0; r < want_mean.size(); ++r)
        worst = std::max(
            {worst, vigil::test::ulps_apart(mean[r], want_mean[r]), vigil::test::ulps_apart(inv[r], want_inv[r])});
      compared += static_cast<int64_t>(x.size());
      CHECK(worst <= 1);
    }
  }
  std::printf("layer_norm_fast: %lld of %lld outputs differ from the reference by 1 ulp\n",
              static_cast<long long>(differing), static_cast<long long>(compared));
  CHECK(differing * 1000 <= compared);  // rare, not systematic
}
