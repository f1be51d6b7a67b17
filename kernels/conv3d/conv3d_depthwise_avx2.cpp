// depthwise Conv3d, avx2 build (compiled with the avx2 flags; see conv3d_depthwise_impl.h). The activation
// is the packed GEMM's vector epilogue activation (docs/KERNELS.md gives its accuracy).
#include "kernels/conv3d/conv3d_depthwise.h"
#include "kernels/conv3d/conv3d_depthwise_impl.h"
#include "kernels/gemm_packed/gemm_packed.h"

namespace vigil::kernels {

void conv3d_depthwise_avx2(const Conv3dParams& p, const float* x, const float* w, const float* bias, float* y,
                           int64_t first, int64_t last) {
  conv3d_depthwise_detail::depthwise(p, x, w, bias, y, first, last, [&](float* values, int64_t n) {
    if (p.activation.kind != Activation::None) gemm_packed_activation_avx2(p.activation, values, values, n);
  });
}

}  // namespace vigil::kernels
