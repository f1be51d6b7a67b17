// max_pool2d_fast, max_pool2d_fast_avx512 and max_pool2d_separable must equal max_pool2d_reference bit for
// bit, and average_pool2d_fast average_pool2d_reference (they reorder loops, drop bounds checks where windows are
// inside the image, vectorise the same update rule, or split the window into a row and a column pass), including NaN
// propagation, signed zeros and any plane split.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "engine/cpu_features.h"
#include "kernels/pooling/pooling.h"

using namespace vigil::kernels;

namespace {

using FastPool = void (*)(const Pool2dParams&, const float*, float*, int64_t, int64_t);
using ReferencePool = void (*)(const Pool2dParams&, const float*, float*);

void check_against_reference(FastPool fast, unsigned seed, int max_kernel = 5,
                             ReferencePool reference = max_pool2d_reference) {
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) {
    return static_cast<int64_t>(lo + static_cast<int>(rng() % static_cast<unsigned>(hi - lo + 1)));
  };
  std::uniform_real_distribution<float> uni(-3, 3);
  int compared = 0;
  for (int trial = 0; trial < 1000; ++trial) {
    Pool2dParams p;
    p.planes = pick(1, 5);
    p.kernel_h = pick(1, max_kernel), p.kernel_w = pick(1, max_kernel);
    p.stride_h = pick(1, 3), p.stride_w = pick(1, 3);
    p.dilation_h = trial % 6 == 0 ? 2 : 1, p.dilation_w = trial % 5 == 0 ? 2 : 1;
    p.in_h = pick(1, 20), p.in_w = pick(1, trial % 3 == 0 ? 75 : 21);  // also rows of several vectors
    p.pad_top = pick(0, static_cast<int>(p.kernel_h - 1)), p.pad_left = pick(0, static_cast<int>(p.kernel_w - 1));
    p.pad_bottom = pick(0, static_cast<int>(p.kernel_h - 1)), p.pad_right = pick(0, static_cast<int>(p.kernel_w - 1));
    const bool ceil_mode = trial % 2;
    p.count_include_pad = trial % 3 == 0;  // AveragePool only
    p.out_h = pool_output_size(p.in_h, p.kernel_h, p.stride_h, p.dilation_h, p.pad_top, p.pad_bottom, ceil_mode);
    p.out_w = pool_output_size(p.in_w, p.kernel_w, p.stride_w, p.dilation_w, p.pad_left, p.pad_right, ceil_mode);
    if (p.out_h < 1 || p.out_w < 1) continue;
    // The engine rejects windows that cover no input cell; skip those shapes like it does.
    bool empty_window = false;
    for (int64_t o = 0; o < p.out_h; ++o)
      empty_window |=
          o * p.stride_h - p.pad_top + (p.kernel_h - 1) * p.dilation_h < 0 || o * p.stride_h - p.pad_top >= p.in_h;
    for (int64_t o = 0; o < p.out_w; ++o)
      empty_window |=
          o * p.stride_w - p.pad_left + (p.kernel_w - 1) * p.dilation_w < 0 || o * p.stride_w - p.pad_left >= p.in_w;
    if (empty_window) continue;
    std::vector<float> x(static_cast<size_t>(p.planes * p.in_h * p.in_w));
    for (float& v : x) v = uni(rng);
    if (trial % 4 == 0) x[rng() % x.size()] = std::numeric_limits<float>::quiet_NaN();
    if (trial % 8 == 1) x[rng() % x.size()] = -std::numeric_limits<float>::infinity();
    if (trial % 4 == 2)  // ties of +0 and -0: the first in tap order stays
      for (float& v : x) v = rng() % 2 ? 0.0f : -0.0f;
    if (trial % 16 == 3)  // two NaNs with different payloads: the reference keeps the last
      for (int k = 0; k < 2; ++k) x[rng() % x.size()] = std::nanf(k ? "7" : "3");
    const size_t out_size = static_cast<size_t>(p.planes * p.out_h * p.out_w);
    std::vector<float> want(out_size), got(out_size, 42.0f);
    reference(p, x.data(), want.data());
    const int64_t split = pick(0, static_cast<int>(p.planes));
    fast(p, x.data(), got.data(), 0, split);
    fast(p, x.data(), got.data(), split, p.planes);
    INFO("trial ", trial);
    if (reference == average_pool2d_reference) {
      // A sum of two NaNs keeps the payload of whichever operand the add instruction takes first, which
      // the compiler may swap: the average promises NaN, not which NaN (max pooling promises the last).
      for (size_t i = 0; i < out_size; ++i)
        if (std::isnan(want[i]) && std::isnan(got[i])) got[i] = want[i];
    }
    CHECK(std::memcmp(want.data(), got.data(), out_size * sizeof(float)) == 0);
    ++compared;
  }
  CHECK(compared >= 500);  // shapes drawn with an empty window are skipped
}

}  // namespace

TEST_CASE("max_pool2d_fast: bit-identical to the reference on random pools, NaNs and plane splits") {
  check_against_reference(max_pool2d_fast, 5);
}

TEST_CASE("max_pool2d_fast_avx512: bit-identical to the reference on random pools, NaNs and plane splits") {
  if (!vigil::cpu_features().has_avx512_core()) {
    MESSAGE("skipped: this CPU has no AVX-512");
    return;
  }
  check_against_reference(max_pool2d_fast_avx512, 6);
}

TEST_CASE("max_pool2d_padded_avx512: bit-identical to the reference on random pools, NaNs and plane splits") {
  if (!vigil::cpu_features().has_avx512_core()) {
    MESSAGE("skipped: this CPU has no AVX-512");
    return;
  }
  // Strides up to 2 (what it takes); the scratch starts as NaN garbage, so a border it failed to fill with
  // -inf would show. Planes up to 20 rows: several bands of 8 output rows, some with a NaN, some without.
  check_against_reference(
      [](const Pool2dParams& p, const float* x, float* y, int64_t begin, int64_t end) {
        if (p.stride_w > 2) return max_pool2d_fast_avx512(p, x, y, begin, end);
        std::vector<float> scratch(static_cast<size_t>(max_pool2d_padded_scratch_floats(p)),
                                   std::numeric_limits<float>::quiet_NaN());
        max_pool2d_padded_avx512(p, x, y, begin, end, scratch.data());
      },
      8);
}

TEST_CASE("max_pool2d_padded_avx2: bit-identical to the reference on random pools, NaNs and plane splits") {
  if (!vigil::cpu_features().has_avx2_fma()) {
    MESSAGE("skipped: this CPU has no AVX2");
    return;
  }
  check_against_reference(
      [](const Pool2dParams& p, const float* x, float* y, int64_t begin, int64_t end) {
        if (p.stride_w > 2) return max_pool2d_fast(p, x, y, begin, end);
        std::vector<float> scratch(static_cast<size_t>(max_pool2d_padded_scratch_floats(p)),
                                   std::numeric_limits<float>::quiet_NaN());
        max_pool2d_padded_avx2(p, x, y, begin, end, scratch.data());
      },
      9);
}

TEST_CASE("max_pool2d_padded_supported: strides up to 2, any plane size") {
  Pool2dParams p;
  p.planes = 1;
  p.in_h = p.in_w = 1000;  // bands of rows: no limit on the plane
  p.kernel_h = p.kernel_w = 3, p.stride_h = p.stride_w = 2;
  p.out_h = p.out_w = 499;
  CHECK(max_pool2d_padded_supported(p));
  p.stride_h = 3;  // any stride down the rows
  CHECK(max_pool2d_padded_supported(p));
  p.kernel_w = 65, p.out_w = 468;  // wider than its table of tap offsets
  CHECK(!max_pool2d_padded_supported(p));
  p.kernel_w = 3, p.out_w = 499, p.stride_w = 3;
  CHECK(!max_pool2d_padded_supported(p));
}

TEST_CASE("max_pool2d_separable: bit-identical to the reference on random pools up to 13x13, NaNs, plane splits") {
  check_against_reference(
      [](const Pool2dParams& p, const float* x, float* y, int64_t begin, int64_t end) {
        std::vector<float> scratch(static_cast<size_t>(max_pool2d_separable_scratch_floats(p)), 123.0f);
        max_pool2d_separable(p, x, y, begin, end, scratch.data());
      },
      7, 13);  // up to the 13x13 windows of YOLO's SPP blocks
}

TEST_CASE("average_pool2d_fast: bit-identical to the reference on random pools (both counting modes), NaNs, splits") {
  check_against_reference(average_pool2d_fast, 8, 5, average_pool2d_reference);
}
