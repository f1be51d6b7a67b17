// The depthwise ConvTranspose2d loop, compiled once per instruction set by
// conv_transpose2d_depthwise{,_avx2,_avx512}.cpp (each with its file's target flags). Internal linkage: an
// inline function built with AVX-512 flags must not be linked into the baseline files.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "kernels/conv_transpose2d/conv_transpose2d_depthwise.h"

namespace vigil::kernels::conv_transpose2d_depthwise_detail {
namespace {

// a mod b in [0, b) for any sign of a (b > 0).
inline int64_t floor_mod(int64_t a, int64_t b) {
  const int64_t r = a % b;
  return r < 0 ? r + b : r;
}

// Where one kernel tap lands along a dim with stride s: output o = in * s + shift (shift = k*dilation -
// pad_begin) is phase ph = shift mod s, o = q * s + ph, read from input q + offset; q in [lo, hi) stays inside
// the input and the output. tap: the kernel row / column index k.
struct TapPlace {
  int64_t phase, offset, lo, hi, tap;
};
inline TapPlace place_tap(int64_t k, int64_t shift, int64_t stride, int64_t in_len, int64_t out_len) {
  TapPlace t;
  t.tap = k;
  t.phase = floor_mod(shift, stride);
  t.offset = (t.phase - shift) / stride;  // exact
  const int64_t count = t.phase < out_len ? (out_len - t.phase + stride - 1) / stride : 0;
  t.lo = std::min(count, std::max<int64_t>(0, -t.offset));
  t.hi = std::max(t.lo, std::min(count, in_len - t.offset));
  return t;
}

// Isa: a gemm_packed_*_isa.h traits struct, or void for the baseline build (no explicit vectors).
// `activate(values, n)` applies the fused activation in place (once per plane). work: the phase buffer, the
// kh row and kw column TapPlace tables (the columns sorted by phase), the kh active-row list
// (conv_transpose2d_depthwise_workspace_floats).
//
// Per output row and phase, the columns where every tap of the phase reads inside the input ([lo, hi)) are
// computed a vector at a time with the sum in a register (bias, then the taps in (i, j) order, one store);
// the few columns outside it, where a tap falls off the input, one at a time in the same order.
template <class Isa, typename Activate>
void depthwise(const ConvTranspose2dParams& p, const float* x, const float* w, const float* bias, float* y,
               int64_t plane_begin, int64_t plane_end, float* work, Activate activate) {
  const int64_t multiplier = p.out_channels / p.group;
  const int64_t in_plane = p.in_h * p.in_w, out_plane = p.out_h * p.out_w, taps = p.kernel_h * p.kernel_w;
  const int64_t kw = p.kernel_w, sh = p.stride_h, sw = p.stride_w;
  const int64_t phase_len = (p.out_w + sw - 1) / sw;  // phase 0 is the longest
  const int64_t phase_count = std::min(sw, p.out_w);  // phases holding columns
  float* phases = work;
  auto* row_places = reinterpret_cast<TapPlace*>(work + conv_transpose2d_depthwise_phase_floats(p));
  TapPlace* col_places = row_places + p.kernel_h;
  auto* active = reinterpret_cast<int64_t*>(col_places + kw);  // kernel rows feeding the current output row
  for (int64_t i = 0; i < p.kernel_h; ++i)
    row_places[i] = place_tap(i, i * p.dilation_h - p.pad_top, sh, p.in_h, p.out_h);
  // Columns by phase (counting sort, j ascending within a phase): phase ph's taps are
  // col_places[phase_start[ph] .. phase_start[ph + 1]).
  int64_t phase_start[kConvTransposeDepthwiseMaxStride + 1] = {};
  for (int64_t j = 0; j < kw; ++j) ++phase_start[floor_mod(j * p.dilation_w - p.pad_left, sw) + 1];
  for (int64_t ph = 0; ph < sw; ++ph) phase_start[ph + 1] += phase_start[ph];
  {
    int64_t next[kConvTransposeDepthwiseMaxStride] = {};
    for (int64_t j = 0; j < kw; ++j) {
      const TapPlace t = place_tap(j, j * p.dilation_w - p.pad_left, sw, p.in_w, p.out_w);
      col_places[phase_start[t.phase] + next[t.phase]++] = t;
    }
  }
  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    const int64_t n = plane / p.out_channels, m = plane % p.out_channels;
    const float* x_c = x + (n * p.in_channels + m / multiplier) * in_plane;
    const float* w_m = w + m * taps;  // [C, Mg, kh, kw]: channel c's tap block mi is block c*Mg + mi = m
    const float b = bias ? bias[m] : 0.0f;
    float* y_plane = y + plane * out_plane;
    for (int64_t oh = 0, qh = 0, phh = 0; oh < p.out_h; ++oh) {  // oh = qh * sh + phh
      float* y_row = y_plane + oh * p.out_w;
      int64_t rows = 0;
      for (int64_t i = 0; i < p.kernel_h; ++i) {
        const TapPlace& r = row_places[i];
        if (r.phase == phh && qh >= r.lo && qh < r.hi) active[rows++] = i;
      }
      for (int64_t ph = 0; ph < phase_count; ++ph) {
        const int64_t count = (p.out_w - ph + sw - 1) / sw;
        // Stride 1: one phase, the output row itself. Otherwise phase ph holds columns ph, ph + sw, ...
        float* out = sw == 1 ? y_row : phases + ph * phase_len;
        const TapPlace* cols = col_places + phase_start[ph];
        const int64_t ncols = phase_start[ph + 1] - phase_start[ph];
        int64_t lo = 0, hi = count;
        if (rows > 0)
          for (int64_t k = 0; k < ncols; ++k) lo = std::max(lo, cols[k].lo), hi = std::min(hi, cols[k].hi);
        if (lo >= hi) lo = hi = 0;  // no column where every tap reads inside: all one at a time
        auto one = [&](int64_t q) {
          float v = b;
          for (int64_t a = 0; a < rows; ++a) {
            const int64_t i = active[a];
            const float* src = x_c + (qh + row_places[i].offset) * p.in_w;
            const float* w_row = w_m + i * kw;
            for (int64_t k = 0; k < ncols; ++k)
              if (q >= cols[k].lo && q < cols[k].hi) v += w_row[cols[k].tap] * src[cols[k].offset + q];
          }
          out[q] = v;
        };
        if constexpr (std::is_void_v<Isa>) {
          for (int64_t q = lo; q < hi; ++q) one(q);
        } else {
          using F = typename Isa::F;
          constexpr int W = Isa::W;
          for (int64_t q = lo; q < hi; q += W) {
            const int lanes = static_cast<int>(std::min<int64_t>(W, hi - q));
            F v(b);
            for (int64_t a = 0; a < rows; ++a) {
              const int64_t i = active[a];
              const float* src = x_c + (qh + row_places[i].offset) * p.in_w + q;
              const float* w_row = w_m + i * kw;
              for (int64_t k = 0; k < ncols; ++k) {
                const float* s = src + cols[k].offset;
                const F xs = lanes == W ? F::load_unaligned(s) : Isa::load_partial(s, lanes);
                v = Isa::fma(F(w_row[cols[k].tap]), xs, v);
              }
            }
            // A partial vector into the phase buffer is stored whole (the buffer has a vector of room past
            // its end, the edge columns are written after): a masked store stalls the interleave's loads.
            if (lanes == W || sw > 1)
              v.store_unaligned(out + q);
            else
              Isa::store_partial(out + q, v, lanes);
          }
        }
        for (int64_t q = 0; q < lo; ++q) one(q);
        for (int64_t q = hi; q < count; ++q) one(q);
      }
      if (sw == 2) {
        const float* even = phases;
        const float* odd = phases + phase_len;
        for (int64_t q = 0; q < p.out_w / 2; ++q) {
          y_row[2 * q] = even[q];
          y_row[2 * q + 1] = odd[q];
        }
        if (p.out_w % 2) y_row[p.out_w - 1] = even[p.out_w / 2];
      } else if (sw > 2) {
        for (int64_t ph = 0; ph < phase_count; ++ph) {
          const float* a = phases + ph * phase_len;
          for (int64_t q = 0, o = ph; o < p.out_w; ++q, o += sw) y_row[o] = a[q];
        }
      }
      if (++phh == sh) phh = 0, ++qh;
    }
    activate(y_plane, out_plane);
  }
}

}  // namespace
}  // namespace vigil::kernels::conv_transpose2d_depthwise_detail
