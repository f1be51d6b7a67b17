// depthwise Conv3d: the dispatchers and the scalar build (baseline flags; see conv3d_depthwise_impl.h).
#include "kernels/conv3d/conv3d_depthwise.h"

#include "kernels/conv3d/conv3d_depthwise_impl.h"

namespace vigil::kernels {

bool conv3d_depthwise_supported(const Conv3dParams& p) {
  return p.group == p.in_channels && p.in_channels >= 1 && p.out_channels % p.in_channels == 0;
}

int64_t conv3d_depthwise_workspace_bytes(const Conv3dParams& p) {
  const auto g = conv3d_depthwise_detail::plane_geometry(p);
  if (!conv3d_depthwise_detail::planes_fit(g)) return 0;
  return g.workspace_floats * static_cast<int64_t>(sizeof(float)) + 64;  // + 64: the start is aligned inside
}

void conv3d_depthwise_scalar(const Conv3dParams& p, const float* x, const float* w, const float* bias, float* y,
                             int64_t first, int64_t last, void* workspace) {
  conv3d_depthwise_detail::depthwise<simd_detail::ScalarIsa>(p, x, w, bias, y, first, last, workspace);
}

void conv3d_depthwise(KernelIsa isa, const Conv3dParams& p, const float* x, const float* w, const float* bias, float* y,
                      int64_t first, int64_t last, void* workspace) {
  switch (isa) {
    case KernelIsa::Avx2:
      return conv3d_depthwise_avx2(p, x, w, bias, y, first, last, workspace);
    case KernelIsa::Avx512:
      return conv3d_depthwise_avx512(p, x, w, bias, y, first, last, workspace);
    case KernelIsa::Scalar:
      break;
  }
  conv3d_depthwise_scalar(p, x, w, bias, y, first, last, workspace);
}

// A null workspace selects the rows variant on every path.
void conv3d_depthwise_rows(KernelIsa isa, const Conv3dParams& p, const float* x, const float* w, const float* bias,
                           float* y, int64_t first, int64_t last) {
  switch (isa) {
    case KernelIsa::Avx2:
      return conv3d_depthwise_avx2(p, x, w, bias, y, first, last, nullptr);
    case KernelIsa::Avx512:
      return conv3d_depthwise_avx512(p, x, w, bias, y, first, last, nullptr);
    case KernelIsa::Scalar:
      break;
  }
  conv3d_depthwise_scalar(p, x, w, bias, y, first, last, nullptr);
}

}  // namespace vigil::kernels
