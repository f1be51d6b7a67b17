// The depthwise Conv3d loops, compiled once per instruction set by conv3d_depthwise{,_avx2,_avx512}.cpp
// (each with its file's target flags) over the vector traits of kernels/depthwise_conv/simd_traits.h.
// Internal linkage, and nothing instantiated from the standard library: an inline function built with
// AVX-512 flags must not be linked into the baseline files.
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/conv3d/conv3d.h"
#include "kernels/depthwise_conv/simd_traits.h"

namespace vigil::kernels::conv3d_depthwise_detail {
namespace {

using simd_detail::ceil_div;
using simd_detail::round_up;

// ---- planes: the padded, stride-phase-split copy (see conv3d_depthwise.h) ----

constexpr int64_t kLaneRound = 16;                // the widest vector: flattened planes are computed in whole ones
constexpr int64_t kMaxPaddedFloats = 64LL << 20;  // above this the rows variant runs (degenerate pads/strides)
constexpr int kMaxBlock = 8;                      // vectors of outputs kept in registers across the taps

struct PlaneGeometry {
  int64_t hq = 0, wq = 0;        // rows and columns of one stride phase
  int64_t lanes = 0;             // out_h * wq rounded up to kLaneRound: outputs computed per plane
  int64_t phase_floats = 0;      // one phase incl. the zero slack the rounded lanes read
  int64_t plane_floats = 0;      // stride_h * stride_w phases
  int64_t workspace_floats = 0;  // in_d planes + one output plane + the tap offsets (2 int64 each as floats)
                                 // + one padded input row (stride-2 rows)
};

inline PlaneGeometry plane_geometry(const Conv3dParams& p) {
  PlaneGeometry g;
  const int64_t hp = (p.out_h - 1) * p.stride_h + (p.kernel_h - 1) * p.dilation_h + 1;  // padded rows read
  const int64_t wp = (p.out_w - 1) * p.stride_w + (p.kernel_w - 1) * p.dilation_w + 1;
  g.hq = ceil_div(hp, p.stride_h);
  g.wq = ceil_div(wp, p.stride_w);
  g.lanes = round_up(p.out_h * g.wq, kLaneRound);
  const int64_t max_offset =
      ((p.kernel_h - 1) * p.dilation_h / p.stride_h) * g.wq + (p.kernel_w - 1) * p.dilation_w / p.stride_w;
  const int64_t needed = g.lanes + max_offset;
  g.phase_floats = round_up(g.hq * g.wq > needed ? g.hq * g.wq : needed, kLaneRound);
  g.plane_floats = p.stride_h * p.stride_w * g.phase_floats;
  g.workspace_floats =
      p.in_d * g.plane_floats + g.lanes + 2 * (p.kernel_h + p.kernel_w) + p.stride_w * g.wq + 2 * kLaneRound;
  return g;
}

inline bool planes_fit(const PlaneGeometry& g) { return g.workspace_floats <= kMaxPaddedFloats; }

// Copies input plane `src` [in_h, in_w] into its phases: phase (r, s) row rq column cq is padded row
// rq*sh + r, column cq*sw + s, i.e. input (rq*sh + r - pad_top, cq*sw + s - pad_left), 0 outside.
inline void pad_plane(const Conv3dParams& p, const PlaneGeometry& g, const float* src, float* dst, float* row_scratch) {
  if (p.stride_w == 2) {
    // Both column phases of a row at once from a zero-padded copy of it: every element of the copy is read,
    // so the split vectorises (a loop reading every other element alone would peel its last vector for the
    // gap, and was most of the time of X3D's stride-2 layers).
    const int64_t padded = 2 * g.wq;
    const int64_t n = p.pad_left >= padded ? 0 : (p.in_w < padded - p.pad_left ? p.in_w : padded - p.pad_left);
    std::memset(row_scratch, 0, static_cast<size_t>(padded) * sizeof(float));
    for (int64_t r = 0; r < p.stride_h; ++r) {
      float* __restrict even = dst + (r * 2) * g.phase_floats;
      float* __restrict odd = even + g.phase_floats;
      for (int64_t rq = 0; rq < g.hq; ++rq) {
        const int64_t ir = rq * p.stride_h + r - p.pad_top;
        float* e = even + rq * g.wq;
        float* o = odd + rq * g.wq;
        if (ir < 0 || ir >= p.in_h || n == 0) {
          std::memset(e, 0, static_cast<size_t>(g.wq) * sizeof(float));
          std::memset(o, 0, static_cast<size_t>(g.wq) * sizeof(float));
          continue;
        }
        std::memcpy(row_scratch + p.pad_left, src + ir * p.in_w, static_cast<size_t>(n) * sizeof(float));
        const float* __restrict t = row_scratch;
        for (int64_t cq = 0; cq < g.wq; ++cq) e[cq] = t[2 * cq], o[cq] = t[2 * cq + 1];
      }
      std::memset(even + g.hq * g.wq, 0, static_cast<size_t>(g.phase_floats - g.hq * g.wq) * sizeof(float));
      std::memset(odd + g.hq * g.wq, 0, static_cast<size_t>(g.phase_floats - g.hq * g.wq) * sizeof(float));
    }
    return;
  }
  for (int64_t r = 0; r < p.stride_h; ++r)
    for (int64_t s = 0; s < p.stride_w; ++s) {
      float* phase = dst + (r * p.stride_w + s) * g.phase_floats;
      // Columns cq with 0 <= cq*sw + s - pad_left < in_w.
      const int64_t first_col = s - p.pad_left;  // input column of cq = 0
      const int64_t lo = first_col >= 0 ? 0 : ceil_div(-first_col, p.stride_w);
      int64_t hi = first_col >= p.in_w ? 0 : ceil_div(p.in_w - first_col, p.stride_w);
      if (hi > g.wq) hi = g.wq;
      for (int64_t rq = 0; rq < g.hq; ++rq) {
        float* row = phase + rq * g.wq;
        const int64_t ir = rq * p.stride_h + r - p.pad_top;
        if (ir < 0 || ir >= p.in_h || lo >= hi) {
          std::memset(row, 0, static_cast<size_t>(g.wq) * sizeof(float));
          continue;
        }
        const float* in_row = src + ir * p.in_w + first_col;
        for (int64_t cq = 0; cq < lo; ++cq) row[cq] = 0.0f;
        if (p.stride_w == 1) {
          std::memcpy(row + lo, in_row + lo, static_cast<size_t>(hi - lo) * sizeof(float));
        } else {
          for (int64_t cq = lo; cq < hi; ++cq) row[cq] = in_row[cq * p.stride_w];
        }
        for (int64_t cq = hi; cq < g.wq; ++cq) row[cq] = 0.0f;
      }
      std::memset(phase + g.hq * g.wq, 0, static_cast<size_t>(g.phase_floats - g.hq * g.wq) * sizeof(float));
    }
}

// One block of U vectors of flattened outputs starting at lane q: bias, then every tap of the depth taps
// `planes` (count `depth_taps`, their weights `weights[t]`), in (a, i, j) order, one FMA per vector per tap.
template <class Isa, int U>
inline void block(const Conv3dParams& p, const float* const* planes, const float* const* weights, int64_t depth_taps,
                  const int64_t* row_offset, const int64_t* col_offset, float b, int64_t q, float* acc_out) {
  using F = typename Isa::F;
  F acc[U];
  for (int u = 0; u < U; ++u) acc[u] = Isa::set1(b);
  for (int64_t t = 0; t < depth_taps; ++t) {
    const float* wt = weights[t];
    for (int64_t i = 0; i < p.kernel_h; ++i) {
      const float* src_i = planes[t] + row_offset[i] + q;
      for (int64_t j = 0; j < p.kernel_w; ++j) {
        const F wv = Isa::set1(wt[i * p.kernel_w + j]);
        const float* src = src_i + col_offset[j];
        for (int u = 0; u < U; ++u) acc[u] = Isa::fma(wv, Isa::load(src + u * Isa::W), acc[u]);
      }
    }
  }
  for (int u = 0; u < U; ++u) Isa::store(acc_out + q + u * Isa::W, acc[u]);
}

template <class Isa, int U>
inline void tail_block(int u, const Conv3dParams& p, const float* const* planes, const float* const* weights,
                       int64_t depth_taps, const int64_t* row_offset, const int64_t* col_offset, float b, int64_t q,
                       float* acc_out) {
  if constexpr (U >= 1) {
    if (u == U) return block<Isa, U>(p, planes, weights, depth_taps, row_offset, col_offset, b, q, acc_out);
    tail_block<Isa, U - 1>(u, p, planes, weights, depth_taps, row_offset, col_offset, b, q, acc_out);
  }
}

template <class Isa>
void depthwise_planes(const Conv3dParams& p, const float* x, const float* w, const float* bias, float* y, int64_t first,
                      int64_t last, void* workspace) {
  const PlaneGeometry g = plane_geometry(p);
  float* padded = simd_detail::align64(workspace);
  float* acc = padded + p.in_d * g.plane_floats;
  auto* row_offset = reinterpret_cast<int64_t*>(acc + g.lanes);
  int64_t* col_offset = row_offset + p.kernel_h;
  auto* row_scratch = reinterpret_cast<float*>(col_offset + p.kernel_w);
  // Tap (i, j) of output lane q reads phase ((i*dh) % sh, (j*dw) % sw) at q + row shift * wq + column shift.
  for (int64_t i = 0; i < p.kernel_h; ++i)
    row_offset[i] =
        ((i * p.dilation_h) % p.stride_h) * p.stride_w * g.phase_floats + (i * p.dilation_h / p.stride_h) * g.wq;
  for (int64_t j = 0; j < p.kernel_w; ++j)
    col_offset[j] = ((j * p.dilation_w) % p.stride_w) * g.phase_floats + j * p.dilation_w / p.stride_w;

  const int64_t multiplier = p.out_channels / p.in_channels;
  const int64_t in_plane = p.in_h * p.in_w, out_plane = p.out_h * p.out_w;
  const int64_t taps = p.kernel_d * p.kernel_h * p.kernel_w;
  constexpr int64_t kBlockLanes = kMaxBlock * Isa::W;
  const float* planes[64];
  const float* weights[64];
  int64_t padded_channel = -1;  // (image, input channel) whose volume is in `padded`
  for (int64_t nm = first; nm < last; ++nm) {
    const int64_t n = nm / p.out_channels, m = nm % p.out_channels;
    const int64_t nc = n * p.in_channels + m / multiplier;
    if (nc != padded_channel) {
      for (int64_t d = 0; d < p.in_d; ++d)
        pad_plane(p, g, x + (nc * p.in_d + d) * in_plane, padded + d * g.plane_floats, row_scratch);
      padded_channel = nc;
    }
    const float* w_m = w + m * taps;
    const float b = bias ? bias[m] : 0.0f;
    for (int64_t od = 0; od < p.out_d; ++od) {
      float* plane = y + (nm * p.out_d + od) * out_plane;
      // Depth taps a inside the volume, in order, at most 64 at a time (more are summed in several passes
      // into the plane's accumulator: the first pass starts at the bias, later ones at the partial sums).
      int64_t a = 0;
      bool first_pass = true;
      do {
        int64_t count = 0;
        for (; a < p.kernel_d && count < 64; ++a) {
          const int64_t id = od * p.stride_d - p.pad_front + a * p.dilation_d;
          if (id < 0 || id >= p.in_d) continue;
          planes[count] = padded + id * g.plane_floats;
          weights[count] = w_m + a * p.kernel_h * p.kernel_w;
          ++count;
        }
        if (first_pass) {
          int64_t q = 0;
          for (; q + kBlockLanes <= g.lanes; q += kBlockLanes)
            block<Isa, kMaxBlock>(p, planes, weights, count, row_offset, col_offset, b, q, acc);
          if (q < g.lanes)
            tail_block<Isa, kMaxBlock>(static_cast<int>((g.lanes - q) / Isa::W), p, planes, weights, count, row_offset,
                                       col_offset, b, q, acc);
        } else {
          // Continue from the partial sums: one vector at a time (only for depth kernels over 64 taps).
          for (int64_t q = 0; q < g.lanes; q += Isa::W) {
            using F = typename Isa::F;
            F s = Isa::load(acc + q);
            for (int64_t t = 0; t < count; ++t)
              for (int64_t i = 0; i < p.kernel_h; ++i)
                for (int64_t j = 0; j < p.kernel_w; ++j)
                  s = Isa::fma(Isa::set1(weights[t][i * p.kernel_w + j]),
                               Isa::load(planes[t] + row_offset[i] + col_offset[j] + q), s);
            Isa::store(acc + q, s);
          }
        }
        first_pass = false;
      } while (a < p.kernel_d);
      for (int64_t oh = 0; oh < p.out_h; ++oh)
        std::memcpy(plane + oh * p.out_w, acc + oh * g.wq, static_cast<size_t>(p.out_w) * sizeof(float));
      if (p.activation.kind != Activation::None) Isa::activate(p.activation, plane, plane, out_plane);
    }
  }
}

// ---- rows: no workspace (see conv3d_depthwise.h) ----

// Outputs [lo, hi) along one dim whose tap at offset `offset` (= j*dilation - pad_begin) lies inside the
// input (rows and columns alike).
struct Span {
  int64_t lo, hi;
};
inline Span inside_columns(int64_t offset, int64_t stride, int64_t in_w, int64_t out_w) {
  const int64_t lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const int64_t last = in_w - 1 - offset;  // ow*stride <= last
  int64_t hi = last < 0 ? 0 : last / stride + 1;
  if (hi > out_w) hi = out_w;
  return {lo, hi > lo ? hi : lo};
}

// Per output plane: the bias, then each tap (a, i, j) added over every output row it reaches (the in-bounds
// rows and columns of a tap are found once per plane, so short rows cost little), then the activation.
template <class Isa>
void depthwise_rows(const Conv3dParams& p, const float* x, const float* w, const float* bias, float* y, int64_t first,
                    int64_t last) {
  const int64_t multiplier = p.out_channels / p.in_channels;
  const int64_t in_volume = p.in_d * p.in_h * p.in_w, out_plane = p.out_h * p.out_w;
  const int64_t taps = p.kernel_d * p.kernel_h * p.kernel_w;
  for (int64_t nm = first; nm < last; ++nm) {
    const int64_t n = nm / p.out_channels, m = nm % p.out_channels;
    const float* x_c = x + (n * p.in_channels + m / multiplier) * in_volume;
    const float* w_m = w + m * taps;
    const float b = bias ? bias[m] : 0.0f;
    for (int64_t od = 0; od < p.out_d; ++od) {
      float* plane = y + (nm * p.out_d + od) * out_plane;
      for (int64_t k = 0; k < out_plane; ++k) plane[k] = b;
      for (int64_t a = 0; a < p.kernel_d; ++a) {
        const int64_t id = od * p.stride_d - p.pad_front + a * p.dilation_d;
        if (id < 0 || id >= p.in_d) continue;
        const float* x_plane = x_c + id * p.in_h * p.in_w;
        for (int64_t i = 0; i < p.kernel_h; ++i) {
          const Span rows = inside_columns(i * p.dilation_h - p.pad_top, p.stride_h, p.in_h, p.out_h);
          for (int64_t j = 0; j < p.kernel_w; ++j) {
            const float wv = w_m[(a * p.kernel_h + i) * p.kernel_w + j];
            const int64_t offset = j * p.dilation_w - p.pad_left;
            const Span cols = inside_columns(offset, p.stride_w, p.in_w, p.out_w);
            for (int64_t oh = rows.lo; oh < rows.hi; ++oh) {
              const float* src = x_plane + (oh * p.stride_h - p.pad_top + i * p.dilation_h) * p.in_w;
              float* row = plane + oh * p.out_w;
              if (p.stride_w == 1) {  // contiguous: vectorises
                for (int64_t ow = cols.lo; ow < cols.hi; ++ow) row[ow] += wv * src[ow + offset];
              } else {
                for (int64_t ow = cols.lo; ow < cols.hi; ++ow) row[ow] += wv * src[ow * p.stride_w + offset];
              }
            }
          }
        }
      }
      if (p.activation.kind != Activation::None) Isa::activate(p.activation, plane, plane, out_plane);
    }
  }
}

template <class Isa>
void depthwise(const Conv3dParams& p, const float* x, const float* w, const float* bias, float* y, int64_t first,
               int64_t last, void* workspace) {
  if (workspace && planes_fit(plane_geometry(p)))
    depthwise_planes<Isa>(p, x, w, bias, y, first, last, workspace);
  else
    depthwise_rows<Isa>(p, x, w, bias, y, first, last);
}

}  // namespace
}  // namespace vigil::kernels::conv3d_depthwise_detail
