// Written from the IEEE 754 encodings: binary32 is 1 sign, 8 exponent (bias 127), 23 fraction bits; binary16
// is 1, 5 (bias 15), 10; bfloat16 is binary32's top 16 bits. Integer arithmetic only, so the result does not
// depend on the FPU's rounding mode or flush-to-zero settings.
#include <bit>

#include "kernels/float16/float16.h"

namespace vigil::kernels {

namespace {

// `value >> shift` rounded to nearest, ties to even (shift in [1, 31]).
uint32_t shift_right_round_even(uint32_t value, int shift) {
  const uint32_t kept = value >> shift;
  const uint32_t rest = value & ((1u << shift) - 1);
  const uint32_t half = 1u << (shift - 1);
  return kept + ((rest > half || (rest == half && (kept & 1))) ? 1 : 0);
}

}  // namespace

uint16_t f32_to_f16_bits(float x) {
  const uint32_t bits = std::bit_cast<uint32_t>(x);
  const auto sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  const int exponent = static_cast<int>((bits >> 23) & 0xFF);
  const uint32_t fraction = bits & 0x7FFFFF;
  if (exponent == 0xFF) {
    if (fraction == 0) return sign | 0x7C00;                         // infinity
    return static_cast<uint16_t>(sign | 0x7E00 | (fraction >> 13));  // NaN: quiet, top payload bits
  }
  // The value is (1.fraction) * 2^(exponent - 127) for normals, (0.fraction) * 2^-126 for subnormals.
  const int unbiased = exponent - 127;
  if (unbiased >= 16) return sign | 0x7C00;  // >= 2^16: beyond 65504 + half an ulp (65520) for sure
  if (unbiased >= -14) {
    // Normal binary16 range: keep 10 fraction bits of the 23, rounding. A carry out of the fraction bumps the
    // exponent, which is the correct next binade (and 0x7C00, infinity, past 65504 + half an ulp).
    const uint32_t rebiased = (static_cast<uint32_t>(unbiased + 15) << 23) | fraction;
    return static_cast<uint16_t>(sign | shift_right_round_even(rebiased, 13));
  }
  // binary16 subnormals are multiples of 2^-24. The value's significand (with the hidden bit for normals) is
  // an integer times 2^(exponent' - 150), where exponent' is 1 for binary32 subnormals.
  if (exponent == 0 && fraction == 0) return sign;
  const uint32_t significand = exponent == 0 ? fraction : (fraction | 0x800000);
  const int shift = (exponent == 0 ? 1 : exponent) - 150 + 24;  // value = significand * 2^(shift - 24)
  // shift is negative here (value < 2^-14): the multiple of 2^-24 is significand >> -shift, rounded.
  if (-shift > 31) return sign;  // far below 2^-25: rounds to zero
  // A carry into bit 10 gives 0x0400, the smallest normal: again the correct encoding.
  return static_cast<uint16_t>(sign | shift_right_round_even(significand, -shift));
}

float f16_bits_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const int exponent = (h >> 10) & 0x1F;
  const uint32_t fraction = h & 0x3FF;
  if (exponent == 0x1F) {
    if (fraction == 0) return std::bit_cast<float>(sign | 0x7F800000u);
    return std::bit_cast<float>(sign | 0x7FC00000u | (fraction << 13));  // NaN, quieted
  }
  if (exponent != 0)
    return std::bit_cast<float>(sign | (static_cast<uint32_t>(exponent - 15 + 127) << 23) | (fraction << 13));
  if (fraction == 0) return std::bit_cast<float>(sign);
  // Subnormal: fraction * 2^-24, which is a normal binary32. Normalise so the leading 1 becomes the hidden bit.
  const int leading = std::countl_zero(fraction) - 22;  // zeros above the top set bit within the 10-bit field
  const uint32_t normalised = (fraction << (leading + 1)) & 0x3FF;
  const int unbiased = -14 - (leading + 1);
  return std::bit_cast<float>(sign | (static_cast<uint32_t>(unbiased + 127) << 23) | (normalised << 13));
}

uint16_t f32_to_bf16_bits(float x) {
  const uint32_t bits = std::bit_cast<uint32_t>(x);
  if ((bits & 0x7F800000u) == 0x7F800000u && (bits & 0x7FFFFF) != 0)
    return static_cast<uint16_t>((bits >> 16) | 0x0040);  // NaN: quiet, top payload bits (never infinity)
  // Rounding the 32-bit pattern at bit 16 is rounding the value: a carry runs from the fraction into the
  // exponent, and from the largest finite number into infinity, as it should.
  return static_cast<uint16_t>(shift_right_round_even(bits & 0x7FFFFFFFu, 16) | ((bits >> 16) & 0x8000));
}

float bf16_bits_to_f32(uint16_t b) {
  uint32_t bits = static_cast<uint32_t>(b) << 16;
  if ((bits & 0x7F800000u) == 0x7F800000u && (bits & 0x7FFFFF) != 0) bits |= 0x00400000u;  // quiet a NaN
  return std::bit_cast<float>(bits);
}

float round_to_f16(float x) { return f16_bits_to_f32(f32_to_f16_bits(x)); }

float round_to_bf16(float x) { return bf16_bits_to_f32(f32_to_bf16_bits(x)); }

void f32_to_f16(const float* x, uint16_t* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = f32_to_f16_bits(x[i]);
}

void f16_to_f32(const uint16_t* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = f16_bits_to_f32(x[i]);
}

void round_to_f16_inplace(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = round_to_f16(x[i]);
}

void round_to_bf16_inplace(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = round_to_bf16(x[i]);
}

}  // namespace vigil::kernels
