// global_average_pool_fast (kernels/pooling/pooling.h) against global_average_pool_reference on 300 random
// stacks of planes (sizes 1 to 5000, not multiples of 8 included; values of mixed signs and magnitudes,
// some planes cancelling to near zero), split into plane ranges: within the documented bound, 1 ulp of the
// reference plus 2 * plane_size * 2^-53 * mean|x| (both sum the same floats in double, in different orders).
// Also hand-computed means.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/pooling/pooling.h"

using namespace vigil::kernels;

TEST_CASE("global_average_pool_fast: hand-computed means, a tail after the 8-wide steps") {
  std::vector<float> x;
  for (int i = 1; i <= 11; ++i) x.push_back(static_cast<float>(i));  // plane 0: 1..11 -> 6
  for (int i = 0; i < 3; ++i) x.push_back(-0.5f);
  x.resize(22, 2.0f);  // plane 1: three -0.5 then eight 2.0 -> (16 - 1.5) / 11
  std::vector<float> y(2, -7.0f);
  global_average_pool_fast(11, x.data(), y.data(), 0, 2);
  CHECK(y[0] == 6.0f);
  CHECK(y[1] == static_cast<float>(14.5 / 11.0));
}

TEST_CASE("global_average_pool_fast: 300 random stacks against the reference, plane ranges split") {
  std::mt19937_64 rng(515);
  int differing = 0, total = 0;
  for (int t = 0; t < 300; ++t) {
    const int64_t planes = 1 + static_cast<int64_t>(rng() % 9);
    const int64_t size = t % 3 == 0 ? 1 + static_cast<int64_t>(rng() % 20) : 1 + static_cast<int64_t>(rng() % 5000);
    std::vector<float> x(static_cast<size_t>(planes * size));
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (float& v : x) v = u(rng) * std::ldexp(1.0f, static_cast<int>(rng() % 20) - 10);
    if (t % 5 == 0)  // plane 0 cancels: its second half is the negated first half, plus a small offset
      for (int64_t i = size / 2; i < size; ++i)
        x[static_cast<size_t>(i)] = -x[static_cast<size_t>(i - size / 2)] + 1e-3f;
    std::vector<float> want(static_cast<size_t>(planes)), got(static_cast<size_t>(planes), -7.0f);
    global_average_pool_reference(planes, size, x.data(), want.data());
    const int64_t cut = static_cast<int64_t>(rng() % static_cast<uint64_t>(planes + 1));
    global_average_pool_fast(size, x.data(), got.data(), cut, planes);
    global_average_pool_fast(size, x.data(), got.data(), 0, cut);
    for (int64_t p = 0; p < planes; ++p) {
      double mean_abs = 0;
      for (int64_t i = 0; i < size; ++i)
        mean_abs += std::fabs(static_cast<double>(x[static_cast<size_t>(p * size + i)]));
      mean_abs /= static_cast<double>(size);
      const float w = want[static_cast<size_t>(p)];
      const double ulp = static_cast<double>(std::nextafter(std::fabs(w), INFINITY) - std::fabs(w));
      const double tol = ulp + 2.0 * static_cast<double>(size) * std::ldexp(1.0, -53) * mean_abs;
      CHECK_MESSAGE(std::fabs(static_cast<double>(got[static_cast<size_t>(p)]) - w) <= tol, "stack ", t, " plane ", p,
                    " size ", size, ": ", got[static_cast<size_t>(p)], " vs ", w);
      differing += got[static_cast<size_t>(p)] != w;
      ++total;
    }
  }
  MESSAGE(differing, " of ", total, " means differ from the reference in the last bit");
  CHECK(differing * 20 < total);  // a different order, not a different algorithm: nearly all identical
}
