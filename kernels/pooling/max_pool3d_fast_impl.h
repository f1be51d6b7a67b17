// The separable MaxPool3d loop, compiled once per instruction set by max_pool3d_fast{,_avx2,_avx512}.cpp
// (each with its file's target flags; every loop is elementwise over contiguous or strided floats, which
// the compiler vectorises). Internal linkage, nothing from the standard library instantiated: an inline
// function built with AVX-512 flags must not be linked into the baseline files.
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/pooling/pool3d.h"

namespace vigil::kernels::max_pool3d_detail {
namespace {

// The reference's rule, best = v when v > best or v is NaN, as a select (a branch mispredicts on random
// data and does not vectorise).
inline float take(float best, float v) { return v > best || v != v ? v : best; }

constexpr int64_t kLanes = 16;  // the widest vector: rows are computed in whole ones

// The scratch layout: rows are out_w rounded up to kLanes (the extra columns are computed and never stored),
// so every loop runs over whole vectors without a scalar tail (X3D/C3D rows are 7 to 56 wide).
struct Layout {
  int64_t pitch = 0;                                    // out_w rounded up to kLanes
  int64_t phase = 0;                                    // one stride phase of the padded row: pitch + the taps' reach
  int64_t padded_row = 0;                               // one input row with -inf around it: stride_w phases' worth
  int64_t phases = 0, pooled = 0, rows = 0, plane = 0;  // offsets in scratch
  int64_t floats = 0;
};
inline Layout layout(const Pool3dParams& p) {
  Layout l;
  l.pitch = (p.out_w + kLanes - 1) / kLanes * kLanes;
  l.phase = l.pitch + (p.kernel_w - 1) * p.dilation_w / p.stride_w;
  l.padded_row = l.phase * p.stride_w;
  l.phases = l.padded_row;
  l.pooled = p.stride_w == 1 ? l.phases : l.phases + l.padded_row;
  l.rows = l.pooled + p.in_d * p.out_h * l.pitch;
  l.plane = l.rows + p.in_h * l.pitch;
  l.floats = l.plane + p.out_h * l.pitch;
  return l;
}

inline void fill_neg_inf(float* v, int64_t n) {
  const float neg_inf = -__builtin_huge_valf();
  for (int64_t k = 0; k < n; ++k) v[k] = neg_inf;
}
inline void take_all(float* __restrict out, const float* __restrict in, int64_t n) {
  for (int64_t k = 0; k < n; ++k) out[k] = take(out[k], in[k]);
}
// phase_p[q] = row[q * stride + p] for q < n, p < stride: stride 1 and 2 spelled out (every element of the
// row read, so the compiler vectorises them without peeling for gaps).
inline void split_phases(const float* __restrict row, float* __restrict phases, int64_t n, int64_t stride) {
  if (stride == 2) {
    float* __restrict even = phases;
    float* __restrict odd = phases + n;
    for (int64_t q = 0; q < n; ++q) even[q] = row[2 * q], odd[q] = row[2 * q + 1];
  } else {
    for (int64_t ph = 0; ph < stride; ++ph)
      for (int64_t q = 0; q < n; ++q) phases[ph * n + q] = row[q * stride + ph];
  }
}

// Volumes [volume_begin, volume_end). Per input plane: each input row copied between -inf cells and pooled
// along W (tap 0 copied, the others taken in order) into `rows`, then each output row's window rows
// combined in order into the plane's slot of `pooled`; then each output plane combines the pooled planes
// of its depth taps in order. The -inf cells stand for the padding: take(best, -inf) keeps best and
// take(-inf, v) is v bit for bit, so they change nothing, exactly as the reference skips such cells
// starting from -inf. Combining whole contiguous segments of the reference's (a, i, j) window order with
// its own rule gives its result bit for bit (the rule keeps the first of equal values and the last NaN,
// which composes over segments).
inline void pool(const Pool3dParams& p, const float* x, float* y, int64_t volume_begin, int64_t volume_end,
                 float* scratch) {
  const Layout l = layout(p);
  const int64_t in_plane = p.in_h * p.in_w, out_plane = p.out_h * p.out_w;
  float* padded_row = scratch;
  float* pooled = scratch + l.pooled;  // in_d planes [out_h, pitch]
  float* rows = scratch + l.rows;      // [in_h, pitch]
  float* plane = scratch + l.plane;    // [out_h, pitch]
  // Input columns that land in the padded row: the rest of it stays -inf for every row.
  fill_neg_inf(padded_row, l.padded_row);
  const int64_t copy_cols = p.pad_left >= l.padded_row           ? 0
                            : p.in_w < l.padded_row - p.pad_left ? p.in_w
                                                                 : l.padded_row - p.pad_left;
  for (int64_t v = volume_begin; v < volume_end; ++v) {
    const float* x_v = x + v * p.in_d * in_plane;
    for (int64_t d = 0; d < p.in_d; ++d) {
      const float* x_plane = x_v + d * in_plane;
      for (int64_t h = 0; h < p.in_h; ++h) {
        float* r = rows + h * l.pitch;
        if (copy_cols > 0)
          std::memcpy(padded_row + p.pad_left, x_plane + h * p.in_w, static_cast<size_t>(copy_cols) * sizeof(float));
        // Tap j reads phase (j*dw) % stride from column (j*dw) / stride on: contiguous.
        const float* phases = padded_row;
        if (p.stride_w > 1) {
          split_phases(padded_row, scratch + l.phases, l.phase, p.stride_w);
          phases = scratch + l.phases;
        }
        for (int64_t j = 0; j < p.kernel_w; ++j) {
          const int64_t tap = j * p.dilation_w;
          const float* src = phases + (tap % p.stride_w) * l.phase + tap / p.stride_w;
          if (j == 0)
            std::memcpy(r, src, static_cast<size_t>(l.pitch) * sizeof(float));
          else
            take_all(r, src, l.pitch);
        }
      }
      float* out = pooled + d * p.out_h * l.pitch;
      for (int64_t oh = 0; oh < p.out_h; ++oh) {
        float* o = out + oh * l.pitch;
        bool first = true;
        for (int64_t i = 0; i < p.kernel_h; ++i) {
          const int64_t h = oh * p.stride_h - p.pad_top + i * p.dilation_h;
          if (h < 0 || h >= p.in_h) continue;  // padding rows never win
          if (first)
            std::memcpy(o, rows + h * l.pitch, static_cast<size_t>(l.pitch) * sizeof(float));
          else
            take_all(o, rows + h * l.pitch, l.pitch);
          first = false;
        }
        if (first) fill_neg_inf(o, l.pitch);  // no row inside (the engine rejects such pools)
      }
    }
    for (int64_t od = 0; od < p.out_d; ++od) {
      // Straight into y when its rows need no compaction.
      float* out = l.pitch == p.out_w ? y + (v * p.out_d + od) * out_plane : plane;
      bool first = true;
      for (int64_t a = 0; a < p.kernel_d; ++a) {
        const int64_t id = od * p.stride_d - p.pad_front + a * p.dilation_d;
        if (id < 0 || id >= p.in_d) continue;  // depth padding never wins
        const float* src = pooled + id * p.out_h * l.pitch;
        if (first)
          std::memcpy(out, src, static_cast<size_t>(p.out_h * l.pitch) * sizeof(float));
        else
          take_all(out, src, p.out_h * l.pitch);
        first = false;
      }
      if (first) fill_neg_inf(out, p.out_h * l.pitch);  // no tap inside (the engine rejects such pools)
      if (out == plane)
        for (int64_t oh = 0; oh < p.out_h; ++oh)
          std::memcpy(y + (v * p.out_d + od) * out_plane + oh * p.out_w, plane + oh * l.pitch,
                      static_cast<size_t>(p.out_w) * sizeof(float));
    }
  }
}

}  // namespace
}  // namespace vigil::kernels::max_pool3d_detail
