// Depthwise 3-D convolution (group == in_channels: one input channel per group, M/C filters per channel;
// X3D and separable video nets). Same Conv3dParams and formula as conv3d_reference. Float accumulation, bias
// first, taps in (a, i, j) order. Scalar, AVX2 and AVX-512 builds of the same code (conv3d_depthwise_impl.h).
//
// Two variants:
//  - planes (conv3d_depthwise, the one the engine runs): each input plane of a channel is copied once into
//    a zero-padded, stride-phase-split copy in the workspace (phase (r, s) holds the padded rows r, r + sh,
//    ... and columns s, s + sw, ...), so with the output plane flattened at the phase's row pitch
//    (q = oh * Wq + ow) every tap (a, i, j) reads one contiguous run of the copy at a fixed offset from q.
//    The whole plane is then one vector loop, up to 8 vectors of outputs in registers across all taps,
//    whatever the row width (X3D's late 5x5 planes are 35 lanes, not five 5-wide rows); the Wq - OW
//    columns computed past each row's end are discarded. Padded taps add w * 0.
//  - rows (conv3d_depthwise_rows, the fallback for shapes whose padded copy would be unreasonably large,
//    and kept as a second independent implementation): per output plane the bias, then each tap added over
//    every output row it reaches (in-bounds rows and columns found once per plane), no workspace.
// The activation (the GEMM's vector epilogue activation on the AVX paths) runs over each finished plane.
#pragma once

#include <cstdint>

#include "kernels/conv3d/conv3d.h"
#include "kernels/kernel_isa.h"

namespace vigil::kernels {

// group == in_channels (>= 1), out_channels a multiple of it.
bool conv3d_depthwise_supported(const Conv3dParams& p);

// Bytes of scratch one conv3d_depthwise call needs (any path, any alignment): one channel's padded volume,
// an output plane and the tap offsets; 0 when the padded copy would exceed 64 Mi floats (the call then runs
// the rows variant).
int64_t conv3d_depthwise_workspace_bytes(const Conv3dParams& p);

// Output channels [first, last) of the flattened (image, output channel) range [0, batch*out_channels), so
// callers split channels over threads (each call its own workspace). w is [M, 1, kd, kh, kw]; bias [M] or
// null. y must not alias x. Allocates nothing, throws nothing. Calling a path the CPU lacks is undefined.
void conv3d_depthwise(KernelIsa isa, const Conv3dParams& p, const float* x, const float* w, const float* bias, float* y,
                      int64_t first, int64_t last, void* workspace);
// The rows variant (no workspace), same contract.
void conv3d_depthwise_rows(KernelIsa isa, const Conv3dParams& p, const float* x, const float* w, const float* bias,
                           float* y, int64_t first, int64_t last);

void conv3d_depthwise_scalar(const Conv3dParams& p, const float* x, const float* w, const float* bias, float* y,
                             int64_t first, int64_t last, void* workspace);
void conv3d_depthwise_avx2(const Conv3dParams& p, const float* x, const float* w, const float* bias, float* y,
                           int64_t first, int64_t last, void* workspace);
void conv3d_depthwise_avx512(const Conv3dParams& p, const float* x, const float* w, const float* bias, float* y,
                             int64_t first, int64_t last, void* workspace);

}  // namespace vigil::kernels
