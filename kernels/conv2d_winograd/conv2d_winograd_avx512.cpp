// conv2d_winograd, avx512 path (compiled with the avx512 flags; see conv2d_winograd_impl.h).
#include "kernels/conv2d_winograd/conv2d_winograd.h"
#include "kernels/conv2d_winograd/conv2d_winograd_impl.h"

namespace vigil::kernels {

void conv2d_winograd_avx512(WinogradTile tile, const Conv2dParams& p, const float* x, const float* packed,
                            const float* bias, float* y, void* workspace, const WinogradThreading& threading) {
  using winograd_detail::kAvx512Config;
  winograd_detail::run<simd_detail::Avx512Isa, kAvx512Config.mr, kAvx512Config.nv>(
      kAvx512Config, p, static_cast<int>(tile), x, packed, bias, y, workspace, threading);
}

}  // namespace vigil::kernels
