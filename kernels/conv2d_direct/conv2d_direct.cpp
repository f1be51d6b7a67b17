// Baseline x86-64 code: applicability, workspace size and dispatch; the work is in the per-ISA files.
#include "kernels/conv2d_direct/conv2d_direct.h"

#include "kernels/conv2d_direct/conv2d_direct_layout.h"
#include "kernels/conv2d_gemm/conv2d_gemm.h"

namespace vigil::kernels {

bool conv2d_direct_supported(KernelIsa isa, const Conv2dParams& p) {
  return isa != KernelIsa::Scalar && p.group == 1 && (p.stride_w == 1 || p.stride_w == 2);
}

bool conv2d_direct_preferred(KernelIsa isa, const Conv2dParams& p) {
  // Measured against the packed GEMM on AVX-512, one thread (docs/KERNELS.md): faster on actdet's L0
  // (K 27) and L1 (K 288, stride 2), and on stride-1 3x3 convs up to K 1152; slower on a stride-2 one with
  // K 576 (its band of planes, 700 KB, and each tile's 72 KB of tap runs no longer stay close enough).
  // Not for a plain 1x1 conv (B = X as is, conv2d_gemm_is_direct): the GEMM packs B with a straight copy,
  // while here the band copy costs as much (18 % of L7, perf) and the tile's K channel runs, one band
  // plane apart (2 KiB on actdet's L7, 1 KiB on L15), fall into a few L1 sets. Same run, 1 thread, median
  // of 4 rounds: L7 (64 -> 64, 64x64, K 64) 0.274 -> 0.261 ms, L15 (128 -> 128, 32x32) 0.235 -> 0.218 ms.
  if (conv2d_gemm_is_direct(p)) return false;
  const int64_t k = p.in_channels * p.kernel_h * p.kernel_w;
  // Outputs one vector wide (16 on AVX-512, 8 on AVX2: a tile covers two output rows) only with stride 1
  // and K <= 1152: same run, 1 thread, AVX-512, median of 6 rounds: L20 (128 -> 128, 16x16, K 1152)
  // 0.490 -> 0.476 ms (single runs 0.476 -> 0.459); L18 (K 2304) was slower, 1.87 -> 1.96, a stride-2
  // one (32 -> 64, 16x16 out, K 288) the same. AVX2, 128 -> 128 on 8x8: 0.242 -> 0.236 ms.
  const int64_t nr = gemm_blocking(isa).nr;
  if (!conv2d_direct_supported(isa, p)) return false;
  if (p.out_w * 2 == nr) return p.stride_w == 1 && k <= 1152;
  return p.out_w >= nr && (k <= 288 || (p.stride_w == 1 && k <= 1152));
}

int64_t conv2d_direct_workspace_bytes(KernelIsa isa, const Conv2dParams& p, int threads) {
  return conv2d_direct_detail::workspace_floats(p, gemm_blocking(isa).nr, threads) *
         static_cast<int64_t>(sizeof(float));
}

void conv2d_direct(KernelIsa isa, const Conv2dParams& p, const float* x, const float* packed_weights, const float* bias,
                   const float* residual, float* y, void* workspace, const GemmThreading& threading) {
  switch (isa) {
    case KernelIsa::Avx2:
      conv2d_direct_avx2(p, x, packed_weights, bias, residual, y, workspace, threading);
      return;
    case KernelIsa::Avx512:
      conv2d_direct_avx512(p, x, packed_weights, bias, residual, y, workspace, threading);
      return;
    case KernelIsa::Scalar:
      break;  // not supported (conv2d_direct_supported)
  }
}

}  // namespace vigil::kernels
