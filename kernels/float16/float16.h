// IEEE 754 binary16 ("float16", ONNX FLOAT16) and bfloat16 (the top half of a binary32, ONNX BFLOAT16) to and
// from float32. vigil computes in f32; these conversions are what its Cast op and the graph boundaries of
// float16 / bfloat16 models do.
//
// Semantics (the IEEE definition; what onnxruntime, numpy's astype and x86's F16C give):
//  - widening (f16 / bf16 -> f32) is exact for every bit pattern; a signalling NaN comes back quiet (bit 22
//    set), its sign and payload kept.
//  - narrowing (f32 -> f16 / bf16) rounds to nearest, ties to even. Values past the largest finite number
//    (65504 for f16) by half an ulp or more become +-inf; values below the smallest normal become subnormals
//    (rounded the same way) or +-0. NaN stays NaN: sign kept, the top payload bits kept, quiet bit set (so a
//    NaN never turns into an infinity).
#pragma once

#include <cstdint>

namespace vigil::kernels {

uint16_t f32_to_f16_bits(float x);
float f16_bits_to_f32(uint16_t h);
uint16_t f32_to_bf16_bits(float x);
float bf16_bits_to_f32(uint16_t b);

// x rounded to the nearest float16 / bfloat16 value, as f32: f16_bits_to_f32(f32_to_f16_bits(x)). (Not inline:
// the ISA-flagged files include this header, and an inline copy compiled there could be the one linked.)
float round_to_f16(float x);
float round_to_bf16(float x);

// Element ranges [0, n). round_*_inplace may be given any f32 buffer.
void f32_to_f16(const float* x, uint16_t* y, int64_t n);
void f16_to_f32(const uint16_t* x, float* y, int64_t n);
void round_to_f16_inplace(float* x, int64_t n);
void round_to_bf16_inplace(float* x, int64_t n);

}  // namespace vigil::kernels
