#include "engine/ops/conv2d_fast.h"

#include <algorithm>

#include "engine/ops/kernel_isa.h"
#include "kernels/activation/activation.h"
#include "kernels/conv2d_winograd/conv2d_winograd.h"
#include "kernels/depthwise_conv/depthwise_conv.h"
#include "kernels/gemm_packed/gemm_packed.h"

namespace vigil::ops {

namespace {
// Which Winograd tile (if any) beats the packed GEMM on a 3x3 stride-1 conv, by output pixels per image,
// measured in whole models (vigil bench --top 0, one thread; docs/KERNELS.md). On small images each value of
// the transformed weights U serves few tiles and U streams from memory, so the tile with the smaller U wins
// there: F(2,3) from 7x7 (actdet's L26 at 8x8: 1.80 ms vs 1.91 for the GEMM; ResNet's last stage at 7x7,
// 16 tiles of which 7x7 outputs are kept: 2.0 -> 1.4 ms per 512 -> 512 conv, session 9; F(4,3)'s 2x2 tiles
// would fill a quarter of each vector) up to 15x15; F(4,3) from 16x16. Until U was prefetched 32 KiB ahead
// (session 9) F(2,3) won at 16x16 too; since then F(4,3) does, in actdet's frame (H6 1.39 -> 1.03 ms, L18
// 0.94 -> 0.73, L20 0.26 -> 0.215).
constexpr int64_t kF4x3MinOutputPixels = 16 * 16;
constexpr int64_t kF2x3MinOutputPixels = 7 * 7;
// With few input channels the transforms cost more than the multiplies they save: the input transform is
// per input channel, the output transform per output channel, and the GEMM between them has a reduction of
// only C. Single 3x3 convs + ReLU, one thread, Winograd vs the packed/direct conv (ms, AVX-512, session 12):
// 3 -> 32 at 112x112 0.314 vs 0.111, 8 -> 32 at 112x112 0.379 vs 0.268, 16 -> 64 at 55x55 (SqueezeNet's
// first expand3x3) 0.336 vs 0.254, 16 -> 16 at 112x112 0.290 vs 0.275, 24 -> 24 at 56x56 0.167 vs 0.152;
// from 32 Winograd wins: 32 -> 32 at 64x64 (actdet's L4) 0.127 vs 0.303, 32 -> 128 at 27x27 0.146 vs 0.232.
// On AVX2 the packed and direct convs have half the vector width and the crossover comes earlier (the same
// convs, Winograd vs packed/direct, ms): 3 -> 32 0.316 vs 0.197, 8 -> 32 0.466 vs 0.508, 16 -> 64 0.434 vs
// 0.508, 16 -> 16 at 112x112 0.615 vs 0.531, 24 -> 24 0.299 vs 0.299: from 8.
constexpr int64_t kWinogradMinInChannelsAvx512 = 32;
constexpr int64_t kWinogradMinInChannels = 8;
}  // namespace

kernels::Conv2dParams kernel_params(const kernels::Conv2dParams& p) {
  kernels::Conv2dParams k = p;
  if (p.residual_before_activation) k.activation = kernels::ActivationParams{};
  return k;
}

void finish_conv_residual(const kernels::Conv2dParams& p, std::optional<kernels::KernelIsa> isa,
                          std::span<const TensorView> in, const TensorView& y) {
  if (in.size() < 4 || !in[3].present()) return;
  const int64_t batch = y.shape[0], image = y.shape.numel(1, y.shape.rank);
  const int64_t stride = y.batch_stride ? y.batch_stride : image;
  const float* r = in[3].f32();
  const bool activate = p.residual_before_activation && p.activation.kind != kernels::Activation::None;
  constexpr int64_t kChunk = 4096;  // activated right after the additions, while in L1
  for (int64_t n = 0; n < batch; ++n) {
    float* yn = y.f32() + n * stride;
    const float* rn = r + n * image;
    for (int64_t c0 = 0; c0 < image; c0 += kChunk) {
      const int64_t c1 = std::min(image, c0 + kChunk);
      for (int64_t i = c0; i < c1; ++i) yn[i] += rn[i];
      if (!activate) continue;
      if (isa)
        kernels::gemm_packed_activation(*isa, p.activation, yn + c0, yn + c0, c1 - c0);
      else
        kernels::activation_reference(p.activation, yn + c0, yn + c0, c1 - c0);
    }
  }
}

bool conv2d_runs_winograd(const kernels::Conv2dParams& p, kernels::KernelIsa isa) {
  const int64_t min_in = isa == kernels::KernelIsa::Avx512 ? kWinogradMinInChannelsAvx512 : kWinogradMinInChannels;
  return kernels::conv2d_winograd_supported(p) && p.out_h * p.out_w >= kF2x3MinOutputPixels && p.in_channels >= min_in;
}

std::unique_ptr<OpKernel> make_conv2d_fast(const BindContext& ctx, const kernels::Conv2dParams& p) {
  if (ctx.path == KernelPath::Reference) return nullptr;
  if (kernels::depthwise_conv_supported(p))
    if (auto k = make_conv2d_depthwise(ctx, p)) return k;
  if (auto k = make_conv2d_grouped(ctx, p)) return k;
  const int64_t pixels = p.out_h * p.out_w;
  const auto isa = kernel_isa(ctx.path);
  if (isa && conv2d_runs_winograd(p, *isa)) {
    // (A batch of 16x16 images goes through the Winograd kernel's batched mode: one GEMM per component over
    // a group of images, U read once per group; actdet clip, 16 frames, one thread: H6 24.3 -> 17.6 ms, L18
    // 16.8 -> 13.1 with F(4,3) rather than F(2,3).)
    const bool f4 = pixels >= kF4x3MinOutputPixels;
    const auto tile = f4 ? kernels::WinogradTile::F4x3 : kernels::WinogradTile::F2x3;
    if (auto k = make_conv2d_winograd(ctx, p, tile)) return k;
  }
  return make_conv2d_packed(ctx, p);
}

}  // namespace vigil::ops
