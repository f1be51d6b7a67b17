// kernels/float16 vector paths (F16C on ymm, AVX-512 on zmm) against the scalar reference, bit for bit: every
// one of the 65536 float16 patterns widened (NaNs included), and f32 -> f16 / rounding in place on specials,
// every tie between consecutive float16 values, subnormals, overflow and two million random floats, at every
// length 0..40 and offset 0..3 so that the vector body and the scalar tail both run.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "isa_test_support.h"
#include "kernels/float16/float16_fast.h"

using namespace vigil::kernels;

namespace {

std::vector<float> test_floats() {
  std::vector<float> v = {0.0f,
                          -0.0f,
                          65504.0f,
                          65519.996f,
                          65520.0f,
                          -65520.0f,
                          1e9f,
                          INFINITY,
                          -INFINITY,
                          std::numeric_limits<float>::quiet_NaN(),
                          std::bit_cast<float>(0x7F800001u),
                          std::bit_cast<float>(0xFFA00000u),
                          std::numeric_limits<float>::denorm_min(),
                          std::numeric_limits<float>::min(),
                          std::ldexp(1.0f, -24),
                          std::ldexp(1.0f, -25),
                          std::ldexp(1.5f, -25),
                          std::ldexp(1023.5f, -24),
                          1.0f + std::ldexp(1.0f, -11)};
  for (uint32_t h = 0; h < 0x7C00; ++h) {  // every tie between consecutive float16 values, and its neighbours
    const double mid = (static_cast<double>(f16_bits_to_f32(static_cast<uint16_t>(h))) +
                        f16_bits_to_f32(static_cast<uint16_t>(h + 1))) /
                       2;
    const auto m = static_cast<float>(mid);
    v.insert(v.end(), {m, -m, std::nextafter(m, 0.0f), std::nextafter(m, INFINITY)});
  }
  std::mt19937_64 rng(1616);
  for (int i = 0; i < 2000000; ++i) {
    const uint64_t r = rng();
    v.push_back(r % 2 ? std::bit_cast<float>(static_cast<uint32_t>(r >> 16))
                      : static_cast<float>(std::ldexp(static_cast<double>((r >> 8) % 2000001) / 1e6 - 1.0,
                                                      static_cast<int>((r >> 40) % 46) - 28)));
  }
  return v;
}

}  // namespace

TEST_CASE("float16 fast paths: bit-identical to the reference on all f16 patterns and millions of floats") {
  const std::vector<float> xs = test_floats();
  std::vector<uint16_t> patterns(65536);
  for (uint32_t p = 0; p <= 0xFFFF; ++p) patterns[p] = static_cast<uint16_t>(p);
  std::vector<uint16_t> want_h(xs.size());
  f32_to_f16(xs.data(), want_h.data(), static_cast<int64_t>(xs.size()));
  std::vector<float> want_w(patterns.size());
  f16_to_f32(patterns.data(), want_w.data(), 65536);
  for (KernelIsa isa : isa_test::available_isas()) {
    CAPTURE(kernel_isa_name(isa));
    std::vector<float> got_w(patterns.size());
    f16_to_f32_fast(isa, patterns.data(), got_w.data(), 65536);
    CHECK(std::memcmp(got_w.data(), want_w.data(), got_w.size() * 4) == 0);
    std::vector<uint16_t> got_h(xs.size());
    f32_to_f16_fast(isa, xs.data(), got_h.data(), static_cast<int64_t>(xs.size()));
    CHECK(got_h == want_h);
    std::vector<float> rounded = xs;
    round_to_f16_fast(isa, rounded.data(), static_cast<int64_t>(rounded.size()));
    int bad = 0;
    for (size_t i = 0; i < xs.size(); ++i)
      bad += std::bit_cast<uint32_t>(rounded[i]) != std::bit_cast<uint32_t>(f16_bits_to_f32(want_h[i]));
    CHECK(bad == 0);
    // Every short length and offset: the vector body plus a scalar tail, nothing written past n.
    for (int offset = 0; offset < 4; ++offset)
      for (int64_t n = 0; n <= 40; ++n) {
        std::vector<uint16_t> h(48, 0xABCD);
        f32_to_f16_fast(isa, xs.data() + offset, h.data(), n);
        for (int64_t i = 0; i < 48; ++i)
          CHECK(h[static_cast<size_t>(i)] == (i < n ? want_h[static_cast<size_t>(offset + i)] : 0xABCD));
        std::vector<float> w(48, -7.0f);
        f16_to_f32_fast(isa, patterns.data() + 0x3C00 + offset, w.data(), n);
        for (int64_t i = 0; i < 48; ++i)
          CHECK(std::bit_cast<uint32_t>(w[static_cast<size_t>(i)]) ==
                std::bit_cast<uint32_t>(i < n ? want_w[static_cast<size_t>(0x3C00 + offset + i)] : -7.0f));
      }
  }
}
