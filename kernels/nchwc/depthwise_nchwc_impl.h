// The vector paths of depthwise_nchwc (kernels/nchwc/depthwise_nchwc.h), written once over the
// gemm_packed traits structs (gemm_packed_avx2_isa.h / gemm_packed_avx512_isa.h: Arch, W, fma) and
// instantiated in depthwise_nchwc_avx2.cpp (block 8) and depthwise_nchwc_avx512.cpp (block 16), where one
// vector is exactly one pixel's channel block.
//
// One output row (n, cb, oh) is computed in three parts: the left border pixels, whose taps may fall left
// of the image; the interior, where every tap column is inside the image, in groups of kPixels pixels whose
// accumulators stay in registers over all the taps (each tap: one weight vector load, then kPixels FMAs
// with the pixels' input vectors, read straight from memory at stride_w * b floats apart, so stride 2 costs
// no shuffles); and the right border. Kernel rows outside the image are skipped for the whole row. Taps
// are summed in (i, j) order from 0 like the Scalar path (with fused multiply-adds), then the epilogue of
// gemm_packed: + bias, + residual if before, activation (gemm_packed's vector activations), + residual
// if after.
//
// Included ONLY by the *_avx2.cpp / *_avx512.cpp files after their gemm_packed traits header; everything
// here has internal linkage (gemm_packed_driver.h says why).
#pragma once

#include <algorithm>
#include <xsimd/xsimd.hpp>

#include "kernels/gemm_packed/gemm_packed_simd.h"
#include "kernels/nchwc/depthwise_nchwc.h"
#include "kernels/nchwc/nchwc_layout.h"

namespace vigil::kernels::depthwise_nchwc_detail {
namespace {

// What one output row needs, resolved once per row.
struct RowArgs {
  const float* x_plane;   // X's (n, cb) plane: in_h * in_w pixels of b floats
  const float* weights;   // the block's packed taps: kernel_h * kernel_w vectors
  const float* bias;      // the block's b bias values
  const float* residual;  // the row of R, or null
  float* y;               // the row of Y
  int64_t ih0;            // input row of kernel row 0: oh * stride_h - pad_top
};

// kStride: stride_w when it is 1 or 2 (the pixel offsets are then constants of the instructions), else 0
// (read from the params).
template <class Isa, class Act, int kPixels, int kStride>
struct DepthwiseRows {
  using F = xsimd::batch<float, typename Isa::Arch>;
  static constexpr int64_t W = Isa::W;

  // y = act(acc + bias (+ residual)) (+ residual) for the pixel ow of the row.
  static VIGIL_GEMM_INLINE void finish(const Conv2dParams& p, const RowArgs& r, const Act& act, F bias, F acc,
                                       int64_t ow) {
    F v = acc + bias;
    if (r.residual && p.residual_before_activation) v += F::load_unaligned(r.residual + ow * W);
    v = act(v);
    if (r.residual && !p.residual_before_activation) v += F::load_unaligned(r.residual + ow * W);
    v.store_unaligned(r.y + ow * W);
  }

  // N pixels ow0 .. ow0 + N - 1 whose tap columns are all inside the image.
  template <int N>
  static VIGIL_GEMM_INLINE void interior(const Conv2dParams& p, const RowArgs& r, const Act& act, F bias, int64_t ow0) {
    F acc[N];
#pragma GCC unroll 16
    for (int k = 0; k < N; ++k) acc[k] = F(0.0f);
    const int64_t step = (kStride ? kStride : p.stride_w) * W, tap_step = p.dilation_w * W;
    const float* w = r.weights;
    for (int64_t i = 0; i < p.kernel_h; ++i, w += p.kernel_w * W) {
      const int64_t ih = r.ih0 + i * p.dilation_h;
      if (ih < 0 || ih >= p.in_h) continue;
      const float* xj = r.x_plane + (ih * p.in_w + ow0 * p.stride_w - p.pad_left) * W;
      for (int64_t j = 0; j < p.kernel_w; ++j, xj += tap_step) {
        const F wv = F::load_unaligned(w + j * W);
#pragma GCC unroll 16
        for (int k = 0; k < N; ++k) acc[k] = Isa::fma(F::load_unaligned(xj + k * step), wv, acc[k]);
      }
    }
#pragma GCC unroll 16
    for (int k = 0; k < N; ++k) finish(p, r, act, bias, acc[k], ow0 + k);
  }

  // One pixel with tap columns that may leave the image (skipped: zero padding adds nothing).
  static void border(const Conv2dParams& p, const RowArgs& r, const Act& act, F bias, int64_t ow) {
    F acc(0.0f);
    const int64_t iw0 = ow * p.stride_w - p.pad_left;
    for (int64_t i = 0; i < p.kernel_h; ++i) {
      const int64_t ih = r.ih0 + i * p.dilation_h;
      if (ih < 0 || ih >= p.in_h) continue;
      for (int64_t j = 0; j < p.kernel_w; ++j) {
        const int64_t iw = iw0 + j * p.dilation_w;
        if (iw < 0 || iw >= p.in_w) continue;
        acc = Isa::fma(F::load_unaligned(r.x_plane + (ih * p.in_w + iw) * W),
                       F::load_unaligned(r.weights + (i * p.kernel_w + j) * W), acc);
      }
    }
    finish(p, r, act, bias, acc, ow);
  }

  // The last n < kPixels interior pixels as one group.
  template <int N>
  static VIGIL_GEMM_INLINE void interior_tail(const Conv2dParams& p, const RowArgs& r, const Act& act, F bias,
                                              int64_t ow0, int64_t n) {
    if constexpr (N > 0) {
      if (n == N) return interior<N>(p, r, act, bias, ow0);
      interior_tail<N - 1>(p, r, act, bias, ow0, n);
    }
  }

  static void run(const DepthwiseNchwcParams& dp, const float* x, const float* packed, const float* residual, float* y,
                  int64_t row_begin, int64_t row_end) {
    const Conv2dParams& p = dp.conv;
    const Act act(p.activation);
    const int64_t blocks = nchwc_blocks(p.in_channels, W), taps = p.kernel_h * p.kernel_w;
    const float* packed_bias = packed + blocks * taps * W;
    // Interior columns [ow_lo, ow_hi): ow * stride_w - pad_left >= 0 and the last tap column <= in_w - 1.
    const int64_t ow_lo = std::min((p.pad_left + p.stride_w - 1) / p.stride_w, p.out_w);
    const int64_t last_start = p.in_w - 1 + p.pad_left - (p.kernel_w - 1) * p.dilation_w;
    const int64_t ow_hi = last_start < 0 ? ow_lo : std::max(ow_lo, std::min(last_start / p.stride_w + 1, p.out_w));
    for (int64_t row = row_begin; row < row_end; ++row) {
      const int64_t oh = row % p.out_h, image_block = row / p.out_h, cb = image_block % blocks;
      RowArgs r;
      r.x_plane = x + image_block * p.in_h * p.in_w * W;
      r.weights = packed + cb * taps * W;
      r.bias = packed_bias + cb * W;
      r.residual = residual ? residual + row * p.out_w * W : nullptr;
      r.y = y + row * p.out_w * W;
      r.ih0 = oh * p.stride_h - p.pad_top;
      const F bias = F::load_unaligned(r.bias);
      int64_t ow = 0;
      for (; ow < ow_lo; ++ow) border(p, r, act, bias, ow);
      for (; ow + kPixels <= ow_hi; ow += kPixels) interior<kPixels>(p, r, act, bias, ow);
      if (ow < ow_hi) interior_tail<kPixels - 1>(p, r, act, bias, ow, ow_hi - ow);
      ow = std::max(ow, ow_hi);
      for (; ow < p.out_w; ++ow) border(p, r, act, bias, ow);
    }
  }
};

template <class Isa, class Act, int kPixels>
void depthwise_nchwc_act(const DepthwiseNchwcParams& dp, const float* x, const float* packed, const float* residual,
                         float* y, int64_t row_begin, int64_t row_end) {
  switch (dp.conv.stride_w) {
    case 1:
      return DepthwiseRows<Isa, Act, kPixels, 1>::run(dp, x, packed, residual, y, row_begin, row_end);
    case 2:
      return DepthwiseRows<Isa, Act, kPixels, 2>::run(dp, x, packed, residual, y, row_begin, row_end);
    default:
      return DepthwiseRows<Isa, Act, kPixels, 0>::run(dp, x, packed, residual, y, row_begin, row_end);
  }
}

// The activation kind and the stride are dispatched once per call; the cheap kinds run inline in the
// epilogue.
template <class Isa, int kPixels>
void depthwise_nchwc_vector(const DepthwiseNchwcParams& dp, const float* x, const float* packed,
                            const float* residual, float* y, int64_t row_begin, int64_t row_end) {
  using namespace gemm_packed_detail;
  switch (dp.conv.activation.kind) {
    case Activation::None:
      return depthwise_nchwc_act<Isa, ActNone<Isa>, kPixels>(dp, x, packed, residual, y, row_begin, row_end);
    case Activation::Relu:
      return depthwise_nchwc_act<Isa, ActRelu<Isa>, kPixels>(dp, x, packed, residual, y, row_begin, row_end);
    case Activation::LeakyRelu:
      return depthwise_nchwc_act<Isa, ActLeaky<Isa>, kPixels>(dp, x, packed, residual, y, row_begin, row_end);
    case Activation::Clip:
      return depthwise_nchwc_act<Isa, ActClip<Isa>, kPixels>(dp, x, packed, residual, y, row_begin, row_end);
    default:
      return depthwise_nchwc_act<Isa, ActHeavy<Isa>, kPixels>(dp, x, packed, residual, y, row_begin, row_end);
  }
}

}  // namespace
}  // namespace vigil::kernels::depthwise_nchwc_detail
