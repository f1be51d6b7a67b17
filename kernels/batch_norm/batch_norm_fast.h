// BatchNorm on the optimised paths: batch_norm_reference's formula with the same double operations in the
// same order (no FMA contraction), vectorised over the spatial positions (AVX2: 8 floats per step as two
// 4-double vectors; AVX-512: 16 as two 8-double vectors), so the value before the activation is
// bit-identical to the reference's. The fused activation then runs over each finished chunk with
// gemm_packed_activation, the conv epilogues' vector activations (bit-identical for the piecewise-linear
// kinds; Sigmoid, Tanh, Silu and Mish within the ulp bounds of docs/KERNELS.md). KernelIsa::Scalar runs the
// reference over the range. The reference ran densenet121's 120 BatchNorms (pre-activation, not foldable
// into a conv) at ~0.3 GB/s: 54 % of the model.
#pragma once

#include <cstdint>

#include "kernels/batch_norm/batch_norm.h"
#include "kernels/kernel_isa.h"

namespace vigil::kernels {

// Output planes [plane_begin, plane_end) of the batch * channels planes (whole-tensor pointers; x and y may
// alias).
void batch_norm_fast(KernelIsa isa, const BatchNormParams& p, const float* x, const float* scale, const float* bias,
                     const float* mean, const float* var, float* y, int64_t plane_begin, int64_t plane_end);

void batch_norm_fast_avx2(const BatchNormParams& p, const float* x, const float* scale, const float* bias,
                          const float* mean, const float* var, float* y, int64_t plane_begin, int64_t plane_end);
void batch_norm_fast_avx512(const BatchNormParams& p, const float* x, const float* scale, const float* bias,
                            const float* mean, const float* var, float* y, int64_t plane_begin, int64_t plane_end);

// The reference over output planes [plane_begin, plane_end) (what the scalar path runs).
void batch_norm_reference_planes(const BatchNormParams& p, const float* x, const float* scale, const float* bias,
                                 const float* mean, const float* var, float* y, int64_t plane_begin, int64_t plane_end);

}  // namespace vigil::kernels
