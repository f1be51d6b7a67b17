// The grouped convolution written once over the vector traits of kernels/depthwise_conv/simd_traits.h, on the
// depthwise kernel's padded, phase-split planes; included only by grouped_conv.cpp (scalar) and the
// *_avx2.cpp / *_avx512.cpp files. Internal linkage throughout.
#pragma once

#include "kernels/conv2d/conv2d.h"
#include "kernels/depthwise_conv/depthwise_conv_impl.h"

namespace vigil::kernels::grouped_detail {
namespace {

using depthwise_detail::build_plane;
using depthwise_detail::Geometry;

constexpr int kOutBlock = 4;  // output channels whose accumulators share each loaded input vector

// The planes of all a group's input channels for one band share the depthwise kernel's budget for one plane
// (24 KiB): with the accumulators' block they are re-read for every block of output channels, from L1.
inline Geometry geometry(const Conv2dParams& p) {
  const int64_t per_group = p.in_channels / p.group;
  return depthwise_detail::geometry(p, depthwise_detail::kPlaneBudgetFloats / per_group);
}

// Output rows computed together, up to kMaxRows: enough that a block's accumulators fill the register file
// when a row is only a vector or two wide (14x14 and 7x7 maps), where each weight broadcast would otherwise
// feed only a few multiply-adds.
constexpr int kMaxRows = 4;

inline int64_t workspace_floats(const Conv2dParams& p) {
  const Geometry g = geometry(p);
  const int64_t per_group = p.in_channels / p.group;
  // planes, kOutBlock x kMaxRows row buffers, the kernel columns' offsets (int64), + 16: room to align
  return per_group * g.plane_floats + kOutBlock * kMaxRows * g.row_floats + 2 * p.kernel_w + 16;
}

// What one block reads and writes: the group's planes (the band's, from input row row0), its weights and
// biases, and the row buffers (OB x RB rows of row_floats).
struct Block {
  const Conv2dParams* p;
  const Geometry* g;
  const float* planes;        // per input channel of the group, plane_floats apart
  const int64_t* col_offset;  // per kernel column: where it reads in a plane row (phase and shift)
  const float* w;             // the block's first output channel's weights [cin_g][kh][kw]
  const float* bias;          // the block's first output channel's bias, or null
  int64_t cin_g, row0;
  float* row_buf;
};

// OB output channels x RB rows (from oh) x NB vectors (from ow0) into the row buffers.
template <class Isa, int OB, int RB, int NB>
inline __attribute__((always_inline)) void output_block(const Block& b, int64_t oh, int64_t ow0) {
  using F = typename Isa::F;
  constexpr int W = Isa::W;
  const Conv2dParams& p = *b.p;
  const Geometry& g = *b.g;
  const int64_t kh = p.kernel_h, kw = p.kernel_w, taps = kh * kw, w_stride = b.cin_g * taps;
  F acc[OB][RB][NB];
  for (int o = 0; o < OB; ++o)
    for (int r = 0; r < RB; ++r)
      for (int v = 0; v < NB; ++v) acc[o][r][v] = Isa::set1(b.bias ? b.bias[o] : 0.0f);
  for (int64_t ci = 0; ci < b.cin_g; ++ci) {
    const float* plane = b.planes + ci * g.plane_floats;
    const float* w_ci = b.w + ci * taps;
    for (int64_t i = 0; i < kh; ++i) {
#pragma GCC unroll 4
      for (int r = 0; r < RB; ++r) {
        const int64_t ih = (oh + r) * p.stride_h - p.pad_top + i * p.dilation_h;
        if (ih < 0 || ih >= p.in_h) continue;  // zero padding rows contribute nothing
        const float* base = plane + (ih - b.row0) * p.stride_w * g.phase_floats + ow0;
        for (int64_t j = 0; j < kw; ++j) {
          const float* src = base + b.col_offset[j];
          F xv[NB];
#pragma GCC unroll 4
          for (int v = 0; v < NB; ++v) xv[v] = Isa::load(src + v * W);
#pragma GCC unroll 4
          for (int o = 0; o < OB; ++o) {
            const F wv = Isa::set1(w_ci[o * w_stride + i * kw + j]);
#pragma GCC unroll 4
            for (int v = 0; v < NB; ++v) acc[o][r][v] = Isa::fma(wv, xv[v], acc[o][r][v]);
          }
        }
      }
    }
  }
  for (int o = 0; o < OB; ++o)
    for (int r = 0; r < RB; ++r)
      for (int v = 0; v < NB; ++v)
        Isa::store(b.row_buf + (o * kMaxRows + r) * g.row_floats + ow0 + v * W, acc[o][r][v]);
}

// Output rows oh .. oh + RB - 1 of OB output channels (y_o: the first one's plane), in blocks of as many
// vectors as keep OB x RB x NB accumulators within the register file, the last block of a row covering the
// vectors left; the lanes past out_w are computed into the row buffers and not copied.
template <class Isa, int OB, int RB>
inline void output_rows(const Block& b, int64_t oh, float* y_o) {
  constexpr int W = Isa::W;
  constexpr int kMaxAccumulators = W >= 16 ? 16 : W >= 8 ? 8 : 16;  // of 32 zmm / 16 ymm registers
  constexpr int kFit = kMaxAccumulators / (OB * RB);
  constexpr int NV = kFit < 1 ? 1 : kFit > 4 ? 4 : kFit;
  const Conv2dParams& p = *b.p;
  for (int64_t ow0 = 0; ow0 < p.out_w; ow0 += NV * W) {
    const int64_t vectors = (p.out_w - ow0 + W - 1) / W;
    if (vectors >= NV)
      output_block<Isa, OB, RB, NV>(b, oh, ow0);
    else if constexpr (NV >= 4) {
      if (vectors == 3)
        output_block<Isa, OB, RB, 3>(b, oh, ow0);
      else if (vectors == 2)
        output_block<Isa, OB, RB, 2>(b, oh, ow0);
      else
        output_block<Isa, OB, RB, 1>(b, oh, ow0);
    } else if constexpr (NV >= 2) {
      output_block<Isa, OB, RB, 1>(b, oh, ow0);
    }
  }
  const int64_t out_plane = p.out_h * p.out_w;
  for (int o = 0; o < OB; ++o)
    for (int r = 0; r < RB; ++r) {
      float* y_row = y_o + o * out_plane + (oh + r) * p.out_w;
      const float* buf = b.row_buf + (o * kMaxRows + r) * b.g->row_floats;
      for (int64_t i = 0; i < p.out_w; ++i) y_row[i] = buf[i];
    }
}

// Rows [oh0, oh1) of OB output channels: 4 rows at a time when a row is one vector, 2 when it is two, else
// one (then up to 4 vectors of it).
template <class Isa, int OB>
inline void output_channels(const Block& b, int64_t oh0, int64_t oh1, float* y_o) {
  const int64_t vectors = (b.p->out_w + Isa::W - 1) / Isa::W;
  int64_t oh = oh0;
  if (vectors <= 1)
    for (; oh + 4 <= oh1; oh += 4) output_rows<Isa, OB, 4>(b, oh, y_o);
  if (vectors <= 2)
    for (; oh + 2 <= oh1; oh += 2) output_rows<Isa, OB, 2>(b, oh, y_o);
  for (; oh < oh1; ++oh) output_rows<Isa, OB, 1>(b, oh, y_o);
}

template <class Isa>
void grouped(const Conv2dParams& p, const float* x, const float* w, const float* bias, float* y, void* workspace) {
  const Geometry g = geometry(p);
  const int64_t cin_g = p.in_channels / p.group, cout_g = p.out_channels / p.group;
  const int64_t in_plane = p.in_h * p.in_w, out_plane = p.out_h * p.out_w, taps = p.kernel_h * p.kernel_w;
  float* planes = simd_detail::align64(workspace);
  float* row_buf = planes + cin_g * g.plane_floats;
  // row_floats is a multiple of 16 floats, so the offsets stay 8-byte aligned
  int64_t* col_offset = reinterpret_cast<int64_t*>(row_buf + kOutBlock * kMaxRows * g.row_floats);
  for (int64_t j = 0; j < p.kernel_w; ++j) {
    const int64_t tap = j * p.dilation_w;
    col_offset[j] = (tap % p.stride_w) * g.phase_floats + tap / p.stride_w;
  }
  // The padding columns (build_plane writes only the image part of each row).
  for (int64_t i = 0; i < cin_g * g.plane_floats; ++i) planes[i] = 0.0f;
  Block b;
  b.p = &p;
  b.g = &g;
  b.planes = planes;
  b.col_offset = col_offset;
  b.cin_g = cin_g;
  b.row_buf = row_buf;
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t grp = 0; grp < p.group; ++grp) {
      const float* x_g = x + (n * p.in_channels + grp * cin_g) * in_plane;
      float* y_g = y + (n * p.out_channels + grp * cout_g) * out_plane;
      for (int64_t oh0 = 0; oh0 < p.out_h; oh0 += g.band_rows) {
        const int64_t oh1 = oh0 + g.band_rows < p.out_h ? oh0 + g.band_rows : p.out_h;
        const auto [r0, r1] = depthwise_detail::band_input(p, oh0, oh1);
        Conv2dParams band = p;
        band.in_h = r1 - r0;
        for (int64_t ci = 0; ci < cin_g; ++ci)
          build_plane<Isa>(band, g, x_g + ci * in_plane + r0 * p.in_w, planes + ci * g.plane_floats);
        b.row0 = r0;
        for (int64_t o0 = 0; o0 < cout_g; o0 += kOutBlock) {
          const int64_t k = grp * cout_g + o0;  // the block's first output channel
          b.w = w + k * cin_g * taps;
          b.bias = bias ? bias + k : nullptr;
          float* y_o = y_g + o0 * out_plane;
          switch (cout_g - o0 < kOutBlock ? cout_g - o0 : kOutBlock) {
            case 4:
              output_channels<Isa, 4>(b, oh0, oh1, y_o);
              break;
            case 3:
              output_channels<Isa, 3>(b, oh0, oh1, y_o);
              break;
            case 2:
              output_channels<Isa, 2>(b, oh0, oh1, y_o);
              break;
            default:
              output_channels<Isa, 1>(b, oh0, oh1, y_o);
              break;
          }
        }
      }
      // The activation once per output plane of the group, in place.
      Isa::activate(p.activation, y_g, y_g, cout_g * out_plane);
    }
  }
}

}  // namespace
}  // namespace vigil::kernels::grouped_detail
