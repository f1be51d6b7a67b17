// group_norm_fast (kernels/group_norm/group_norm_fast.h) on every ISA path this CPU has against
// group_norm_reference on 300 random shapes: batch 1..3, groups 1..8 (instance norm included), planes of
// 1..300 values (vector tails), units split in two ranges as two threads run them, in place, groups with a
// large mean, and groups holding NaN or infinity. The vector path sums in lanes rather than left to right, so
// an output may differ from the reference by 1 ulp right at a float rounding boundary: allowed, counted and
// reported; anything more is a failure.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <vector>

#include "kernels/group_norm/group_norm_fast.h"
#include "tests/unit/isa_test_support.h"
#include "tests/unit/ulps_apart.h"

using namespace vigil::kernels;

TEST_CASE("group_norm_fast: every ISA path against group_norm_reference on 300 random shapes") {
  std::mt19937 rng(81);
  std::uniform_int_distribution<int64_t> batch_of(1, 3), groups_of(1, 8), per_group_of(1, 5), spatial_of(1, 300);
  std::uniform_real_distribution<float> value(-4.0f, 6.0f), positive(0.25f, 3.0f);
  int64_t differing = 0, compared = 0;
  for (int shape = 0; shape < 300; ++shape) {
    GroupNormParams p;
    p.batch = batch_of(rng);
    p.groups = groups_of(rng);
    p.channels = p.groups * (shape % 6 == 0 ? 1 : per_group_of(rng));  // one channel per group: instance norm
    p.spatial = spatial_of(rng);
    p.epsilon = shape % 2 ? 1e-5f : 1e-2f;
    std::vector<float> x(static_cast<size_t>(p.batch * p.channels * p.spatial));
    for (float& v : x) v = value(rng) + (shape % 4 == 0 ? 1000.0f : 0.0f);
    if (shape % 11 == 0) x[0] = std::numeric_limits<float>::quiet_NaN();
    if (shape % 13 == 0) x.back() = std::numeric_limits<float>::infinity();
    std::vector<float> scale(static_cast<size_t>(p.channels)), bias(scale.size());
    for (float& v : scale) v = positive(rng);
    for (float& v : bias) v = value(rng);
    std::vector<float> want(x.size());
    group_norm_reference(p, x.data(), scale.data(), bias.data(), want.data());
    const int64_t units = p.batch * p.groups, split = units / 2;
    for (KernelIsa isa : isa_test::available_isas()) {
      CAPTURE(kernel_isa_name(isa));
      CAPTURE(p.batch);
      CAPTURE(p.channels);
      CAPTURE(p.groups);
      CAPTURE(p.spatial);
      std::vector<float> got(x.size(), -7.0f), in_place = x;
      group_norm_fast(isa, p, x.data(), scale.data(), bias.data(), got.data(), 0, split);
      group_norm_fast(isa, p, in_place.data(), scale.data(), bias.data(), in_place.data(), split, units);
      const size_t second = static_cast<size_t>(split * (p.channels / p.groups) * p.spatial);
      std::copy(in_place.begin() + static_cast<std::ptrdiff_t>(second), in_place.end(),
                got.begin() + static_cast<std::ptrdiff_t>(second));
      int64_t worst = 0;
      for (size_t i = 0; i < x.size(); ++i) {
        const int64_t d = vigil::test::ulps_apart(got[i], want[i]);
        worst = std::max(worst, d);
        differing += d != 0;
      }
      compared += static_cast<int64_t>(x.size());
      CHECK(worst <= 1);
    }
  }
  std::printf("group_norm_fast: %lld of %lld outputs differ from the reference by 1 ulp\n",
              static_cast<long long>(differing), static_cast<long long>(compared));
  CHECK(differing * 1000 <= compared);  // rare, not systematic
}
