#include <cmath>
#include <cstring>

#include "kernels/cast/cast.h"
#include "kernels/float16/float16.h"

namespace vigil::kernels {

int32_t cast_float_to_i32(float x) {
  // Every float in [-2^31, 2^31) truncates into range; the bounds are exact floats.
  if (!(x >= -2147483648.0f && x < 2147483648.0f)) return INT32_MIN;
  return static_cast<int32_t>(x);
}

int64_t cast_float_to_i64(float x) {
  if (!(x >= -9223372036854775808.0f && x < 9223372036854775808.0f)) return INT64_MIN;
  return static_cast<int64_t>(x);
}

namespace {

// The source element as one of three canonical forms, so each target needs only three conversions.
struct Source {
  bool is_float;
  float f;
  int64_t i;
};

Source load(ElemType t, const void* src, int64_t k) {
  switch (t) {
    case ElemType::F32:
      return {true, static_cast<const float*>(src)[k], 0};
    case ElemType::I64:
      return {false, 0, static_cast<const int64_t*>(src)[k]};
    case ElemType::I32:
      return {false, 0, static_cast<const int32_t*>(src)[k]};
    case ElemType::I8:
      return {false, 0, static_cast<const int8_t*>(src)[k]};
    case ElemType::U8:
      return {false, 0, static_cast<const uint8_t*>(src)[k]};
    case ElemType::Bool:
      return {false, 0, static_cast<const uint8_t*>(src)[k] != 0 ? 1 : 0};
    case ElemType::F16:  // exact
      return {true, f16_bits_to_f32(static_cast<const uint16_t*>(src)[k]), 0};
    case ElemType::BF16:  // exact
      return {true, bf16_bits_to_f32(static_cast<const uint16_t*>(src)[k]), 0};
    case ElemType::F64:  // rounded to nearest f32 first: vigil holds doubles as f32
      return {true, static_cast<float>(static_cast<const double*>(src)[k]), 0};
  }
  return {false, 0, 0};
}

// The int64 whose low bits the integer targets keep (a float goes through the 32-bit conversion unless the
// target is I64).
int64_t integer_of(const Source& s, ElemType to) {
  if (!s.is_float) return s.i;
  return to == ElemType::I64 ? cast_float_to_i64(s.f) : cast_float_to_i32(s.f);
}

void store(ElemType t, void* dst, int64_t k, const Source& s) {
  switch (t) {
    case ElemType::F32:
      static_cast<float*>(dst)[k] = s.is_float ? s.f : static_cast<float>(s.i);
      return;
    case ElemType::Bool:
      static_cast<uint8_t*>(dst)[k] = (s.is_float ? s.f != 0.0f : s.i != 0) ? 1 : 0;
      return;
    case ElemType::I64:
      static_cast<int64_t*>(dst)[k] = integer_of(s, t);
      return;
    case ElemType::I32:  // C++20 defines narrowing integer conversions as modulo 2^N
      static_cast<int32_t*>(dst)[k] = static_cast<int32_t>(integer_of(s, t));
      return;
    case ElemType::I8:
      static_cast<int8_t*>(dst)[k] = static_cast<int8_t>(integer_of(s, t));
      return;
    case ElemType::U8:
      static_cast<uint8_t*>(dst)[k] = static_cast<uint8_t>(integer_of(s, t));
      return;
    case ElemType::F16:  // integers go through f32 (exact below 2^24; f16 overflows above 65519 anyway)
      static_cast<uint16_t*>(dst)[k] = f32_to_f16_bits(s.is_float ? s.f : static_cast<float>(s.i));
      return;
    case ElemType::BF16:
      static_cast<uint16_t*>(dst)[k] = f32_to_bf16_bits(s.is_float ? s.f : static_cast<float>(s.i));
      return;
    case ElemType::F64:
      static_cast<double*>(dst)[k] = s.is_float ? static_cast<double>(s.f) : static_cast<double>(s.i);
      return;
  }
}

}  // namespace

void cast_reference(ElemType from, ElemType to, const void* src, void* dst, int64_t begin, int64_t end) {
  if (from == to) {
    if (src != dst)
      std::memcpy(static_cast<char*>(dst) + begin * static_cast<int64_t>(elem_size(to)),
                  static_cast<const char*>(src) + begin * static_cast<int64_t>(elem_size(from)),
                  static_cast<size_t>(end - begin) * elem_size(to));
    return;
  }
  for (int64_t k = begin; k < end; ++k) store(to, dst, k, load(from, src, k));
}

}  // namespace vigil::kernels
