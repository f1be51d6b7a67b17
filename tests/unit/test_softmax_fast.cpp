// softmax_fast (kernels/softmax/softmax_fast.h) on every ISA path this CPU has against softmax_reference and
// log_softmax_reference on 400 random [outer, axis_len, inner] shapes: rows along the last axis (inner = 1,
// lengths 1..200 for the vector tails) and strided axes (inner 2..40, partial lane groups), an outer range
// [begin, end) as the threads get it, values spread wide (down to exp underflow), and rows holding NaN, +inf or
// only -inf. The vector paths sum in lanes and use xsimd's exp/log, so an output may differ from the reference
// by 1 ulp at a float rounding boundary: allowed, counted and reported; anything more fails.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/softmax/softmax_fast.h"
#include "tests/unit/isa_test_support.h"
#include "tests/unit/ulps_apart.h"

using namespace vigil::kernels;

TEST_CASE("softmax_fast: every ISA path against the references on 400 random shapes") {
  std::mt19937 rng(73);
  std::uniform_int_distribution<int64_t> outer_of(1, 5), long_axis(1, 200), short_axis(1, 30), inner_of(2, 40);
  std::uniform_real_distribution<float> narrow(-5.0f, 5.0f), wide(-120.0f, 40.0f);
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  int64_t differing = 0, compared = 0;
  for (int shape = 0; shape < 400; ++shape) {
    const bool last_axis = shape % 2 == 0, log = shape % 3 == 0;
    const int64_t outer = outer_of(rng), axis_len = last_axis ? long_axis(rng) : short_axis(rng),
                  inner = last_axis ? 1 : inner_of(rng);
    std::vector<float> x(static_cast<size_t>(outer * axis_len * inner));
    for (float& v : x) v = shape % 5 == 0 ? wide(rng) : narrow(rng);
    std::uniform_int_distribution<size_t> any(0, x.size() - 1);
    if (shape % 7 == 0) x[any(rng)] = nan;
    if (shape % 11 == 0) x[any(rng)] = inf;
    if (shape % 13 == 0)
      for (int64_t a = 0; a < axis_len; ++a) x[static_cast<size_t>(a * inner)] = -inf;  // row 0 all -inf
    std::vector<float> want(x.size());
    if (log)
      log_softmax_reference(outer, axis_len, inner, x.data(), want.data());
    else
      softmax_reference(outer, axis_len, inner, x.data(), want.data());
    for (KernelIsa isa : isa_test::available_isas()) {
      CAPTURE(kernel_isa_name(isa));
      CAPTURE(log);
      CAPTURE(outer);
      CAPTURE(axis_len);
      CAPTURE(inner);
      std::vector<float> got(x.size(), -7.0f);
      const int64_t split = outer / 2;  // two ranges, as two threads run them
      softmax_fast(isa, log, axis_len, inner, x.data(), got.data(), 0, split);
      softmax_fast(isa, log, axis_len, inner, x.data(), got.data(), split, outer);
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
  std::printf("softmax_fast: %lld of %lld outputs differ from the reference by 1 ulp\n",
              static_cast<long long>(differing), static_cast<long long>(compared));
  CHECK(differing * 1000 <= compared);  // rare, not systematic
}

TEST_CASE("softmax_fast_columns: row ranges of a strided axis, as threads split one image, match the reference") {
  std::mt19937 rng(74);
  std::uniform_real_distribution<float> value(-8.0f, 8.0f);
  for (KernelIsa isa : isa_test::available_isas()) {
    if (isa == KernelIsa::Scalar) continue;  // the split is for the vector paths only
    for (const bool log : {false, true}) {
      const int64_t axis_len = 21, inner = 37 * 16 + 5;
      std::vector<float> x(static_cast<size_t>(axis_len * inner));
      for (float& v : x) v = value(rng);
      std::vector<float> want(x.size()), got(x.size(), -7.0f);
      if (log)
        log_softmax_reference(1, axis_len, inner, x.data(), want.data());
      else
        softmax_reference(1, axis_len, inner, x.data(), want.data());
      const int64_t cuts[] = {0, 16, 48, 200, 336, inner};  // ranges of whole vectors, then the tail
      for (size_t k = 0; k + 1 < std::size(cuts); ++k)
        softmax_fast_columns(isa, log, axis_len, inner, x.data(), got.data(), cuts[k], cuts[k + 1]);
      int64_t worst = 0;
      for (size_t i = 0; i < x.size(); ++i) worst = std::max(worst, vigil::test::ulps_apart(got[i], want[i]));
      CAPTURE(kernel_isa_name(isa));
      CAPTURE(log);
      CHECK(worst <= 1);
    }
  }
}
