// conv2d_nchwc's vector paths (kernels/nchwc/conv2d_nchwc.h), written once over the gemm_packed ISA traits
// (kernels/gemm_packed/gemm_packed_simd.h) for a block b equal to the vector width W (16 on AVX-512, 8 on
// AVX2). Included ONLY by conv2d_nchwc_{avx2,avx512}.cpp; everything has internal linkage
// (kernels/gemm_packed/gemm_packed_driver.h says why).
//
// Direct convolution in the style of oneDNN's and ONNX Runtime's NCHWc kernels. A register tile is PX
// output pixels of one output row x NB (1 or 2) output channel blocks: PX * NB accumulator vectors, each
// one pixel's W output channels. For every input channel c and tap (i, j) the tile loads the tap's NB
// weight vectors once (packed: W output channels of one (c, i, j) are contiguous), broadcasts x[c] of each
// of its PX input pixels and does PX * NB FMAs. Input channels are walked block by block, taps inside a
// block, then the block's W channels: the W values a pixel contributes per tap are one cache line.
//
// - Pointwise convs with stride 1 and no padding see the image as one flat run of pixels (no row ends),
//   so the tiles stay full on 7x7 and 14x14 images.
// - Other convs tile each output row. The columns whose taps all fall inside X (the interior) run in full
//   tiles along the row; the border columns (taps clipped) and the interior's tail run down the rows
//   whose kernel rows all lie inside X in column tiles (the same tiles with a row-sized pixel step); the
//   remaining top and bottom rows clip their kernel rows and run their border pixels one per tile. Nothing
//   outside X is ever read.
// - X in plain NCHW (x_plain, a run's first conv) is the same loop with groups of one channel.
// - Two output blocks share each broadcast (halving the broadcasts per FMA) when the rows of both are in
//   the call's range; the rest run with one.
// - The epilogue is gemm_packed's, in its order: + bias, (+ R first), activation, (+ R after), with its
//   vector activations (Relu, LeakyRelu, Clip inline, the others through VectorActivation::heavy).
//
// - A run of pixels that is not a multiple of the wide tile spreads the rest over its wide tiles (up to 2
//   more pixels each, AVX-512), else ends in smaller tiles or, when those would take longer (tiles of fewer
//   than 8 accumulators wait on the FMA latency), in one more wide tile overlapping the previous one (its
//   pixels computed again, to the same bits).
//
// Sums are in float, in the order (input block, i, j, lane) with one FMA rounding each, the same in every
// tile: not the Scalar path's (c, i, j) order, so results differ from it within the float-rounding
// tolerance of docs/KERNELS.md, but an output's bits do not depend on the tile or the row range that
// computes it (the engine's results are the same at any thread count).
#pragma once

#include <cstdint>

#include "kernels/gemm_packed/gemm_packed_simd.h"
#include "kernels/nchwc/conv2d_nchwc.h"
#include "kernels/nchwc/nchwc_layout.h"

namespace vigil::kernels::conv2d_nchwc_detail {
namespace {

namespace gp = gemm_packed_detail;

constexpr int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
constexpr int64_t clamp_i64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

// What every tile of one call shares, derived once from the parameters.
struct Geometry {
  const Conv2dParams* conv;
  int64_t in_h, in_w, out_h, out_w, kernel_w;
  int64_t pixel_floats;      // floats from one X pixel to the next within a channel group: W, or 1 if plain
  int64_t groups;            // channel groups of X: its blocks, or its channels if plain
  int64_t group_lanes;       // channels per group: W, or 1 if plain
  int64_t last_lanes;        // channels in the last group
  int64_t x_group_stride;    // floats between groups
  int64_t x_image_stride;    // floats between images of X
  int64_t tap_row_floats;    // X floats between kernel rows (dilation_h input rows)
  int64_t tap_col_floats;    // X floats between kernel columns
  int64_t w_channel_stride;  // packed floats between input channels: kh * kw * W
  int64_t w_block_stride;    // packed floats between output blocks: C * kh * kw * W
  int64_t out_blocks;        // MB
  int64_t y_block_stride;    // floats between output blocks of Y (and R): out_h * out_w * W
  const float* bias;         // packed bias, MB * W floats
  const float* residual;     // or null
  bool residual_first;
  Activation activation;
};

// One tile's operands: pointers at its first pixel, its first tap and its first output block.
struct TileArgs {
  const float* x;          // X for pixel 0, input group 0, tap (i0, j0)
  const float* w;          // packed weights for input channel 0, tap (i0, j0), the first output block
  int64_t taps_h, taps_w;  // kernel rows and columns inside X for every pixel of the tile
  int64_t step;            // X floats from one pixel of the tile to the next
  int64_t block;           // the first output block (bias index)
  float* y;                // Y for pixel 0 of the first output block
  const float* r;          // R at the same place, or null
  int64_t y_step;          // Y (and R) floats from one pixel of the tile to the next: W along a row
};

template <class Isa, int NB, int PX, int kStep, bool kPlain, bool kPointwise>
struct Tile {
  using F = xsimd::batch<float, typename Isa::Arch>;
  static constexpr int W = Isa::W;

  // acc[k][v] += x[c] of pixel k * the weights of channel c in output block v.
  static VIGIL_GEMM_INLINE void channel(const float* xc, const float* wc, int64_t step, int64_t w_block_stride,
                                        F (&acc)[PX][NB]) {
    F wv[NB];
#pragma GCC unroll 2
    for (int v = 0; v < NB; ++v) wv[v] = F::load_unaligned(wc + v * w_block_stride);
#pragma GCC unroll 16
    for (int k = 0; k < PX; ++k) {
      const F xv(xc[k * step]);
#pragma GCC unroll 2
      for (int v = 0; v < NB; ++v) acc[k][v] = Isa::fma(xv, wv[v], acc[k][v]);
    }
  }

  template <class Act>
  static VIGIL_GEMM_INLINE void store(const Geometry& g, const TileArgs& t, F (&acc)[PX][NB]) {
    const Act act(g.conv->activation);
#pragma GCC unroll 2
    for (int v = 0; v < NB; ++v) {
      const F bias = F::load_unaligned(g.bias + (t.block + v) * W);
      float* y = t.y + v * g.y_block_stride;
      const float* r = t.r ? t.r + v * g.y_block_stride : nullptr;
#pragma GCC unroll 16
      for (int k = 0; k < PX; ++k) {
        F s = acc[k][v] + bias;
        if (r && g.residual_first) s += F::load_unaligned(r + k * t.y_step);
        s = act(s);
        if (r && !g.residual_first) s += F::load_unaligned(r + k * t.y_step);
        s.store_unaligned(y + k * t.y_step);
      }
    }
  }

  // One accumulator per (pixel, block), every channel and tap added in the same order in every tile: an
  // output's bits do not depend on which tile computes it, so any split of the rows over threads gives the
  // same result. (Rotating the channels of small tiles over several partial sums hid their FMA latency,
  // but made the sums' order depend on the tile, and the tile on where a thread's rows began.)
  static void run(const Geometry& g, const TileArgs& t) {
    F acc[PX][NB];
#pragma GCC unroll 16
    for (int k = 0; k < PX; ++k)
#pragma GCC unroll 2
      for (int v = 0; v < NB; ++v) acc[k][v] = F(0.0f);

    const int64_t step = kStep != 0 ? kStep : t.step;
    // A 1x1 kernel's channels are W floats apart in the packing: a constant, so the unrolled lane loop
    // addresses them with displacements (AVX2 has too few registers for 8 run-time offsets).
    const int64_t wc = kPointwise ? W : g.w_channel_stride, wb = g.w_block_stride, kw = g.kernel_w;
    // The taps of one channel group into the accumulators.
    const auto group = [&](int64_t grp) __attribute__((always_inline)) {
      const float* xg = t.x + grp * g.x_group_stride;
      const float* wg = t.w + grp * g.group_lanes * wc;
      const int64_t lanes = grp + 1 < g.groups ? g.group_lanes : g.last_lanes;
      const int64_t taps_h = kPointwise ? (t.taps_h > 0 && t.taps_w > 0) : t.taps_h;
      const int64_t taps_w = kPointwise ? 1 : t.taps_w;
      for (int64_t i = 0; i < taps_h; ++i) {
        if constexpr (kPlain && kStep != 0 && PX > 1) {
          // Plain X rows are read a few floats per tile from kh * C rows at once, too many streams for the
          // hardware prefetcher: ask for the next tile's two lines of this row.
          const float* next = xg + i * g.tap_row_floats + PX * kStep;
          __builtin_prefetch(next, 0, 3);
          __builtin_prefetch(next + 16, 0, 3);
        }
        for (int64_t j = 0; j < taps_w; ++j) {
          const float* xt = xg + i * g.tap_row_floats + j * g.tap_col_floats;
          const float* wt = wg + (i * kw + j) * W;
          if constexpr (kPlain) {
            channel(xt, wt, step, wb, acc);
          } else if (lanes == W) {
#pragma GCC unroll 16
            for (int c = 0; c < W; ++c) channel(xt + c, wt + c * wc, step, wb, acc);
          } else {
            for (int64_t c = 0; c < lanes; ++c) channel(xt + c, wt + c * wc, step, wb, acc);
          }
        }
      }
    };
    for (int64_t grp = 0; grp < g.groups; ++grp) group(grp);

    switch (g.activation) {
      case Activation::None:
        store<gp::ActNone<Isa>>(g, t, acc);
        break;
      case Activation::Relu:
        store<gp::ActRelu<Isa>>(g, t, acc);
        break;
      case Activation::LeakyRelu:
        store<gp::ActLeaky<Isa>>(g, t, acc);
        break;
      case Activation::Clip:
        store<gp::ActClip<Isa>>(g, t, acc);
        break;
      default:
        store<gp::ActHeavy<Isa>>(g, t, acc);
        break;
    }
  }
};

using TileFn = void (*)(const Geometry&, const TileArgs&);

// The tile functions of one call for NB output blocks: PX = kWide (+1, +2 on AVX-512), kNarrow and 1
// pixels, all but the last specialised for the call's pixel step when it is a common one (stride 1 or 2).
template <class Isa, int NB>
struct TileSet {
  static constexpr int W = Isa::W;
  static constexpr int kWide = W == 16 ? 12 : 6;  // NB * kWide accumulators + NB weights + 1 broadcast
  // Pixels a wide tile can take on top of kWide: AVX-512 has registers for 14 x 2 accumulators, AVX2 none
  // to spare. A run of 49 or 196 pixels then ends without a small tile: 49 = 3 x 12 + 13.
  static constexpr int kStretch = W == 16 ? 2 : 0;
  static constexpr int kNarrow = W == 16 ? 4 : 2;
  TileFn wide, wide1, wide2, narrow, single;

  // A tile's time in wide-tile pixels: PX pixels, or 8 / NB when it has fewer than 8 accumulator chains
  // (two FMA ports x 4 cycles of latency: each chain then waits on its previous FMA).
  static constexpr int64_t cost(int px) { return px * NB >= 8 ? px : 8 / NB; }
  // The time of a tail of r < kWide pixels in narrow and single tiles.
  static constexpr int64_t tail_cost(int64_t r) { return r / kNarrow * cost(kNarrow) + r % kNarrow * cost(1); }

  template <int kStep, bool kPlain, bool kPointwise>
  static TileSet make() {
    TileSet s{&Tile<Isa, NB, kWide, kStep, kPlain, kPointwise>::run, nullptr, nullptr,
              &Tile<Isa, NB, kNarrow, kStep, kPlain, kPointwise>::run, &Tile<Isa, NB, 1, 0, kPlain, kPointwise>::run};
    if constexpr (kStretch == 2) {
      s.wide1 = &Tile<Isa, NB, kWide + 1, kStep, kPlain, kPointwise>::run;
      s.wide2 = &Tile<Isa, NB, kWide + 2, kStep, kPlain, kPointwise>::run;
    }
    return s;
  }
  template <bool kPointwise>
  static TileSet make_blocked(int64_t step) {
    return step == W       ? make<W, false, kPointwise>()
           : step == 2 * W ? make<2 * W, false, kPointwise>()
                           : make<0, false, kPointwise>();
  }
  // pointwise: a 1x1 kernel (blocked X only: plain X has one channel per group anyway).
  static TileSet select(bool plain, bool pointwise, int64_t step) {
    if (plain) return step == 1 ? make<1, true, false>() : step == 2 ? make<2, true, false>() : make<0, true, false>();
    return pointwise ? make_blocked<true>(step) : make_blocked<false>(step);
  }
};

template <class Isa>
class Conv {
 public:
  static constexpr int W = Isa::W;

  Conv(const Conv2dNchwcParams& p, const float* x, const float* packed, const float* residual, float* y)
      : c_(p.conv), x_(x), w_(packed), y_(y) {
    g_.conv = &c_;
    g_.in_h = c_.in_h, g_.in_w = c_.in_w, g_.out_h = c_.out_h, g_.out_w = c_.out_w, g_.kernel_w = c_.kernel_w;
    g_.pixel_floats = p.x_plain ? 1 : W;
    g_.group_lanes = p.x_plain ? 1 : W;
    g_.groups = nchwc_blocks(c_.in_channels, g_.group_lanes);
    g_.last_lanes = c_.in_channels - (g_.groups - 1) * g_.group_lanes;
    g_.x_group_stride = c_.in_h * c_.in_w * g_.pixel_floats;
    g_.x_image_stride = g_.groups * g_.x_group_stride;
    g_.tap_row_floats = c_.dilation_h * c_.in_w * g_.pixel_floats;
    g_.tap_col_floats = c_.dilation_w * g_.pixel_floats;
    g_.w_channel_stride = c_.kernel_h * c_.kernel_w * W;
    g_.w_block_stride = c_.in_channels * g_.w_channel_stride;
    g_.out_blocks = nchwc_blocks(c_.out_channels, W);
    g_.y_block_stride = c_.out_h * c_.out_w * W;
    g_.bias = packed + g_.out_blocks * g_.w_block_stride;
    g_.residual = residual;
    g_.residual_first = c_.residual_before_activation;
    g_.activation = c_.activation.kind;

    flat_ = c_.kernel_h == 1 && c_.kernel_w == 1 && c_.stride_h == 1 && c_.stride_w == 1 && c_.pad_top == 0 &&
            c_.pad_left == 0 && c_.out_h == c_.in_h && c_.out_w == c_.in_w;
    step_ = flat_ ? g_.pixel_floats : c_.stride_w * g_.pixel_floats;
    const bool pointwise = c_.kernel_h == 1 && c_.kernel_w == 1;
    one_ = TileSet<Isa, 1>::select(p.x_plain, pointwise, step_);
    two_ = TileSet<Isa, 2>::select(p.x_plain, pointwise, step_);
    column_step_ = c_.stride_h * c_.in_w * g_.pixel_floats;
    column_one_ = TileSet<Isa, 1>::select(p.x_plain, pointwise, column_step_);
    column_two_ = TileSet<Isa, 2>::select(p.x_plain, pointwise, column_step_);
    // Output rows whose kernel rows are all inside X, likewise.
    band_begin_ = clamp_i64(floor_div(c_.pad_top + c_.stride_h - 1, c_.stride_h), 0, c_.out_h);
    band_end_ = clamp_i64(floor_div(c_.in_h - 1 + c_.pad_top - (c_.kernel_h - 1) * c_.dilation_h, c_.stride_h) + 1,
                          band_begin_, c_.out_h);
    // Output columns whose taps are all inside X: ow * sw - pl >= 0 and ow * sw - pl + (kw - 1) * dw <= in_w - 1.
    interior_begin_ = clamp_i64(floor_div(c_.pad_left + c_.stride_w - 1, c_.stride_w), 0, c_.out_w);
    interior_end_ = clamp_i64(floor_div(c_.in_w - 1 + c_.pad_left - (c_.kernel_w - 1) * c_.dilation_w, c_.stride_w) + 1,
                              interior_begin_, c_.out_w);
  }

  // Rows (n * MB + mb) * out_h + oh in [row_begin, row_end): block mb's rows with block mb + 1's where both
  // are in the range (two blocks per tile), the rest one block per tile.
  void rows(int64_t row_begin, int64_t row_end) const {
    const int64_t out_h = c_.out_h, blocks = g_.out_blocks;
    for (int64_t nm = row_begin / out_h; nm * out_h < row_end;) {
      const int64_t n = nm / blocks, mb = nm % blocks;
      const int64_t lo = row_begin > nm * out_h ? row_begin - nm * out_h : 0;
      const int64_t hi = row_end - nm * out_h < out_h ? row_end - nm * out_h : out_h;
      if (mb + 1 < blocks && (nm + 1) * out_h < row_end) {
        // Block mb + 1 starts inside the range, so block mb runs to its end (hi = out_h) and the next one
        // from its row 0 to next_hi.
        const int64_t next_hi = row_end - (nm + 1) * out_h < out_h ? row_end - (nm + 1) * out_h : out_h;
        const int64_t both_hi = next_hi < hi ? next_hi : hi;
        if (lo < both_hi) block_rows<2>(two_, n, mb, lo, both_hi);
        if (both_hi < hi) block_rows<1>(one_, n, mb, both_hi > lo ? both_hi : lo, hi);
        if (lo > 0) block_rows<1>(one_, n, mb + 1, 0, lo < next_hi ? lo : next_hi);
        nm += 2;
      } else {
        block_rows<1>(one_, n, mb, lo, hi);
        nm += 1;
      }
    }
  }

 private:
  static TileArgs advance(TileArgs t, int64_t k) {
    t.x += k * t.step;
    t.y += k * t.y_step;
    if (t.r) t.r += k * t.y_step;
    return t;
  }

  // `count` pixels sharing their taps: pixel k at t.x + k * t.step and t.y + k * t.y_step.
  template <int NB>
  void pixels(const TileSet<Isa, NB>& s, const TileArgs& t, int64_t count) const {
    using Set = TileSet<Isa, NB>;
    const int64_t wide_tiles = count / Set::kWide, rest = count % Set::kWide;
    if (rest > 0 && rest <= Set::kStretch * wide_tiles) {
      // The rest spread over the wide tiles: `twos` of kWide + 2 pixels, then `ones` of kWide + 1.
      const int64_t twos = rest > wide_tiles ? rest - wide_tiles : 0, ones = rest - 2 * twos;
      int64_t k = 0;
      for (int64_t i = 0; i < wide_tiles; ++i) {
        const TileFn tile = i < twos ? s.wide2 : i < twos + ones ? s.wide1 : s.wide;
        tile(g_, advance(t, k));
        k += Set::kWide + (i < twos ? 2 : i < twos + ones ? 1 : 0);
      }
      return;
    }
    int64_t k = 0;
    for (; k + Set::kWide <= count; k += Set::kWide) s.wide(g_, advance(t, k));
    if (k > 0 && k < count && Set::tail_cost(count - k) >= Set::kWide) {
      // The tail as one more wide tile ending at the last pixel: it computes some pixels again, to the same
      // bits (every tile sums in one order), sooner than the smaller tiles would.
      s.wide(g_, advance(t, count - Set::kWide));
      return;
    }
    for (; k + Set::kNarrow <= count; k += Set::kNarrow) s.narrow(g_, advance(t, k));
    for (; k < count; ++k) s.single(g_, advance(t, k));
  }

  // Output rows [oh_begin, oh_end) of image n for the NB output blocks from mb.
  template <int NB>
  void block_rows(const TileSet<Isa, NB>& s, int64_t n, int64_t mb, int64_t oh_begin, int64_t oh_end) const {
    const int64_t pe = g_.pixel_floats, in_w = c_.in_w, out_w = c_.out_w;
    const float* x_image = x_ + n * g_.x_image_stride;
    const float* w_block = w_ + mb * g_.w_block_stride;
    const int64_t y_at = (n * g_.out_blocks + mb) * g_.y_block_stride;
    float* y_block = y_ + y_at;
    const float* r_block = g_.residual ? g_.residual + y_at : nullptr;
    if (flat_) {
      const int64_t first = oh_begin * out_w;
      const TileArgs t{x_image + first * pe,
                       w_block,
                       1,
                       1,
                       step_,
                       mb,
                       y_block + first * W,
                       r_block ? r_block + first * W : nullptr,
                       W};
      pixels<NB>(s, t, (oh_end - oh_begin) * out_w);
      return;
    }
    const int64_t kh = c_.kernel_h, kw = c_.kernel_w, dh = c_.dilation_h, dw = c_.dilation_w;
    constexpr int kWide = TileSet<Isa, NB>::kWide;
    // In the band (rows with every kernel row inside X) a row runs only its interior's whole wide tiles;
    // the other columns (borders, the interior's tail) then run down the band's rows in column tiles, so
    // they get full tiles too instead of one pixel per tile.
    const int64_t band_begin = clamp_i64(band_begin_, oh_begin, oh_end);
    const int64_t band_end = clamp_i64(band_end_, band_begin, oh_end);
    const int64_t wide_end = interior_begin_ + (interior_end_ - interior_begin_) / kWide * kWide;
    for (int64_t oh = oh_begin; oh < oh_end; ++oh) {
      // The kernel rows inside X: ih0 + i * dh in [0, in_h).
      const int64_t ih0 = oh * c_.stride_h - c_.pad_top;
      const int64_t i_begin = ih0 < 0 ? floor_div(-ih0 + dh - 1, dh) : 0;
      const int64_t i_end = ih0 > c_.in_h - 1 ? 0 : clamp_i64(floor_div(c_.in_h - 1 - ih0, dh) + 1, 0, kh);
      const int64_t taps_h = i_end > i_begin ? i_end - i_begin : 0;
      const float* x_row = taps_h > 0 ? x_image + (ih0 + i_begin * dh) * in_w * pe : x_image;
      const float* w_row = w_block + i_begin * kw * W;
      float* y_row = y_block + oh * out_w * W;
      const float* r_row = r_block ? r_block + oh * out_w * W : nullptr;
      if (oh >= band_begin && oh < band_end) {
        for (int64_t ow = interior_begin_; ow < wide_end; ow += kWide)
          s.wide(g_, TileArgs{x_row + (ow * c_.stride_w - c_.pad_left) * pe, w_row, kh, kw, step_, mb, y_row + ow * W,
                              r_row ? r_row + ow * W : nullptr, W});
        continue;
      }

      // A border column: its kernel columns clipped to X, one pixel per tile.
      const auto border = [&](int64_t ow) {
        const int64_t iw0 = ow * c_.stride_w - c_.pad_left;
        const int64_t j_begin = iw0 < 0 ? floor_div(-iw0 + dw - 1, dw) : 0;
        const int64_t j_end = iw0 > in_w - 1 ? 0 : clamp_i64(floor_div(in_w - 1 - iw0, dw) + 1, 0, kw);
        const bool inside = taps_h > 0 && j_end > j_begin;
        const TileArgs t{inside ? x_row + (iw0 + j_begin * dw) * pe : x_image,
                         w_row + (inside ? j_begin : 0) * W,
                         inside ? taps_h : 0,
                         inside ? j_end - j_begin : 0,
                         0,
                         mb,
                         y_row + ow * W,
                         r_row ? r_row + ow * W : nullptr,
                         W};
        s.single(g_, t);
      };
      if (taps_h == 0) {  // no kernel row inside X: bias and epilogue only
        for (int64_t ow = 0; ow < out_w; ++ow) border(ow);
        continue;
      }
      for (int64_t ow = 0; ow < interior_begin_; ++ow) border(ow);
      if (interior_end_ > interior_begin_) {
        const int64_t ow = interior_begin_;
        const TileArgs t{x_row + (ow * c_.stride_w - c_.pad_left) * pe,
                         w_row,
                         taps_h,
                         kw,
                         step_,
                         mb,
                         y_row + ow * W,
                         r_row ? r_row + ow * W : nullptr,
                         W};
        pixels<NB>(s, t, interior_end_ - interior_begin_);
      }
      for (int64_t ow = interior_end_; ow < out_w; ++ow) border(ow);
    }
    if (band_end == band_begin) return;
    const TileSet<Isa, NB>& column = column_set<NB>();
    const int64_t ih0 = band_begin * c_.stride_h - c_.pad_top;  // >= 0 in the band
    const auto column_run = [&](int64_t ow) {
      const int64_t iw0 = ow * c_.stride_w - c_.pad_left;
      const int64_t j_begin = iw0 < 0 ? floor_div(-iw0 + dw - 1, dw) : 0;
      const int64_t j_end = iw0 > in_w - 1 ? 0 : clamp_i64(floor_div(in_w - 1 - iw0, dw) + 1, 0, kw);
      const bool inside = j_end > j_begin;
      const int64_t y_first = (band_begin * out_w + ow) * W;
      const TileArgs t{inside ? x_image + (ih0 * in_w + iw0 + j_begin * dw) * pe : x_image,
                       w_block + (inside ? j_begin : 0) * W,
                       inside ? kh : 0,
                       inside ? j_end - j_begin : 0,
                       column_step_,
                       mb,
                       y_block + y_first,
                       r_block ? r_block + y_first : nullptr,
                       out_w * W};
      pixels<NB>(column, t, band_end - band_begin);
    };
    for (int64_t ow = 0; ow < interior_begin_; ++ow) column_run(ow);
    for (int64_t ow = wide_end; ow < out_w; ++ow) column_run(ow);
  }

  template <int NB>
  const TileSet<Isa, NB>& column_set() const {
    if constexpr (NB == 2)
      return column_two_;
    else
      return column_one_;
  }

  const Conv2dParams c_;
  const float* x_;
  const float* w_;
  float* y_;
  Geometry g_{};
  bool flat_ = false;
  int64_t step_ = 0;
  TileSet<Isa, 1> one_{};
  TileSet<Isa, 2> two_{};
  int64_t column_step_ = 0;  // X floats from one output row's pixel to the next row's (stride_h input rows)
  TileSet<Isa, 1> column_one_{};
  TileSet<Isa, 2> column_two_{};
  int64_t band_begin_ = 0, band_end_ = 0;
  int64_t interior_begin_ = 0, interior_end_ = 0;
};

}  // namespace
}  // namespace vigil::kernels::conv2d_nchwc_detail
