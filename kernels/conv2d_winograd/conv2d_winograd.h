// Winograd F(4x4, 3x3) and F(2x2, 3x3) convolution for 3x3, stride 1, dilation 1, group 1 convs over
// NCHW, any zero padding, optional bias and fused activation; scalar, AVX2 and AVX-512 paths. Same
// Conv2dParams and the same formula as conv2d_reference (kernels/conv2d/conv2d.h).
//
//   weights  (at load)  U[xi][k][c] = (G g_kc G^T)[xi]          a^2 components xi of an a x a tile
//   per block of tiles: V[xi][c][t] = (B^T d_ct B)[xi]           input transform (vectorised over tiles)
//                       M[xi][k][t] = sum_c U[xi][k][c] V[xi][c][t]   a^2 small GEMMs (own microkernel)
//                       y tile      = A^T M A + bias, then the activation
//
// F(m x m, 3 x 3) produces m x m outputs from an a x a input tile, a = m + 2. F(4,3) (a = 6, points 0,
// +-2/3, +-3/2: 2-6x less float error than Lavin & Gray's 0, +-1, +-2) does 4x fewer multiplies than the
// direct conv but its U is 4x the weights;
// F(2,3) (a = 4, points 0, +-1) saves 2.25x and U is 1.8x the weights. On small images, where each U
// value serves few tiles and U streams from L3, F(2,3) wins (the planner picks: engine/ops/conv2d_fast.cpp).
// Max error and numbers: docs/KERNELS.md.
#pragma once

#include <cstdint>

#include "kernels/conv2d/conv2d.h"
#include "kernels/kernel_isa.h"

namespace vigil::kernels {

// A "parallel for" supplied by the caller (e.g. the engine's thread pool): it must call task(arg, begin,
// end) on disjoint ranges covering [0, tasks) and return when all calls have returned.
using WinogradParallelFor = void (*)(void* ctx, int64_t tasks, void (*task)(void* arg, int64_t begin, int64_t end),
                                     void* arg);
struct WinogradThreading {
  WinogradParallelFor parallel_for = nullptr;  // null: everything on the calling thread
  void* ctx = nullptr;
  int threads = 1;  // task slots (>= 1); the workspace must be sized for this many
};

// The output tile: F(m x m, 3 x 3). The value is m.
enum class WinogradTile : int { F2x3 = 2, F4x3 = 4 };
const char* winograd_tile_name(WinogradTile tile);  // "F(2,3)" / "F(4,3)"

// 3x3 kernel, stride 1, dilation 1, group 1, all sizes >= 1, pads >= 0.
bool conv2d_winograd_supported(const Conv2dParams& p);

// Packed weights (layout depends on the path and the tile: pack with the isa and tile that run).
int64_t conv2d_winograd_packed_floats(KernelIsa isa, WinogradTile tile, const Conv2dParams& p);
// w is [out_channels, in_channels, 3, 3]. The transform is computed in double and rounded once.
void conv2d_winograd_pack(KernelIsa isa, WinogradTile tile, const Conv2dParams& p, const float* w, float* packed);

// Scratch bytes for one call with `threads` task slots; any alignment.
int64_t conv2d_winograd_workspace_bytes(KernelIsa isa, WinogradTile tile, const Conv2dParams& p, int threads);

// y = act(bias + conv3x3(x, w)). y must not alias x. Allocates nothing, throws nothing. Calling a path
// the CPU lacks is undefined.
void conv2d_winograd(KernelIsa isa, WinogradTile tile, const Conv2dParams& p, const float* x, const float* packed,
                     const float* bias, float* y, void* workspace, const WinogradThreading& threading);

// Per-path entry points (what conv2d_winograd dispatches to).
void conv2d_winograd_scalar(WinogradTile tile, const Conv2dParams& p, const float* x, const float* packed,
                            const float* bias, float* y, void* workspace, const WinogradThreading& threading);
void conv2d_winograd_avx2(WinogradTile tile, const Conv2dParams& p, const float* x, const float* packed,
                          const float* bias, float* y, void* workspace, const WinogradThreading& threading);
void conv2d_winograd_avx512(WinogradTile tile, const Conv2dParams& p, const float* x, const float* packed,
                            const float* bias, float* y, void* workspace, const WinogradThreading& threading);

}  // namespace vigil::kernels
