// Baseline parts of conv2d_winograd: dispatch, packing, workspace size and the scalar path.
#include "kernels/conv2d_winograd/conv2d_winograd.h"

#include "kernels/conv2d_winograd/conv2d_winograd_impl.h"
#include "kernels/gemm_packed/gemm_packed_config.h"

namespace vigil::kernels {

using winograd_detail::path_config;

// The batched mode hands packed U to gemm_packed as its packed A: the panel heights must agree per path.
static_assert(winograd_detail::kScalarConfig.mr == gemm_packed_detail::kScalarConfig.mr);
static_assert(winograd_detail::kAvx2Config.mr == gemm_packed_detail::kAvx2Config.mr);
static_assert(winograd_detail::kAvx512Config.mr == gemm_packed_detail::kAvx512Config.mr);

const char* winograd_tile_name(WinogradTile tile) { return tile == WinogradTile::F2x3 ? "F(2,3)" : "F(4,3)"; }

bool conv2d_winograd_supported(const Conv2dParams& p) {
  return p.group == 1 && p.kernel_h == 3 && p.kernel_w == 3 && p.stride_h == 1 && p.stride_w == 1 &&
         p.dilation_h == 1 && p.dilation_w == 1 && p.batch >= 1 && p.in_channels >= 1 && p.out_channels >= 1 &&
         p.in_h >= 1 && p.in_w >= 1 && p.out_h >= 1 && p.out_w >= 1 && p.pad_top >= 0 && p.pad_left >= 0;
}

int64_t conv2d_winograd_packed_floats(KernelIsa isa, WinogradTile tile, const Conv2dParams& p) {
  return winograd_detail::packed_floats(path_config(isa), p, static_cast<int>(tile));
}

void conv2d_winograd_pack(KernelIsa isa, WinogradTile tile, const Conv2dParams& p, const float* w, float* packed) {
  winograd_detail::pack(path_config(isa), p, static_cast<int>(tile), w, packed);
}

int64_t conv2d_winograd_workspace_bytes(KernelIsa isa, WinogradTile tile, const Conv2dParams& p, int threads) {
  return winograd_detail::workspace_floats(isa, path_config(isa), p, static_cast<int>(tile), threads) *
         static_cast<int64_t>(sizeof(float));
}

void conv2d_winograd_scalar(WinogradTile tile, const Conv2dParams& p, const float* x, const float* packed,
                            const float* bias, float* y, void* workspace, const WinogradThreading& threading) {
  using winograd_detail::kScalarConfig;
  winograd_detail::run<simd_detail::ScalarIsa, kScalarConfig.mr, kScalarConfig.nv>(
      kScalarConfig, p, static_cast<int>(tile), x, packed, bias, y, workspace, threading);
}

void conv2d_winograd(KernelIsa isa, WinogradTile tile, const Conv2dParams& p, const float* x, const float* packed,
                     const float* bias, float* y, void* workspace, const WinogradThreading& threading) {
  switch (isa) {
    case KernelIsa::Scalar:
      conv2d_winograd_scalar(tile, p, x, packed, bias, y, workspace, threading);
      return;
    case KernelIsa::Avx2:
      conv2d_winograd_avx2(tile, p, x, packed, bias, y, workspace, threading);
      return;
    case KernelIsa::Avx512:
      conv2d_winograd_avx512(tile, p, x, packed, bias, y, workspace, threading);
      return;
  }
}

}  // namespace vigil::kernels
