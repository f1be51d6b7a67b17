// conv2d_winograd, avx2 path (compiled with the avx2 flags; see conv2d_winograd_impl.h).
#include "kernels/conv2d_winograd/conv2d_winograd.h"
#include "kernels/conv2d_winograd/conv2d_winograd_impl.h"

namespace vigil::kernels {

void conv2d_winograd_avx2(WinogradTile tile, const Conv2dParams& p, const float* x, const float* packed,
                          const float* bias, float* y, void* workspace, const WinogradThreading& threading) {
  using winograd_detail::kAvx2Config;
  winograd_detail::run<simd_detail::Avx2Isa, kAvx2Config.mr, kAvx2Config.nv>(kAvx2Config, p, static_cast<int>(tile), x,
                                                                             packed, bias, y, workspace, threading);
}

}  // namespace vigil::kernels
