// fake_quantize_fast (scalar, AVX2, AVX-512 runs; the engine's non-reference paths) against
// fake_quantize_reference, bit for bit: 300 random shapes (odd sizes, per-tensor and per-channel on every
// axis position, int8 / uint8 / int16 / uint16 ranges, zero points at and inside the range ends), values
// with exact ties, saturating magnitudes, NaN, +-inf and -0, over the whole tensor and over unaligned
// element ranges (the thread split), and the fallback rule for ranges beyond 2^24.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/fake_quantize/fake_quantize.h"
#include "kernels/fake_quantize/fake_quantize_fast.h"
#include "tests/unit/isa_test_support.h"

using namespace vigil::kernels;

namespace {

struct Range {
  int32_t qmin, qmax;
};

}  // namespace

TEST_CASE("fake_quantize_fast: every ISA path is bit-identical to the reference on random shapes") {
  std::mt19937 rng(2024);
  const Range ranges[] = {{-128, 127}, {0, 255}, {-32768, 32767}, {0, 65535}};
  std::uniform_int_distribution<int> dim(1, 37), pick(0, 99);
  const float special[] = {std::numeric_limits<float>::quiet_NaN(),
                           std::numeric_limits<float>::infinity(),
                           -std::numeric_limits<float>::infinity(),
                           -0.0f,
                           0.0f,
                           1e30f,
                           -1e30f};
  int compared = 0;
  for (int t = 0; t < 300; ++t) {
    const Range r = ranges[t % 4];
    FakeQuantizeParams p;
    p.qmin = r.qmin;
    p.qmax = r.qmax;
    p.outer = dim(rng) % 5 + 1;
    p.channels = t % 3 == 0 ? 1 : dim(rng) % 9 + 1;
    p.inner = t % 5 == 0 ? 1 : dim(rng);
    std::vector<float> scales(static_cast<size_t>(p.channels));
    std::vector<int32_t> zps(scales.size());
    std::uniform_real_distribution<float> log_scale(-9.0f, 2.0f);
    for (size_t c = 0; c < scales.size(); ++c) {
      scales[c] = std::exp2(log_scale(rng)) * (pick(rng) < 5 ? -1.0f : 1.0f);
      const int mode = pick(rng) % 3;  // a range end, the middle, or random
      zps[c] = mode == 0   ? (pick(rng) % 2 ? r.qmin : r.qmax)
               : mode == 1 ? (r.qmin + r.qmax) / 2
                           : std::uniform_int_distribution<int32_t>(r.qmin, r.qmax)(rng);
    }
    p.scales = scales.data();
    p.zero_points = zps.data();
    const int64_t n = p.outer * p.channels * p.inner;
    std::vector<float> x(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) {
      const float s = scales[static_cast<size_t>((k / p.inner) % p.channels)];
      const int kind = pick(rng);
      const float span = static_cast<float>(r.qmax - r.qmin) * 1.2f;
      if (kind < 30)  // an exact tie (j + 0.5) * s where representable
        x[static_cast<size_t>(k)] = (std::floor(std::uniform_real_distribution<float>(-span, span)(rng)) + 0.5f) * s;
      else if (kind < 35)
        x[static_cast<size_t>(k)] = special[static_cast<size_t>(kind - 30) % 7];
      else
        x[static_cast<size_t>(k)] = std::uniform_real_distribution<float>(-span, span)(rng) * s;
    }
    REQUIRE(fake_quantize_fast_supported(p));
    std::vector<float> want(x.size());
    fake_quantize_reference(p, x.data(), want.data());
    for (KernelIsa isa : isa_test::available_isas()) {
      CAPTURE(static_cast<int>(isa));
      CAPTURE(t);
      std::vector<float> got(x.size(), 12345.0f);
      // Three unaligned pieces, as the thread split would cut them.
      const int64_t a = n / 3, b = n - n / 5;
      fake_quantize_fast(isa, p, x.data(), got.data(), 0, a);
      fake_quantize_fast(isa, p, x.data(), got.data(), a, b);
      fake_quantize_fast(isa, p, x.data(), got.data(), b, n);
      int64_t bad = 0, first = -1;
      for (int64_t k = 0; k < n; ++k)
        if (std::bit_cast<uint32_t>(got[static_cast<size_t>(k)]) !=
            std::bit_cast<uint32_t>(want[static_cast<size_t>(k)])) {
          if (first < 0) first = k;
          ++bad;
        }
      CAPTURE(first);
      CHECK(bad == 0);
      // In place, too.
      std::vector<float> inplace = x;
      fake_quantize_fast(isa, p, inplace.data(), inplace.data(), 0, n);
      CHECK(std::memcmp(inplace.data(), want.data(), want.size() * sizeof(float)) == 0);
      ++compared;
    }
  }
  CHECK(compared >= 300);
}

TEST_CASE("fake_quantize_fast: ranges beyond 2^24 fall back to the reference") {
  const float scale = 1.0f;
  int32_t zp = 0;
  FakeQuantizeParams p{1, 1, 4, &scale, &zp, -128, 127};
  CHECK(fake_quantize_fast_supported(p));
  p.qmin = std::numeric_limits<int32_t>::min();
  CHECK_FALSE(fake_quantize_fast_supported(p));
  p.qmin = -(1 << 24);
  CHECK(fake_quantize_fast_supported(p));
  zp = 1;  // qmin - zp = -2^24 - 1
  CHECK_FALSE(fake_quantize_fast_supported(p));
}
