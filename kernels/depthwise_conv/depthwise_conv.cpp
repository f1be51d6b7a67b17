// Baseline parts of depthwise_conv: dispatch, workspace size and the scalar path.
#include "kernels/depthwise_conv/depthwise_conv.h"

#include "kernels/depthwise_conv/depthwise_conv_impl.h"

namespace vigil::kernels {

bool depthwise_conv_supported(const Conv2dParams& p) {
  return p.group >= 1 && p.group == p.in_channels && p.group == p.out_channels && p.batch >= 1 && p.in_h >= 1 &&
         p.in_w >= 1 && p.out_h >= 1 && p.out_w >= 1 && p.kernel_h >= 1 && p.kernel_w >= 1 && p.stride_h >= 1 &&
         p.stride_w >= 1 && p.dilation_h >= 1 && p.dilation_w >= 1 && p.pad_top >= 0 && p.pad_left >= 0;
}

int64_t depthwise_conv_workspace_bytes(const Conv2dParams& p) {
  return depthwise_detail::workspace_floats(p) * static_cast<int64_t>(sizeof(float));
}

void depthwise_conv_scalar(const Conv2dParams& p, const float* x, const float* w, const float* bias, float* y,
                           void* workspace) {
  depthwise_detail::depthwise<simd_detail::ScalarIsa>(p, x, w, bias, y, workspace);
}

DepthwiseConvFn select_depthwise_conv(KernelIsa isa) {
  switch (isa) {
    case KernelIsa::Scalar:
      return depthwise_conv_scalar;
    case KernelIsa::Avx2:
      return depthwise_conv_avx2;
    case KernelIsa::Avx512:
      return depthwise_conv_avx512;
  }
  return depthwise_conv_scalar;
}

}  // namespace vigil::kernels
