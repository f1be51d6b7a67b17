// depthwise_conv, avx2 path (compiled with the avx2 flags; see depthwise_conv_impl.h).
#include "kernels/depthwise_conv/depthwise_conv.h"
#include "kernels/depthwise_conv/depthwise_conv_impl.h"

namespace vigil::kernels {

void depthwise_conv_avx2(const Conv2dParams& p, const float* x, const float* w, const float* bias, float* y,
                         void* workspace) {
  depthwise_detail::depthwise<simd_detail::Avx2Isa>(p, x, w, bias, y, workspace);
}

}  // namespace vigil::kernels
