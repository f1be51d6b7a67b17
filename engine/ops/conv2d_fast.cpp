#include "engine/ops/conv2d_fast.h"

#include "kernels/conv2d_winograd/conv2d_winograd.h"
#include "kernels/depthwise_conv/depthwise_conv.h"

namespace vigil::ops {

namespace {
// Winograd needs at least this many output pixels per image (16 tiles of 4x4) to beat the packed GEMM
// (measured on actdet-tiny's layers: 1.3-3.8x faster at >= 16x16, 2.5-3x slower at 8x8; docs/KERNELS.md).
constexpr int64_t kWinogradMinOutputPixels = 16 * 16;
}  // namespace

std::unique_ptr<OpKernel> make_conv2d_fast(const BindContext& ctx, const kernels::Conv2dParams& p) {
  if (ctx.path == KernelPath::Reference) return nullptr;
  if (kernels::depthwise_conv_supported(p))
    if (auto k = make_conv2d_depthwise(ctx, p)) return k;
  if (kernels::conv2d_winograd_supported(p) && p.out_h * p.out_w >= kWinogradMinOutputPixels)
    if (auto k = make_conv2d_winograd(ctx, p)) return k;
  return make_conv2d_packed(ctx, p);
}

}  // namespace vigil::ops
