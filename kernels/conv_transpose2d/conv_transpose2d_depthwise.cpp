// depthwise ConvTranspose2d: the support check, the workspace, the ISA dispatch and the baseline build (its
// activation is activate_reference, as the packed GEMM's scalar path).
#include "kernels/conv_transpose2d/conv_transpose2d_depthwise.h"

#include "kernels/conv_transpose2d/conv_transpose2d_depthwise_impl.h"

namespace vigil::kernels {

bool conv_transpose2d_depthwise_supported(const ConvTranspose2dParams& p) {
  return p.group == p.in_channels && p.stride_w <= kConvTransposeDepthwiseMaxStride;
}

int64_t conv_transpose2d_depthwise_phase_floats(const ConvTranspose2dParams& p) {
  // Plus one AVX-512 vector of room past the end (partial vectors are stored whole); even, so the tables
  // after it stay 8-byte aligned.
  return p.stride_w == 1 ? 0 : ((p.out_w + p.stride_w - 1) / p.stride_w * p.stride_w + 16 + 1) / 2 * 2;
}

int64_t conv_transpose2d_depthwise_workspace_floats(const ConvTranspose2dParams& p) {
  static_assert(sizeof(conv_transpose2d_depthwise_detail::TapPlace) == 10 * sizeof(float));
  return conv_transpose2d_depthwise_phase_floats(p) + 10 * (p.kernel_h + p.kernel_w) + 2 * p.kernel_h;
}

void conv_transpose2d_depthwise(KernelIsa isa, const ConvTranspose2dParams& p, const float* x, const float* w,
                                const float* bias, float* y, int64_t plane_begin, int64_t plane_end, float* work) {
  switch (isa) {
    case KernelIsa::Avx2:
      return conv_transpose2d_depthwise_avx2(p, x, w, bias, y, plane_begin, plane_end, work);
    case KernelIsa::Avx512:
      return conv_transpose2d_depthwise_avx512(p, x, w, bias, y, plane_begin, plane_end, work);
    case KernelIsa::Scalar:
      break;
  }
  conv_transpose2d_depthwise_detail::depthwise<void>(p, x, w, bias, y, plane_begin, plane_end, work,
                                                     [&](float* values, int64_t n) {
                                                       if (p.activation.kind == Activation::None) return;
                                                       for (int64_t k = 0; k < n; ++k)
                                                         values[k] = activate_reference(p.activation, values[k]);
                                                     });
}

}  // namespace vigil::kernels
