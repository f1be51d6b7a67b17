// FakeQuantize on vectors: bit-identical to fake_quantize_reference. With lo = qmin - z and hi = qmax - z,
//   clamp(round_half_even(x / s) + z, qmin, qmax) - z  ==  clamp(round_half_even(x / s), lo, hi)
// for every finite quotient (integers, all below 2^24 in magnitude, are exact in f32), so each element is
// one f32 division, one rounding instruction in round-to-nearest-even mode, max(., lo) then min(., hi), and
// one f32 multiplication by s; a rounded -0 gets + 0.0f first, since the reference's integer 0 converts to
// +0 (so y = -0 only for a negative scale, in both). max(NaN, lo) gives lo, as the reference's NaN -> qmin (and
// onnxruntime's MLAS, which clamps the same way); +-inf clamp to hi / lo.
#pragma once

#include <cstdint>

#include "kernels/fake_quantize/fake_quantize.h"
#include "kernels/kernel_isa.h"

namespace vigil::kernels {

// True when the shortcut above is exact: |qmin - z| and |qmax - z| <= 2^24 for every channel (any int8,
// uint8, int16, uint16 quantization; the op's int32 extremes fall back to the reference).
bool fake_quantize_fast_supported(const FakeQuantizeParams& p);

// Elements [begin, end) of the flat [outer, channels, inner] tensor. `in` and `out` may alias.
void fake_quantize_fast(KernelIsa isa, const FakeQuantizeParams& p, const float* in, float* out, int64_t begin,
                        int64_t end);

// One run of n elements sharing a scale: y = min(max(round(x / s), lo), hi) * s.
void fake_quantize_run_scalar(const float* x, float* y, int64_t n, float s, float lo, float hi);
void fake_quantize_run_avx2(const float* x, float* y, int64_t n, float s, float lo, float hi);
void fake_quantize_run_avx512(const float* x, float* y, int64_t n, float s, float lo, float hi);

}  // namespace vigil::kernels
