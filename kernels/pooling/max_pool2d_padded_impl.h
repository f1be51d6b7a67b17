// max_pool2d_padded written once over a small vector-lanes traits struct (Avx512Lanes in
// max_pool2d_fast_avx512.cpp, Avx2Lanes in max_pool2d_padded_avx2.cpp); included only by those two files,
// which compile it with their own ISA flags: internal linkage throughout.
//
// Each plane is copied, a band of rows at a time, into rows bordered with -inf (kernels/pooling/pool_window.h:
// PaddedPlane), which never replaces a running maximum, so every window runs the vector loop with the
// reference's taps in order. At stride 2 each row is split into its even and odd columns while it is
// copied, so that every tap of W outputs is one plain load: splitting per tap (two loads and a permute for
// each of a 3x3 window's 9 taps) cost more than the copy.
//   Lanes::F, Lanes::W                     vector of W floats
//   Lanes::lowest()                        W x -inf
//   Lanes::first_lanes(n)                  lane mask: lanes [0, min(n, W))
//   Lanes::load(p), store(p, v), load(p, m), store(p, m, v)   unaligned; masked
//   Lanes::deinterleave(a, b, even, odd)   the even and odd elements of the 2W floats a, b
//   Lanes::max_step(best, v)               v replaces best where v > best or v is NaN (pool_detail::max_step)
//   Lanes::max_no_nan(best, v)             v replaces best where v > best: one max instruction
//   Lanes::Nans, no_nans(), note_nans(n, v), any_nan(n)   whether the copied rows hold a NaN
//
// max_no_nan is max_step wherever the band's rows hold no NaN: with neither operand NaN, "v > best or v is
// NaN" is "v > best", and a tie (+0 against -0) keeps best, the earlier tap, as the reference does. The full
// rule (two compares, a mask merge and a blend) made each tap a chain of four dependent operations. A band
// with a NaN anywhere takes the full rule.
#pragma once

#include <cstdint>

#include "kernels/pooling/pool_window.h"
#include "kernels/pooling/pooling.h"

namespace vigil::kernels::pool_detail {
namespace {

// Output rows [oh0, oh_end) of one band, kRows rows at a time: each output vector's taps form one chain of
// dependent max steps, so several rows in flight keep the vector units busy on small planes, where a row is
// a single vector. `band` holds the bordered rows from oh0 * stride_h on, g.stride floats apart; at stride
// 2 a row is its even columns, then its odd columns g.stride / 2 floats on.
template <class Lanes, int kStride, bool kNans, int kKernelW>
void band_rows(const Pool2dParams& p, const PaddedPlane& g, const float* band, int64_t oh0, int64_t oh_end,
               float* y_p) {
  using F = typename Lanes::F;
  constexpr int W = Lanes::W;
  constexpr int kRows = 4;
  const auto step = [](F best, F v) { return kNans ? Lanes::max_step(best, v) : Lanes::max_no_nan(best, v); };
  // Where tap j of output column 0 sits in its row: padded column j * dilation_w, i.e. at stride 2 element
  // j * dw / 2 of phase (j * dw) % 2. kKernelW: the kernel width when known at compile time (2 and 3, most
  // pools), else 0.
  const int64_t kw = kKernelW > 0 ? kKernelW : p.kernel_w;
  int64_t tap[PaddedPlane::kMaxKernelW];
  for (int64_t j = 0; j < kw; ++j) {
    const int64_t col = j * p.dilation_w;
    tap[j] = kStride == 1 ? col : (col % 2) * (g.stride / 2) + col / 2;
  }
  for (int64_t ow = 0; ow < p.out_w; ow += W) {
    const auto lanes = Lanes::first_lanes(p.out_w - ow);
    int64_t oh = oh0;
    for (; oh + kRows <= oh_end; oh += kRows) {
      F best[kRows];
      for (int r = 0; r < kRows; ++r) best[r] = Lanes::lowest();
      for (int64_t i = 0; i < p.kernel_h; ++i) {
        const float* row = band + ((oh - oh0) * p.stride_h + i * p.dilation_h) * g.stride + ow;
        for (int64_t j = 0; j < kw; ++j)
          for (int r = 0; r < kRows; ++r)
            best[r] = step(best[r], Lanes::load(row + r * p.stride_h * g.stride + tap[j]));
      }
      for (int r = 0; r < kRows; ++r) Lanes::store(y_p + (oh + r) * p.out_w + ow, lanes, best[r]);
    }
    for (; oh < oh_end; ++oh) {
      F best = Lanes::lowest();
      for (int64_t i = 0; i < p.kernel_h; ++i) {
        const float* row = band + ((oh - oh0) * p.stride_h + i * p.dilation_h) * g.stride + ow;
        for (int64_t j = 0; j < kw; ++j) best = step(best, Lanes::load(row + tap[j]));
      }
      Lanes::store(y_p + oh * p.out_w + ow, lanes, best);
    }
  }
}

// band_rows with the stride, the NaN rule and the common kernel widths as compile-time constants.
template <class Lanes, int kStride, bool kNans>
void band_rows_for(const Pool2dParams& p, const PaddedPlane& g, const float* band, int64_t oh0, int64_t oh_end,
                   float* y_p) {
  if (p.kernel_w == 2)
    band_rows<Lanes, kStride, kNans, 2>(p, g, band, oh0, oh_end, y_p);
  else if (p.kernel_w == 3)
    band_rows<Lanes, kStride, kNans, 3>(p, g, band, oh0, oh_end, y_p);
  else
    band_rows<Lanes, kStride, kNans, 0>(p, g, band, oh0, oh_end, y_p);
}

// One bordered row: the image row `src` (or, with src null, -inf) into its columns. Returns the NaNs seen.
// Whole vectors first, without masks; then the last, partial one.
template <class Lanes>
typename Lanes::Nans copy_row(const Pool2dParams& p, const PaddedPlane& g, const float* src, float* row,
                              typename Lanes::Nans nans) {
  using F = typename Lanes::F;
  constexpr int W = Lanes::W;
  const int64_t n = g.copy_cols;
  if (p.stride_w == 1) {
    float* dst = row + p.pad_left;
    int64_t c = 0;
    for (; c + W <= n; c += W) {
      const F v = src ? Lanes::load(src + c) : Lanes::lowest();
      nans = Lanes::note_nans(nans, v);
      Lanes::store(dst + c, v);
    }
    if (c < n) {
      const auto lanes = Lanes::first_lanes(n - c);
      const F v = src ? Lanes::load(src + c, lanes) : Lanes::lowest();  // 0 in the lanes not loaded
      nans = Lanes::note_nans(nans, v);
      Lanes::store(dst + c, lanes, v);
    }
    return nans;
  }
  // Image column c is padded column pad_left + c: element (pad_left + c) / 2 of phase (pad_left + c) % 2.
  // A chunk of 2W image columns from c (even) splits into columns c, c + 2, .. (padded pad_left + c, ..)
  // and c + 1, c + 3, .. (padded pad_left + c + 1, ..), which start at elements (pad_left + c) / 2 and
  // (pad_left + c + 1) / 2 of their phases.
  const int64_t half = g.stride / 2;
  const bool odd_left = p.pad_left % 2 != 0;
  float* even_dst = row + (odd_left ? half : 0) + p.pad_left / 2;
  float* odd_dst = row + (odd_left ? 0 : half) + (p.pad_left + 1) / 2;
  int64_t c = 0;
  for (; c + 2 * W <= n; c += 2 * W) {
    F even = Lanes::lowest(), odd = Lanes::lowest();
    if (src) {
      const F lo = Lanes::load(src + c), hi = Lanes::load(src + c + W);
      nans = Lanes::note_nans(Lanes::note_nans(nans, lo), hi);
      Lanes::deinterleave(lo, hi, even, odd);
    }
    Lanes::store(even_dst + c / 2, even);
    Lanes::store(odd_dst + c / 2, odd);
  }
  if (c < n) {
    const int64_t rest = n - c;
    F even = Lanes::lowest(), odd = Lanes::lowest();
    if (src) {
      const F lo = Lanes::load(src + c, Lanes::first_lanes(rest)),
              hi = Lanes::load(src + c + W, Lanes::first_lanes(rest - W));
      nans = Lanes::note_nans(Lanes::note_nans(nans, lo), hi);
      Lanes::deinterleave(lo, hi, even, odd);
    }
    Lanes::store(even_dst + c / 2, Lanes::first_lanes(rest - rest / 2), even);
    Lanes::store(odd_dst + c / 2, Lanes::first_lanes(rest / 2), odd);
  }
  return nans;
}

template <class Lanes>
void max_pool2d_padded(const Pool2dParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end,
                       float* scratch) {
  constexpr int W = Lanes::W;
  const PaddedPlane g = padded_plane(p);  // its stride is a multiple of 16 floats
  // The plane goes through the scratch in bands of output rows, each band's input rows copied just before
  // they are read, so they are read from L1 (whole 112x112 planes, 72 KB, were read back from L2).
  // The borders are the same in every row of every band: -inf everywhere once, then only the image columns
  // are overwritten, with a row of the image or, above and below it, with -inf.
  for (int64_t i = 0; i < g.band_rows(p) * g.stride; i += W)
    Lanes::store(scratch + i, Lanes::first_lanes(W), Lanes::lowest());
  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    const float* x_p = x + plane * p.in_h * p.in_w;
    float* y_p = y + plane * p.out_h * p.out_w;
    for (int64_t oh0 = 0; oh0 < p.out_h; oh0 += PaddedPlane::kBandOutputRows) {
      const int64_t oh_end =
          oh0 + PaddedPlane::kBandOutputRows < p.out_h ? oh0 + PaddedPlane::kBandOutputRows : p.out_h;
      const int64_t rows = (oh_end - 1 - oh0) * p.stride_h + (p.kernel_h - 1) * p.dilation_h + 1;
      auto nans = Lanes::no_nans();
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t ih = oh0 * p.stride_h + r - p.pad_top;
        nans =
            copy_row<Lanes>(p, g, ih >= 0 && ih < p.in_h ? x_p + ih * p.in_w : nullptr, scratch + r * g.stride, nans);
      }
      const bool with_nans = Lanes::any_nan(nans);
      if (p.stride_w == 1)
        with_nans ? band_rows_for<Lanes, 1, true>(p, g, scratch, oh0, oh_end, y_p)
                  : band_rows_for<Lanes, 1, false>(p, g, scratch, oh0, oh_end, y_p);
      else
        with_nans ? band_rows_for<Lanes, 2, true>(p, g, scratch, oh0, oh_end, y_p)
                  : band_rows_for<Lanes, 2, false>(p, g, scratch, oh0, oh_end, y_p);
    }
  }
}

}  // namespace
}  // namespace vigil::kernels::pool_detail
