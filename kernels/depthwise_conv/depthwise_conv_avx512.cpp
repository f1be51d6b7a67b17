// depthwise_conv, avx512 path (compiled with the avx512 flags; see depthwise_conv_impl.h).
#include "kernels/depthwise_conv/depthwise_conv.h"
#include "kernels/depthwise_conv/depthwise_conv_impl.h"

namespace vigil::kernels {

void depthwise_conv_avx512(const Conv2dParams& p, const float* x, const float* w, const float* bias, float* y,
                           void* workspace) {
  depthwise_detail::depthwise<simd_detail::Avx512Isa>(p, x, w, bias, y, workspace);
}

}  // namespace vigil::kernels
