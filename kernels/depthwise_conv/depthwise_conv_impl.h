// The depthwise convolution written once over the vector traits of simd_traits.h; included only by
// depthwise_conv.cpp (scalar) and the *_avx2.cpp / *_avx512.cpp files. Internal linkage throughout.
#pragma once

#include "kernels/conv2d/conv2d.h"
#include "kernels/depthwise_conv/simd_traits.h"

namespace vigil::kernels::depthwise_detail {
namespace {

using simd_detail::round_up;

// Rows are computed in blocks of several rows and vectors (output_rows); buffers are sized for rows rounded
// up to 16 floats (the widest vector) so every full-vector load and store stays inside them (the extra
// columns are computed and discarded). Rounding to the 4-vector block instead (64) built and zeroed up to
// 60 % more plane than the outputs read (80-wide rows).
constexpr int64_t kRowBlock = 16;

// Output rows computed together: each row's vectors of outputs are independent multiply-add chains over the
// taps, and one row has too few of them to hide the FMA latency (output_rows).
constexpr int kRowGroup = 4;

// A channel is computed in bands of output rows whose input rows' plane fits this budget (24 KiB, half of L1):
// a whole 112x112 stride-2 plane (59 KB) went to L2 between its build and the taps' loads (MobileNetV2's
// 112 -> 56 layer took ~2x onnxruntime's time inside the model).
constexpr int64_t kPlaneBudgetFloats = 6144;

struct Geometry {
  int64_t row_floats;    // rounded output row (multiple of kRowBlock)
  int64_t phase_floats;  // floats of one stride phase of one padded input row
  int64_t band_rows;     // output rows per band (a multiple of kRowGroup, or all of them)
  int64_t plane_floats;  // the input rows a band reads at most x stride_w phases x phase_floats
};

// budget_floats: what the band's plane may hold (kernels/grouped_conv shares one budget among a group's planes).
inline Geometry geometry(const Conv2dParams& p, int64_t budget_floats = kPlaneBudgetFloats) {
  Geometry g;
  g.row_floats = round_up(p.out_w, kRowBlock);
  g.phase_floats = g.row_floats + ((p.kernel_w - 1) * p.dilation_w) / p.stride_w + 1;
  const int64_t reach = (p.kernel_h - 1) * p.dilation_h + 1;  // input rows one output row reads
  const int64_t fit = budget_floats / (p.stride_w * g.phase_floats);
  int64_t rows = fit >= reach ? (fit - reach) / p.stride_h + 1 : 1;
  rows = rows >= kRowGroup ? rows / kRowGroup * kRowGroup : kRowGroup;
  g.band_rows = rows < p.out_h ? rows : p.out_h;
  const int64_t in_rows = (g.band_rows - 1) * p.stride_h + reach;
  g.plane_floats = (in_rows < p.in_h ? in_rows : p.in_h) * p.stride_w * g.phase_floats;
  return g;
}

// The channels-in-lanes variant for small planes (depthwise_lanes below): the input of W channels stored
// pixel-major with the columns padded, [in_h][cols][W], the output [out_h * out_w][W], the taps' weights
// [kh * kw][W] and the bias [W].
constexpr int64_t kLanesMaxPixels = 16 * 16;  // input pixels per channel up to which depthwise_lanes runs
constexpr int64_t kLanesWidth = 16;           // the widest vector: buffers are sized for it

inline int64_t lanes_cols(const Conv2dParams& p) {
  const int64_t reach = (p.out_w - 1) * p.stride_w + (p.kernel_w - 1) * p.dilation_w + 1;  // padded columns read
  return reach > p.pad_left + p.in_w ? reach : p.pad_left + p.in_w;
}

inline bool use_lanes(const Conv2dParams& p) { return p.in_h * p.in_w <= kLanesMaxPixels && p.in_channels > 1; }

inline int64_t lanes_floats(const Conv2dParams& p) {
  return (p.in_h * lanes_cols(p) + p.out_h * p.out_w + p.kernel_h * p.kernel_w + 1) * kLanesWidth + 16;
}

inline int64_t plane_path_floats(const Conv2dParams& p);

// Either path may run (the scalar path has no lanes): room for both.
inline int64_t workspace_floats(const Conv2dParams& p) {
  const int64_t plane = plane_path_floats(p);
  return use_lanes(p) && lanes_floats(p) > plane ? lanes_floats(p) : plane;
}

inline int64_t plane_path_floats(const Conv2dParams& p) {
  const Geometry g = geometry(p);
  // plane, kRowGroup row buffers, the kernel columns' offsets into the plane (int64), + 16: room to align
  return g.plane_floats + kRowGroup * g.row_floats + 2 * p.kernel_w + 16;
}

// The input rows [r0, r1) that output rows [oh0, oh1) read, clipped to the image (rows in the padding are
// skipped by the taps).
struct BandInput {
  int64_t r0, r1;
};
inline BandInput band_input(const Conv2dParams& p, int64_t oh0, int64_t oh1) {
  const int64_t reach = (p.kernel_h - 1) * p.dilation_h + 1;
  int64_t r0 = oh0 * p.stride_h - p.pad_top, r1 = (oh1 - 1) * p.stride_h - p.pad_top + reach;
  r0 = r0 < 0 ? 0 : r0 > p.in_h ? p.in_h : r0;
  r1 = r1 < r0 ? r0 : r1 > p.in_h ? p.in_h : r1;
  return {r0, r1};
}

// plane[(ih * sw + ph) * phase_floats + q] = x[ih, q*sw + ph - pad_left], 0 outside the image. Per phase
// row: zeros, the image part as one plain (or strided) copy, zeros: no test per element (the per-element
// bounds check made building the plane cost more than the convolution, e.g. 10 us of each 64x64 stride-2
// channel of MobileNetV2). Stride 2 splits pairs of image columns with Isa::deinterleave2.
// The padding columns are the same for every row of every channel of a call: depthwise() zeroes the whole
// plane once per call and the rows here only overwrite their image part (zeroing the padding per row and
// channel cost two small memset calls per row, ~10 % of a 112x112 stride-2 channel). Rows [0, p.in_h) of x
// (the band's input rows: the caller passes them as the image) go to plane rows [0, p.in_h).
template <class Isa>
inline void build_plane(const Conv2dParams& p, const Geometry& g, const float* x, float* plane) {
  constexpr int W = Isa::W;
  const int64_t sw = p.stride_w, pl = p.pad_left, in_w = p.in_w, n = g.phase_floats;
  int64_t q_lo[2] = {0, 0}, q_hi[2] = {0, 0};  // per phase (sw <= 2 uses these below)
  for (int64_t ph = 0; ph < sw; ++ph) {
    // q in [lo, hi) reads inside the image: 0 <= q*sw + ph - pl < in_w.
    int64_t lo = pl - ph > 0 ? (pl - ph + sw - 1) / sw : 0;
    int64_t hi = in_w - 1 - ph + pl >= 0 ? (in_w - 1 - ph + pl) / sw + 1 : 0;
    lo = lo < n ? lo : n;
    hi = hi < n ? hi : n;
    if (hi < lo) hi = lo;
    if (ph < 2) q_lo[ph] = lo, q_hi[ph] = hi;
    const int64_t first = lo * sw + ph - pl;  // the image column of q = lo
    if (sw == 2) continue;  // the image part below, both phases at once
    for (int64_t ih = 0; ih < p.in_h; ++ih) {
      float* d = plane + (ih * sw + ph) * n;
      const float* row = x + ih * in_w + first;
      if (sw == 1)
        for (int64_t q = lo; q < hi; ++q) d[q] = row[q - lo];
      else
        for (int64_t q = lo; q < hi; ++q) d[q] = row[(q - lo) * sw];
    }
  }
  if (sw != 2) return;
  // Image column iw goes to phase (iw + pl) % 2 at q = (iw + pl) / 2: the even columns 2k to phase pl % 2
  // at q = k + pl / 2, the odd ones to the other phase at q = k + (pl + 1) / 2, as long as q < n.
  const int64_t ph_even = pl % 2, ph_odd = 1 - ph_even;
  const int64_t shift_even = pl / 2, shift_odd = (pl + 1) / 2;
  // Pairs (2k, 2k+1) with both targets inside their phase rows, W at a time.
  int64_t pairs = in_w / 2;
  if (pairs > n - shift_even) pairs = n - shift_even;
  if (pairs > n - shift_odd) pairs = n - shift_odd;
  if (pairs < 0) pairs = 0;
  for (int64_t ih = 0; ih < p.in_h; ++ih) {
    const float* row = x + ih * in_w;
    float* de = plane + (ih * 2 + ph_even) * n + shift_even;
    float* dodd = plane + (ih * 2 + ph_odd) * n + shift_odd;
    int64_t k = 0;
    for (; k + W <= pairs; k += W) Isa::deinterleave2(row + 2 * k, de + k, dodd + k);
    for (; k < pairs; ++k) de[k] = row[2 * k], dodd[k] = row[2 * k + 1];
    // The columns after the pairs (an odd last column, or pairs cut short at the phase row's end).
    for (int64_t iw = 2 * pairs; iw < in_w; ++iw) {
      const int64_t ph = (iw + pl) % 2, q = (iw + pl) / 2;
      if (q >= q_lo[ph] && q < q_hi[ph]) plane[(ih * 2 + ph) * n + q] = row[iw];
    }
  }
}

// RB rows x NB vectors of outputs, rows oh .. oh + RB - 1 from column ow0, into row_buf (RB rows of
// row_floats). col_offset[j]: where kernel column j reads in a plane row (its stride phase and shift),
// computed once per call: as a division by the stride per tap it cost more than the tap's FMAs on narrow
// rows. Kernel rows in the padding are skipped per (kernel row, output row), outside the tap loop; each
// accumulator still sums its taps row by row in order, so the loop order does not change results.
template <class Isa, int RB, int NB>
inline __attribute__((always_inline)) void output_block(const Conv2dParams& p, const Geometry& g, const float* plane,
                                                        const int64_t* col_offset, const float* w_c, float b,
                                                        int64_t oh, int64_t ow0, float* row_buf, int64_t row0) {
  using F = typename Isa::F;
  constexpr int W = Isa::W;
  const int64_t kh = p.kernel_h, kw = p.kernel_w, sw = p.stride_w;
  F acc[RB][NB];
  for (int r = 0; r < RB; ++r)
    for (int v = 0; v < NB; ++v) acc[r][v] = Isa::set1(b);
  for (int64_t i = 0; i < kh; ++i) {
    // Unrolled over the rows so that the accumulators stay in registers (a rolled loop indexes them).
#pragma GCC unroll 4
    for (int r = 0; r < RB; ++r) {
      const int64_t ih = (oh + r) * p.stride_h - p.pad_top + i * p.dilation_h;
      if (ih < 0 || ih >= p.in_h) continue;  // zero padding rows contribute nothing
      const float* base = plane + (ih - row0) * sw * g.phase_floats + ow0;  // the band's plane starts at row0
      for (int64_t j = 0; j < kw; ++j) {
        const F wv = Isa::set1(w_c[i * kw + j]);
        const float* src = base + col_offset[j];
#pragma GCC unroll 4
        for (int v = 0; v < NB; ++v) acc[r][v] = Isa::fma(wv, Isa::load(src + v * W), acc[r][v]);
      }
    }
  }
  for (int r = 0; r < RB; ++r)
    for (int v = 0; v < NB; ++v) Isa::store(row_buf + r * g.row_floats + ow0 + v * W, acc[r][v]);
}

// Output rows oh .. oh + RB - 1 into y_c, in blocks of RB rows x up to kMaxAccumulators / RB vectors: every
// tap of a block is that many independent multiply-add chains, enough to keep both FMA pipes busy (4
// chains, one row of 4 vectors or 4 rows of one vector, left them waiting on the FMA latency: MobileNetV2's
// 56x56 depthwise layers ran at ~2x onnxruntime's time). The last block of a row covers its remaining
// vectors; the lanes past out_w are computed into row_buf and not copied.
template <class Isa, int RB>
inline void output_rows(const Conv2dParams& p, const Geometry& g, const float* plane, const int64_t* col_offset,
                        const float* w_c, float b, int64_t oh, float* row_buf, float* y_c, int64_t row0) {
  constexpr int W = Isa::W;
  constexpr int kMaxAccumulators = W >= 16 ? 16 : 8;  // of 32 zmm / 16 ymm registers
  constexpr int NV = kMaxAccumulators / RB < 4 ? kMaxAccumulators / RB : 4;
  for (int64_t ow0 = 0; ow0 < p.out_w; ow0 += NV * W) {
    const int64_t vectors = (p.out_w - ow0 + W - 1) / W;
    if (vectors >= NV)
      output_block<Isa, RB, NV>(p, g, plane, col_offset, w_c, b, oh, ow0, row_buf, row0);
    else if constexpr (NV >= 4) {
      if (vectors == 3)
        output_block<Isa, RB, 3>(p, g, plane, col_offset, w_c, b, oh, ow0, row_buf, row0);
      else if (vectors == 2)
        output_block<Isa, RB, 2>(p, g, plane, col_offset, w_c, b, oh, ow0, row_buf, row0);
      else
        output_block<Isa, RB, 1>(p, g, plane, col_offset, w_c, b, oh, ow0, row_buf, row0);
    } else if constexpr (NV >= 2) {
      output_block<Isa, RB, 1>(p, g, plane, col_offset, w_c, b, oh, ow0, row_buf, row0);
    }
  }
  for (int r = 0; r < RB; ++r) {
    float* y_row = y_c + (oh + r) * p.out_w;
    const float* buf = row_buf + r * g.row_floats;
    for (int64_t i = 0; i < p.out_w; ++i) y_row[i] = buf[i];
  }
}

// Small planes (8x8, 4x4: MobileNet's late layers, actdet's A1) with W channels in the lanes of a vector:
// the per-channel plane path paid a plane build, row copies and calls per channel for a few vectors of
// work (~0.18 us per 8x8 channel, 3 % of peak). Here each tap is one vector load of W channels' inputs
// and one FMA with their W weights; the transposes in and out are plain loops over a block that stays in
// L1. Same sum, in the same order, per output as the plane path (bias, then the taps row by row, kernel
// rows in the padding skipped, padding columns read as 0), so the two give the same bits.
// Output pixels (oh, ow .. ow + NP - 1) of the channels-in-lanes layout.
template <class Isa, int NP>
inline __attribute__((always_inline)) void lanes_pixels(const Conv2dParams& p, const float* in_l, int64_t cols,
                                                        const float* w_l, typename Isa::F bv, int64_t oh, int64_t ow,
                                                        float* out_l) {
  using F = typename Isa::F;
  constexpr int W = Isa::W;
  F acc[NP];
  for (int k = 0; k < NP; ++k) acc[k] = bv;
  for (int64_t i = 0; i < p.kernel_h; ++i) {
    const int64_t ih = oh * p.stride_h - p.pad_top + i * p.dilation_h;
    if (ih < 0 || ih >= p.in_h) continue;  // as the plane path: padding rows are skipped
    const float* row = in_l + (ih * cols + ow * p.stride_w) * W;
    for (int64_t j = 0; j < p.kernel_w; ++j) {
      const F wv = Isa::load(w_l + (i * p.kernel_w + j) * W);
      const float* src = row + j * p.dilation_w * W;
      for (int k = 0; k < NP; ++k) acc[k] = Isa::fma(wv, Isa::load(src + k * p.stride_w * W), acc[k]);
    }
  }
  for (int k = 0; k < NP; ++k) Isa::store(out_l + (oh * p.out_w + ow + k) * W, acc[k]);
}

template <class Isa>
void depthwise_lanes(const Conv2dParams& p, const float* x, const float* w, const float* bias, float* y, float* buf) {
  using F = typename Isa::F;
  constexpr int W = Isa::W;
  const int64_t cols = lanes_cols(p), in_plane = p.in_h * p.in_w, out_plane = p.out_h * p.out_w;
  const int64_t taps = p.kernel_h * p.kernel_w;
  float* in_l = buf;                        // [in_h][cols][W]
  float* out_l = in_l + p.in_h * cols * W;  // [out_plane][W]
  float* w_l = out_l + out_plane * W;       // [taps][W]
  float* b_l = w_l + taps * W;              // [W]
  const int64_t channels = p.in_channels;
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t c0 = 0; c0 < channels; c0 += W) {
      const int64_t cw = channels - c0 < W ? channels - c0 : W;  // lanes in use; the rest hold zeros
      const float* x_g = x + (n * channels + c0) * in_plane;
      for (int64_t i = 0; i < p.in_h * cols * W; ++i) in_l[i] = 0.0f;
      for (int64_t ih = 0; ih < p.in_h; ++ih)
        for (int64_t iw = 0; iw < p.in_w; ++iw) {
          float* dst = in_l + (ih * cols + iw + p.pad_left) * W;
          const float* src = x_g + ih * p.in_w + iw;
          for (int64_t l = 0; l < cw; ++l) dst[l] = src[l * in_plane];
        }
      for (int64_t t = 0; t < taps; ++t)
        for (int64_t l = 0; l < W; ++l) w_l[t * W + l] = l < cw ? w[(c0 + l) * taps + t] : 0.0f;
      for (int64_t l = 0; l < W; ++l) b_l[l] = bias && l < cw ? bias[c0 + l] : 0.0f;
      const F bv = Isa::load(b_l);
      for (int64_t oh = 0; oh < p.out_h; ++oh) {
        // Four output pixels at a time: four independent FMA chains over the taps.
        int64_t ow = 0;
        for (; ow + 4 <= p.out_w; ow += 4) lanes_pixels<Isa, 4>(p, in_l, cols, w_l, bv, oh, ow, out_l);
        for (; ow < p.out_w; ++ow) lanes_pixels<Isa, 1>(p, in_l, cols, w_l, bv, oh, ow, out_l);
      }
      Isa::activate(p.activation, out_l, out_l, out_plane * W);
      float* y_g = y + (n * channels + c0) * out_plane;
      for (int64_t l = 0; l < cw; ++l) {
        float* dst = y_g + l * out_plane;
        const float* src = out_l + l;
        for (int64_t q = 0; q < out_plane; ++q) dst[q] = src[q * W];
      }
    }
  }
}

template <class Isa>
void depthwise(const Conv2dParams& p, const float* x, const float* w, const float* bias, float* y, void* workspace) {
  if (Isa::W > 1 && use_lanes(p)) {
    depthwise_lanes<Isa>(p, x, w, bias, y, simd_detail::align64(workspace));
    return;
  }
  const Geometry g = geometry(p);
  float* plane = simd_detail::align64(workspace);
  float* row_buf = plane + g.plane_floats;
  // row_floats is a multiple of 16 floats, so the offsets stay 8-byte aligned
  int64_t* col_offset = reinterpret_cast<int64_t*>(row_buf + kRowGroup * g.row_floats);
  for (int64_t j = 0; j < p.kernel_w; ++j) {
    const int64_t tap = j * p.dilation_w;
    col_offset[j] = (tap % p.stride_w) * g.phase_floats + tap / p.stride_w;
  }
  const int64_t channels = p.in_channels, out_plane = p.out_h * p.out_w;
  for (int64_t i = 0; i < g.plane_floats; ++i) plane[i] = 0.0f;  // padding columns (build_plane)
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      const float* x_c = x + (n * channels + c) * p.in_h * p.in_w;
      float* y_c = y + (n * channels + c) * out_plane;
      const float* w_c = w + c * p.kernel_h * p.kernel_w;
      const float b = bias ? bias[c] : 0.0f;
      for (int64_t oh0 = 0; oh0 < p.out_h; oh0 += g.band_rows) {
        const int64_t oh1 = oh0 + g.band_rows < p.out_h ? oh0 + g.band_rows : p.out_h;
        const auto [r0, r1] = band_input(p, oh0, oh1);
        Conv2dParams band = p;
        band.in_h = r1 - r0;
        build_plane<Isa>(band, g, x_c + r0 * p.in_w, plane);
        int64_t oh = oh0;
        for (; oh + kRowGroup <= oh1; oh += kRowGroup)
          output_rows<Isa, kRowGroup>(p, g, plane, col_offset, w_c, b, oh, row_buf, y_c, r0);
        for (; oh < oh1; ++oh) output_rows<Isa, 1>(p, g, plane, col_offset, w_c, b, oh, row_buf, y_c, r0);
      }
      // The activation once per channel plane (in place): per row it was a call per few vectors.
      Isa::activate(p.activation, y_c, y_c, out_plane);
    }
  }
}

}  // namespace
}  // namespace vigil::kernels::depthwise_detail
