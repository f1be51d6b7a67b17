// The vector paths of depthwise_nchwc (kernels/nchwc/depthwise_nchwc.h), written once over the
// gemm_packed traits structs (gemm_packed_avx2_isa.h / gemm_packed_avx512_isa.h: Arch, W, fma) and
// instantiated in depthwise_nchwc_avx2.cpp (block 8) and depthwise_nchwc_avx512.cpp (block 16), where one
// vector is exactly one pixel's channel block.
//
// One output row (n, cb, oh) is computed in three parts: the left border pixels, whose taps may fall left
// of the image (only the tap columns inside it are summed); the interior, where every tap column is inside
// the image, in groups of up to kPixels pixels whose accumulators stay in registers over all the taps; and
// the right border. Kernel rows outside the image are skipped. Input vectors are read straight from the
// plane at stride_w * b floats apart, so stride 2 costs no shuffles. Two interior kernels:
//  - 3, 5 or 7 tap columns, dilation_w 1, stride_w 1 or 2 (MobileNet / EfficientNet, ConvNeXt): all
//    compile-time; per kernel row the tap weights stay in registers and each input vector is loaded once and
//    multiplied into every accumulator it feeds; the interior is cut into near-equal groups (26 pixels: 13 + 13, not
//    14 + 12 or 14 + 8 + 4);
//  - anything else: per tap one weight vector load, then one FMA per pixel of the group.
// Taps are summed in (i, j) order from 0 like the Scalar path (with fused multiply-adds), then the
// epilogue of gemm_packed: + bias, + residual if before, activation (gemm_packed's vector activations),
// + residual if after.
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
  const float* x_plane;          // X's (n, cb) plane: in_h * in_w pixels of b floats
  const float* weights;          // the block's packed taps: kernel_h * kernel_w vectors
  const float* residual_before;  // the row of R when it is added before the activation, else null
  const float* residual_after;   // the row of R when it is added after it, else null
  float* y;                      // the row of Y
  int64_t ih0;                   // input row of kernel row 0: oh * stride_h - pad_top
};

// kStride: stride_w when it is 1 or 2 (the pixel offsets are then constants of the instructions), else 0
// (read from the params).
template <class Isa, class Act, int kPixels, int kStride>
struct DepthwiseRows {
  using F = xsimd::batch<float, typename Isa::Arch>;
  static constexpr int64_t W = Isa::W;

  // y = act(acc + bias (+ residual)) (+ residual) for the pixel ow of the row.
  static VIGIL_GEMM_INLINE void finish(const RowArgs& r, const Act& act, F bias, F acc, int64_t ow) {
    F v = acc + bias;
    if (r.residual_before) v += F::load_unaligned(r.residual_before + ow * W);
    v = act(v);
    if (r.residual_after) v += F::load_unaligned(r.residual_after + ow * W);
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
    for (int k = 0; k < N; ++k) finish(r, act, bias, acc[k], ow0 + k);
  }

  // One pixel with tap columns that may leave the image: only the columns [j_lo, j_hi) inside it are
  // summed (zero padding adds nothing).
  static void border(const Conv2dParams& p, const RowArgs& r, const Act& act, F bias, int64_t ow) {
    const int64_t iw0 = ow * p.stride_w - p.pad_left, dw = p.dilation_w;
    const int64_t j_lo = iw0 < 0 ? (-iw0 + dw - 1) / dw : 0;
    const int64_t j_hi = iw0 > p.in_w - 1 ? 0 : std::min(p.kernel_w, (p.in_w - 1 - iw0) / dw + 1);
    F acc(0.0f);
    for (int64_t i = 0; i < p.kernel_h; ++i) {
      const int64_t ih = r.ih0 + i * p.dilation_h;
      if (ih < 0 || ih >= p.in_h) continue;
      const float* xr = r.x_plane + (ih * p.in_w + iw0) * W;
      const float* w = r.weights + i * p.kernel_w * W;
      for (int64_t j = j_lo; j < j_hi; ++j)
        acc = Isa::fma(F::load_unaligned(xr + j * dw * W), F::load_unaligned(w + j * W), acc);
    }
    finish(r, act, bias, acc, ow);
  }

  // N interior pixels from ow0 for a kernel KW columns wide with dilation_w 1 and stride_w kStride (both
  // compile-time): per kernel row the KW weight vectors stay in registers and each input vector is loaded
  // once and multiplied into every accumulator it feeds ((N - 1) * kStride + KW loads instead of N * KW).
  // An accumulator still receives its taps in (i, j) order: input position q = k * kStride + j grows with j.
  template <int N, int KW>
  static VIGIL_GEMM_INLINE void interior_fixed(const Conv2dParams& p, const RowArgs& r, const Act& act, F bias,
                                               int64_t ow0) {
    constexpr int Q = (N - 1) * kStride + KW;  // input positions the group reads per kernel row
    F acc[N];
#pragma GCC unroll 16
    for (int k = 0; k < N; ++k) acc[k] = F(0.0f);
    const float* w = r.weights;
    for (int64_t i = 0; i < p.kernel_h; ++i, w += KW * W) {
      const int64_t ih = r.ih0 + i * p.dilation_h;
      if (ih < 0 || ih >= p.in_h) continue;
      F wv[KW];
#pragma GCC unroll 8
      for (int j = 0; j < KW; ++j) wv[j] = F::load_unaligned(w + j * W);
      const float* xr = r.x_plane + (ih * p.in_w + ow0 * kStride - p.pad_left) * W;
#pragma GCC unroll 64
      for (int q = 0; q < Q; ++q) {
        typename F::register_type xr_q = F::load_unaligned(xr + q * W);
        __asm__("" : "+v"(xr_q));  // keep the vector in a register: GCC would re-load it for every FMA
        const F xv = xr_q;
#pragma GCC unroll 8
        for (int j = 0; j < KW; ++j) {
          const int d = q - j;  // d = k * kStride for the pixel k this tap feeds
          if (d >= 0 && d % kStride == 0 && d / kStride < N) acc[d / kStride] = Isa::fma(xv, wv[j], acc[d / kStride]);
        }
      }
    }
#pragma GCC unroll 16
    for (int k = 0; k < N; ++k) finish(r, act, bias, acc[k], ow0 + k);
  }

  // interior_fixed for a group of n (1..N) pixels, n known at run time.
  template <int N, int KW>
  static VIGIL_GEMM_INLINE void interior_fixed_n(const Conv2dParams& p, const RowArgs& r, const Act& act, F bias,
                                                 int64_t ow0, int64_t n) {
    if constexpr (N > 0) {
      if (n == N) return interior_fixed<N, KW>(p, r, act, bias, ow0);
      interior_fixed_n<N - 1, KW>(p, r, act, bias, ow0, n);
    }
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

  // The rows [row_begin, row_end); KW > 0: kernel_w == KW, dilation_w 1 and a compile-time stride (the
  // interior through interior_fixed in near-equal groups of at most kPixels), KW == 0: any kernel.
  template <int KW>
  static void rows(const DepthwiseNchwcParams& dp, const float* x, const float* packed, const float* residual, float* y,
                   int64_t row_begin, int64_t row_end) {
    const Conv2dParams& p = dp.conv;
    const Act act(p.activation);
    const int64_t blocks = nchwc_blocks(p.in_channels, W), taps = p.kernel_h * p.kernel_w;
    const float* packed_bias = packed + blocks * taps * W;
    // Interior columns [ow_lo, ow_hi): ow * stride_w - pad_left >= 0 and the last tap column <= in_w - 1.
    const int64_t ow_lo = std::min((p.pad_left + p.stride_w - 1) / p.stride_w, p.out_w);
    const int64_t last_start = p.in_w - 1 + p.pad_left - (p.kernel_w - 1) * p.dilation_w;
    const int64_t ow_hi = last_start < 0 ? ow_lo : std::max(ow_lo, std::min(last_start / p.stride_w + 1, p.out_w));
    const int64_t interior_pixels = ow_hi - ow_lo, groups = (interior_pixels + kPixels - 1) / kPixels;
    for (int64_t row = row_begin; row < row_end; ++row) {
      const int64_t oh = row % p.out_h, image_block = row / p.out_h, cb = image_block % blocks;
      RowArgs r;
      r.x_plane = x + image_block * p.in_h * p.in_w * W;
      r.weights = packed + cb * taps * W;
      const float* residual_row = residual ? residual + row * p.out_w * W : nullptr;
      r.residual_before = p.residual_before_activation ? residual_row : nullptr;
      r.residual_after = p.residual_before_activation ? nullptr : residual_row;
      r.y = y + row * p.out_w * W;
      r.ih0 = oh * p.stride_h - p.pad_top;
      const F bias = F::load_unaligned(packed_bias + cb * W);
      for (int64_t ow = 0; ow < ow_lo; ++ow) border(p, r, act, bias, ow);
      if constexpr (KW > 0) {
        // g groups: the first interior_pixels % g one pixel larger than the others.
        int64_t ow = ow_lo;
        for (int64_t g = 0; g < groups; ++g) {
          const int64_t n = interior_pixels / groups + (g < interior_pixels % groups ? 1 : 0);
          interior_fixed_n<kPixels, KW>(p, r, act, bias, ow, n);
          ow += n;
        }
      } else {
        int64_t ow = ow_lo;
        for (; ow + kPixels <= ow_hi; ow += kPixels) interior<kPixels>(p, r, act, bias, ow);
        if (ow < ow_hi) interior_tail<kPixels - 1>(p, r, act, bias, ow, ow_hi - ow);
      }
      for (int64_t ow = ow_hi; ow < p.out_w; ++ow) border(p, r, act, bias, ow);
    }
  }

  static void run(const DepthwiseNchwcParams& dp, const float* x, const float* packed, const float* residual, float* y,
                  int64_t row_begin, int64_t row_end) {
    const Conv2dParams& p = dp.conv;
    if constexpr (kStride > 0) {
      if (p.dilation_w == 1 && p.kernel_w == 3) return rows<3>(dp, x, packed, residual, y, row_begin, row_end);
      if (p.dilation_w == 1 && p.kernel_w == 5) return rows<5>(dp, x, packed, residual, y, row_begin, row_end);
      // ConvNeXt's 7x7: 7 weight vectors + kPixels accumulators + an input vector fit the register file.
      if (p.dilation_w == 1 && p.kernel_w == 7) return rows<7>(dp, x, packed, residual, y, row_begin, row_end);
    }
    rows<0>(dp, x, packed, residual, y, row_begin, row_end);
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
void depthwise_nchwc_vector(const DepthwiseNchwcParams& dp, const float* x, const float* packed, const float* residual,
                            float* y, int64_t row_begin, int64_t row_end) {
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
