// depthwise Conv3d, avx512 build (compiled with the avx512 flags; see conv3d_depthwise_impl.h). The activation
// is the packed GEMM's vector epilogue activation (docs/KERNELS.md gives its accuracy).
#include "kernels/conv3d/conv3d_depthwise.h"
#include "kernels/conv3d/conv3d_depthwise_impl.h"

namespace vigil::kernels {

void conv3d_depthwise_avx512(const Conv3dParams& p, const float* x, const float* w, const float* bias, float* y,
                             int64_t first, int64_t last, void* workspace) {
  conv3d_depthwise_detail::depthwise<simd_detail::Avx512Isa>(p, x, w, bias, y, first, last, workspace);
}

}  // namespace vigil::kernels
