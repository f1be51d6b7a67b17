// kernels/float16: f32 <-> float16 / bfloat16 conversions. Every one of the 65536 float16 bit patterns against
// an independent decoding (std::ldexp of the fields) and back; f32 -> f16 / bf16 on a million random floats
// and every special against a rounding written differently (the nearest candidates found by search among all
// finite values, the tie decided against their exact midpoint in double); hand cases for ties, overflow,
// subnormals, NaN and signed zeros.
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "kernels/float16/float16.h"

using namespace vigil::kernels;

namespace {

// The float16 value of a pattern, from the IEEE fields (NaN as NaN).
double decode_f16(uint16_t h) {
  const int sign = h >> 15, exponent = (h >> 10) & 0x1F, fraction = h & 0x3FF;
  double v;
  if (exponent == 0x1F)
    v = fraction ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  else if (exponent == 0)
    v = std::ldexp(static_cast<double>(fraction), -24);
  else
    v = std::ldexp(1.0 + fraction / 1024.0, exponent - 15);
  return sign ? -v : v;
}

// Every non-negative finite float16 value in increasing order (patterns 0x0000..0x7BFF), then 65536 standing
// for "overflow": IEEE rounds to infinity exactly where it would round to the next binade's first value.
const std::vector<double>& f16_ladder() {
  static const std::vector<double> ladder = [] {
    std::vector<double> v;
    for (uint32_t h = 0; h <= 0x7BFF; ++h) v.push_back(decode_f16(static_cast<uint16_t>(h)));
    v.push_back(65536.0);
    return v;
  }();
  return ladder;
}

// Nearest-even rounding of a finite |x| onto a ladder of candidates whose index parity is the last fraction bit.
// Returns the index of the chosen rung.
size_t round_on_ladder(const std::vector<double>& ladder, double x) {
  auto hi = std::lower_bound(ladder.begin(), ladder.end(), x);
  if (hi == ladder.end()) return ladder.size() - 1;
  if (*hi == x || hi == ladder.begin()) return static_cast<size_t>(hi - ladder.begin());
  auto lo = hi - 1;
  const double mid = (*lo + *hi) / 2;  // exact: both are short binary fractions
  const auto i_lo = static_cast<size_t>(lo - ladder.begin());
  if (x < mid) return i_lo;
  if (x > mid) return i_lo + 1;
  return i_lo % 2 == 0 ? i_lo : i_lo + 1;
}

uint16_t expected_f16(float x) {
  if (std::isnan(x)) return 0;  // NaN checked separately
  const uint16_t sign = std::signbit(x) ? 0x8000 : 0;
  if (std::isinf(x)) return sign | 0x7C00;
  const size_t i = round_on_ladder(f16_ladder(), std::fabs(static_cast<double>(x)));
  return sign | (i == f16_ladder().size() - 1 ? 0x7C00 : static_cast<uint16_t>(i));
}

// bfloat16: the two neighbours of |x| are its binary32 value truncated to 8 significant bits and the next one up
// (frexp gives the binade); the larger of two, at the top of the largest binade, is infinity.
uint16_t expected_bf16(float x) {
  const uint16_t sign = std::signbit(x) ? 0x8000 : 0;
  if (std::isinf(x)) return sign | 0x7F80;
  const double a = std::fabs(static_cast<double>(x));
  if (a == 0) return sign;
  int e;
  std::frexp(a, &e);                              // a in [2^(e-1), 2^e)
  const int quantum_exp = std::max(e - 8, -133);  // subnormal bf16s are multiples of 2^-133
  const double quantum = std::ldexp(1.0, quantum_exp);
  const double lo = std::floor(a / quantum) * quantum, hi = lo + quantum;
  const double mid = (lo + hi) / 2;
  const bool lo_even = std::fmod(std::floor(a / quantum), 2.0) == 0;
  const double chosen = a < mid ? lo : a > mid ? hi : (lo_even ? lo : hi);
  if (chosen >= std::ldexp(1.0, 128)) return sign | 0x7F80;
  const auto f = static_cast<float>(chosen);  // exact: 8 significant bits within float range
  return sign | static_cast<uint16_t>(std::bit_cast<uint32_t>(f) >> 16);
}

std::vector<float> special_floats() {
  std::vector<float> v = {0.0f,
                          -0.0f,
                          1.0f,
                          -1.0f,
                          65504.0f,
                          65519.996f,
                          65520.0f,
                          65536.0f,
                          1e9f,
                          -1e9f,
                          std::numeric_limits<float>::max(),
                          -std::numeric_limits<float>::max(),
                          std::numeric_limits<float>::min(),
                          std::numeric_limits<float>::denorm_min(),
                          std::ldexp(1.0f, -14),
                          std::ldexp(1.0f, -24),
                          std::ldexp(1.0f, -25),
                          std::ldexp(1.5f, -25),
                          std::ldexp(1.0f, -26),
                          std::ldexp(1023.5f, -24),
                          std::ldexp(1022.5f, -24),
                          1.0f + std::ldexp(1.0f, -11),
                          1.0f + 3 * std::ldexp(1.0f, -11),
                          1.0f + std::ldexp(1.0f, -8),
                          1.0f + 3 * std::ldexp(1.0f, -8),
                          INFINITY,
                          -INFINITY};
  // Every tie and its two neighbours for a sweep of f16 binades (midpoints of consecutive f16 values).
  for (uint32_t h = 0; h < 0x7C00; h += 97) {
    const double mid = (decode_f16(static_cast<uint16_t>(h)) + decode_f16(static_cast<uint16_t>(h + 1))) / 2;
    const auto m = static_cast<float>(mid);
    v.push_back(m);
    v.push_back(std::nextafter(m, 0.0f));
    v.push_back(std::nextafter(m, INFINITY));
    v.push_back(-m);
  }
  return v;
}

}  // namespace

TEST_CASE("float16: every one of the 65536 patterns widens exactly and narrows back to itself") {
  int checked = 0;
  for (uint32_t p = 0; p <= 0xFFFF; ++p) {
    const auto h = static_cast<uint16_t>(p);
    const float f = f16_bits_to_f32(h);
    const double want = decode_f16(h);
    CAPTURE(p);
    if (std::isnan(want)) {
      REQUIRE(std::isnan(f));
      CHECK(std::signbit(f) == ((h & 0x8000) != 0));
      CHECK((std::bit_cast<uint32_t>(f) & 0x00400000u) != 0);               // quiet
      CHECK(((std::bit_cast<uint32_t>(f) >> 13) & 0x1FF) == (h & 0x1FFu));  // payload kept
      CHECK(f32_to_f16_bits(f) == (h | 0x0200));                            // back, quiet
    } else {
      REQUIRE(static_cast<double>(f) == want);
      CHECK(std::signbit(f) == ((h & 0x8000) != 0));
      CHECK(f32_to_f16_bits(f) == h);
      CHECK(round_to_f16(f) == f);
    }
    ++checked;
  }
  CHECK(checked == 65536);
}

TEST_CASE("float16: f32 -> f16 rounds to nearest even, as an independent search, on specials and random floats") {
  std::mt19937_64 rng(16);
  std::vector<float> xs = special_floats();
  for (int i = 0; i < 1000000; ++i) {
    const uint64_t r = rng();
    if (r % 2)  // any bit pattern
      xs.push_back(std::bit_cast<float>(static_cast<uint32_t>(r >> 20)));
    else  // concentrated on the f16 range, subnormals included
      xs.push_back(static_cast<float>(
          std::ldexp(static_cast<double>((r >> 8) % 2000001) / 1e6 - 1.0, static_cast<int>((r >> 40) % 46) - 28)));
  }
  int bad = 0, nans = 0;
  for (float x : xs) {
    const uint16_t got = f32_to_f16_bits(x);
    if (std::isnan(x)) {
      ++nans;
      const uint32_t b = std::bit_cast<uint32_t>(x);
      if (got != static_cast<uint16_t>(((b >> 16) & 0x8000) | 0x7E00 | ((b >> 13) & 0x3FF))) ++bad;
      continue;
    }
    if (got != expected_f16(x)) {
      if (bad++ < 5) {
        CAPTURE(x);
        CHECK(got == expected_f16(x));
      }
    }
  }
  CHECK(nans > 0);
  CHECK(bad == 0);
}

TEST_CASE("float16: hand cases: ties, overflow, subnormals, NaN, signed zero") {
  CHECK(f32_to_f16_bits(1.0f) == 0x3C00);
  CHECK(f32_to_f16_bits(65504.0f) == 0x7BFF);    // largest finite
  CHECK(f32_to_f16_bits(65519.996f) == 0x7BFF);  // just under the midpoint to 65536
  CHECK(f32_to_f16_bits(65520.0f) == 0x7C00);    // the midpoint: ties to even, which is infinity
  CHECK(f32_to_f16_bits(-1e6f) == 0xFC00);
  CHECK(f32_to_f16_bits(1.0f + std::ldexp(1.0f, -11)) == 0x3C00);      // tie, 1.0 is even
  CHECK(f32_to_f16_bits(1.0f + 3 * std::ldexp(1.0f, -11)) == 0x3C02);  // tie, up to even
  CHECK(f32_to_f16_bits(std::ldexp(1.0f, -24)) == 0x0001);             // smallest subnormal
  CHECK(f32_to_f16_bits(std::ldexp(1.0f, -25)) == 0x0000);             // tie with 0: even
  CHECK(f32_to_f16_bits(std::ldexp(1.5f, -25)) == 0x0001);
  CHECK(f32_to_f16_bits(-std::ldexp(1.0f, -26)) == 0x8000);    // to -0
  CHECK(f32_to_f16_bits(std::ldexp(1023.5f, -24)) == 0x0400);  // tie: carries into the smallest normal
  CHECK(f32_to_f16_bits(std::ldexp(1022.5f, -24)) == 0x03FE);  // tie: stays even
  CHECK(f32_to_f16_bits(std::numeric_limits<float>::denorm_min()) == 0x0000);
  CHECK(f32_to_f16_bits(-0.0f) == 0x8000);
  CHECK(f32_to_f16_bits(INFINITY) == 0x7C00);
  CHECK(f32_to_f16_bits(std::numeric_limits<float>::quiet_NaN()) == 0x7E00);
  CHECK(f32_to_f16_bits(std::bit_cast<float>(0x7F800001u)) == 0x7E00);  // payload below f16's: still a NaN
  CHECK(f32_to_f16_bits(std::bit_cast<float>(0xFF812345u)) == (0xFE00 | (0x012345 >> 13)));
  CHECK(f16_bits_to_f32(0x0001) == std::ldexp(1.0f, -24));
  CHECK(f16_bits_to_f32(0x03FF) == std::ldexp(1023.0f, -24));
  CHECK(f16_bits_to_f32(0x7BFF) == 65504.0f);
  CHECK(std::bit_cast<uint32_t>(f16_bits_to_f32(0x7C01)) == 0x7FC02000u);  // signalling NaN comes back quiet
  CHECK(round_to_f16(0.1f) == 0.0999755859375f);
  CHECK(round_to_f16(3.14159265f) == 3.140625f);
}

TEST_CASE("bfloat16: f32 -> bf16 rounds to nearest even as an independent computation, widening is exact") {
  std::mt19937_64 rng(17);
  std::vector<float> xs = special_floats();
  for (int i = 0; i < 1000000; ++i) xs.push_back(std::bit_cast<float>(static_cast<uint32_t>(rng() >> 17)));
  int bad = 0;
  for (float x : xs) {
    const uint16_t got = f32_to_bf16_bits(x);
    if (std::isnan(x)) {
      const uint32_t b = std::bit_cast<uint32_t>(x);
      if (got != static_cast<uint16_t>((b >> 16) | 0x0040)) ++bad;
      continue;
    }
    if (got != expected_bf16(x) && bad++ < 5) {
      CAPTURE(x);
      CHECK(got == expected_bf16(x));
    }
  }
  CHECK(bad == 0);
  for (uint32_t p = 0; p <= 0xFFFF; ++p) {  // every bf16 pattern widens to its binary32 and narrows back
    const auto b = static_cast<uint16_t>(p);
    const float f = bf16_bits_to_f32(b);
    const bool nan = (p & 0x7F80) == 0x7F80 && (p & 0x7F) != 0;
    CAPTURE(p);
    if (nan) {
      CHECK(std::isnan(f));
      CHECK(f32_to_bf16_bits(f) == (b | 0x0040));
    } else {
      CHECK(std::bit_cast<uint32_t>(f) == p << 16);
      CHECK(f32_to_bf16_bits(f) == b);
    }
  }
  CHECK(f32_to_bf16_bits(1.0f + std::ldexp(1.0f, -8)) == 0x3F80);        // tie, even
  CHECK(f32_to_bf16_bits(1.0f + 3 * std::ldexp(1.0f, -8)) == 0x3F82);    // tie, up to even
  CHECK(f32_to_bf16_bits(std::numeric_limits<float>::max()) == 0x7F80);  // rounds past the largest bf16
  CHECK(f32_to_bf16_bits(std::bit_cast<float>(0x7F800001u)) == 0x7FC0);  // a NaN never becomes infinity
  CHECK(f32_to_bf16_bits(-0.0f) == 0x8000);
  CHECK(round_to_bf16(3.14159265f) == 3.140625f);
}

TEST_CASE("float16: the range functions apply the scalar conversions") {
  std::vector<float> x = special_floats();
  std::vector<uint16_t> h(x.size());
  std::vector<float> back(x.size());
  f32_to_f16(x.data(), h.data(), static_cast<int64_t>(x.size()));
  f16_to_f32(h.data(), back.data(), static_cast<int64_t>(x.size()));
  std::vector<float> r16 = x, rb16 = x;
  round_to_f16_inplace(r16.data(), static_cast<int64_t>(x.size()));
  round_to_bf16_inplace(rb16.data(), static_cast<int64_t>(x.size()));
  for (size_t i = 0; i < x.size(); ++i) {
    CHECK(h[i] == f32_to_f16_bits(x[i]));
    CHECK(std::bit_cast<uint32_t>(back[i]) == std::bit_cast<uint32_t>(f16_bits_to_f32(h[i])));
    CHECK(std::bit_cast<uint32_t>(r16[i]) == std::bit_cast<uint32_t>(round_to_f16(x[i])));
    CHECK(std::bit_cast<uint32_t>(rb16[i]) == std::bit_cast<uint32_t>(round_to_bf16(x[i])));
  }
}
