// f32 <-> float16 on the vector paths: F16C's vcvtps2ph (rounding to nearest even, from the immediate, not
// MXCSR) and vcvtph2ps on ymm (compiled into the AVX2 file, whose flags include -mf16c) and their AVX-512 F
// forms on zmm. Bit-identical to float16_reference for every input, NaNs included (tested over all 65536
// float16 patterns and millions of floats); the element tail runs the reference. bfloat16 stays scalar.
#pragma once

#include <cstdint>

#include "kernels/float16/float16.h"
#include "kernels/kernel_isa.h"

namespace vigil::kernels {

// KernelIsa::Scalar runs the reference. Avx2 needs a CPU with F16C (every AVX2 CPU has it; the caller checks).
void f32_to_f16_fast(KernelIsa isa, const float* x, uint16_t* y, int64_t n);
void f16_to_f32_fast(KernelIsa isa, const uint16_t* x, float* y, int64_t n);
void round_to_f16_fast(KernelIsa isa, float* x, int64_t n);

void f32_to_f16_avx2(const float* x, uint16_t* y, int64_t n);
void f16_to_f32_avx2(const uint16_t* x, float* y, int64_t n);
void round_to_f16_avx2(float* x, int64_t n);
void f32_to_f16_avx512(const float* x, uint16_t* y, int64_t n);
void f16_to_f32_avx512(const uint16_t* x, float* y, int64_t n);
void round_to_f16_avx512(float* x, int64_t n);

}  // namespace vigil::kernels
