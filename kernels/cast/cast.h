// Elementwise type conversion (ONNX Cast) between the element types of kernels/elem_type.h, over a range of
// elements so that callers can split a tensor between threads.
//
// Semantics (as numpy's astype and onnxruntime on x86, which vigil targets):
//  - float -> integer truncates toward zero. A value whose truncation does not fit the 32-bit (for I32, I8, U8)
//    or 64-bit (for I64) signed range, and NaN, gives that range's minimum (what x86's cvttss2si returns: the
//    "integer indefinite"); I8 and U8 then keep the low 8 bits of the 32-bit result, two's complement (300.7 ->
//    44 for both, -1.9 -> -1 / 255, 3e9 -> 0). C++ leaves these cases undefined; here they are computed.
//  - integer -> narrower integer keeps the low bits (two's complement wrap-around); widening is exact.
//  - integer -> float rounds to nearest even (int64 above 2^24 may change).
//  - anything -> Bool is value != 0 (NaN is true, -0 false); Bool -> anything is 0 or 1.
//  - F16 and BF16 widen to f32 exactly; f32 -> F16 / BF16 rounds to nearest even (kernels/float16). F64 is
//    first rounded to f32 (vigil holds doubles as f32), and integers become f32 before they become F16 / BF16
//    (so int64 -> BF16 above 2^24 can be rounded twice); -> F64 is exact but for int64 beyond 2^53.
#pragma once

#include <cstdint>

#include "kernels/elem_type.h"

namespace vigil::kernels {

// dst[i] = convert(src[i]) for i in [begin, end). src and dst must not overlap unless from == to.
void cast_reference(ElemType from, ElemType to, const void* src, void* dst, int64_t begin, int64_t end);

// One float as Cast converts it to int32 / int64 (exposed for the tests and the other integer widths).
int32_t cast_float_to_i32(float x);
int64_t cast_float_to_i64(float x);

}  // namespace vigil::kernels
