// Baseline parts of grouped_conv: applicability, dispatch, workspace size and the scalar path.
#include "kernels/grouped_conv/grouped_conv.h"

#include "kernels/grouped_conv/grouped_conv_impl.h"

namespace vigil::kernels {

bool grouped_conv_supported(const Conv2dParams& p) {
  const bool depthwise = p.group == p.in_channels && p.group == p.out_channels;
  return p.group > 1 && !depthwise && p.in_channels % p.group == 0 && p.out_channels % p.group == 0 && p.batch >= 1 &&
         p.in_h >= 1 && p.in_w >= 1 && p.out_h >= 1 && p.out_w >= 1 && p.kernel_h >= 1 && p.kernel_w >= 1 &&
         p.stride_h >= 1 && p.stride_w >= 1 && p.dilation_h >= 1 && p.dilation_w >= 1 && p.pad_top >= 0 &&
         p.pad_left >= 0;
}

bool grouped_conv_preferred(KernelIsa isa, const Conv2dParams& p) {
  return isa != KernelIsa::Scalar && grouped_conv_supported(p) &&
         p.in_channels / p.group <= kGroupedConvMaxGroupChannels;
}

int64_t grouped_conv_workspace_bytes(const Conv2dParams& p) {
  return grouped_detail::workspace_floats(p) * static_cast<int64_t>(sizeof(float));
}

void grouped_conv_scalar(const Conv2dParams& p, const float* x, const float* w, const float* bias, float* y,
                         void* workspace) {
  grouped_detail::grouped<simd_detail::ScalarIsa>(p, x, w, bias, y, workspace);
}

GroupedConvFn select_grouped_conv(KernelIsa isa) {
  switch (isa) {
    case KernelIsa::Scalar:
      return grouped_conv_scalar;
    case KernelIsa::Avx2:
      return grouped_conv_avx2;
    case KernelIsa::Avx512:
      return grouped_conv_avx512;
  }
  return grouped_conv_scalar;
}

}  // namespace vigil::kernels
