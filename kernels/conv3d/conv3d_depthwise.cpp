// depthwise Conv3d: the dispatcher and the scalar build (baseline flags; see conv3d_depthwise_impl.h).
#include "kernels/conv3d/conv3d_depthwise.h"

#include "kernels/conv3d/conv3d_depthwise_impl.h"

namespace vigil::kernels {

bool conv3d_depthwise_supported(const Conv3dParams& p) {
  return p.group == p.in_channels && p.in_channels >= 1 && p.out_channels % p.in_channels == 0;
}

void conv3d_depthwise_scalar(const Conv3dParams& p, const float* x, const float* w, const float* bias, float* y,
                             int64_t first, int64_t last) {
  conv3d_depthwise_detail::depthwise(p, x, w, bias, y, first, last, [&](float* values, int64_t n) {
    for (int64_t k = 0; k < n; ++k) values[k] = activate_reference(p.activation, values[k]);
  });
}

void conv3d_depthwise(KernelIsa isa, const Conv3dParams& p, const float* x, const float* w, const float* bias, float* y,
                      int64_t first, int64_t last) {
  switch (isa) {
    case KernelIsa::Avx2:
      return conv3d_depthwise_avx2(p, x, w, bias, y, first, last);
    case KernelIsa::Avx512:
      return conv3d_depthwise_avx512(p, x, w, bias, y, first, last);
    case KernelIsa::Scalar:
      break;
  }
  conv3d_depthwise_scalar(p, x, w, bias, y, first, last);
}

}  // namespace vigil::kernels
