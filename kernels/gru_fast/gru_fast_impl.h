// gru_fast written once over the vector traits of kernels/depthwise_conv/simd_traits.h, on the packed
// product of kernels/recurrent_fast/packed_rows_product.h (shared with lstm_fast); included only by
// gru_fast.cpp (scalar path, packing) and the *_avx2.cpp / *_avx512.cpp files. Internal linkage throughout.
#pragma once

#include <algorithm>

#include "kernels/depthwise_conv/simd_traits.h"
#include "kernels/gru/gru.h"
#include "kernels/recurrent/sequence_rows.h"
#include "kernels/recurrent_fast/packed_rows_product.h"

namespace vigil::kernels::gru_fast_detail {
namespace {

using recurrent_fast_detail::block_offset;
using recurrent_fast_detail::kProjectionBlock;
using recurrent_fast_detail::kRecurrentBlock;
using recurrent_fast_detail::L2Prefetcher;
using recurrent_fast_detail::rows_product;
using simd_detail::round_up;

constexpr int64_t kColumnBlock = 64;  // 4 vectors of 16: each column region is padded to it

// One direction's packed block, in floats: W^T [I][np] (z, r columns in [0, nzr), the candidate's from nzr),
// Rzr^T [H][nzr], Rh^T [H][nh], the projection bias [np], Rbh [nh].
struct Sizes {
  int64_t H, I, nzr, nh, np;
  int64_t wt, rzr, rh, bias, rbh, per_dir;
};

inline Sizes sizes(const GruParams& p) {
  Sizes s;
  s.H = p.hidden_size, s.I = p.input_size;
  s.nzr = round_up(2 * s.H, kColumnBlock);
  s.nh = round_up(s.H, kColumnBlock);
  s.np = s.nzr + s.nh;
  s.wt = 0;
  s.rzr = s.I * s.np;
  s.rh = s.rzr + s.H * s.nzr;
  s.bias = s.rh + s.H * s.nh;
  s.rbh = s.bias + s.np;
  s.per_dir = s.rbh + s.nh;
  return s;
}

// The packed column of gate row g of W, R or B (z [0, H), r [H, 2H), candidate [2H, 3H)).
inline int64_t column_of(const Sizes& s, int64_t g) { return g < 2 * s.H ? g : s.nzr + (g - 2 * s.H); }

inline int64_t workspace_floats(const GruParams& p) {
  const Sizes s = sizes(p);
  // projections of all steps, z/r rows, candidate rows, h, r . h; + 16 to align
  return p.seq_length * p.batch * s.np + p.batch * (s.nzr + s.nh) + 2 * p.batch * s.H + 16;
}

inline void clamp_rows(float* v, int64_t n, float clip) {
  for (int64_t i = 0; i < n; ++i) v[i] = std::min(std::max(v[i], -clip), clip);
}

// Directions [d_begin, d_end) of the layer; each direction is independent of the others (its own packed
// block, initial state slice, output slices), so callers may run them on different threads, each with
// its own workspace.
template <class Isa>
void gru(const GruParams& p, const GruBuffers& buf, const float* packed, void* workspace, int64_t d_begin,
         int64_t d_end) {
  const Sizes s = sizes(p);
  const recurrent::SequenceRows at = recurrent::sequence_rows(p);
  const int64_t H = s.H, B = p.batch, T = p.seq_length;
  float* proj = simd_detail::align64(workspace);
  float* zr = proj + T * B * s.np;  // [B][nzr]: z [0, H), r [H, 2H)
  float* cand = zr + B * s.nzr;     // [B][nh]: the candidate's recurrent term, then n
  float* h = cand + B * s.nh;       // [B][H]
  float* rh = h + B * H;            // [B][H]: r . h_prev (linear_before_reset = 0)
  const ActivationParams sigmoid{Activation::Sigmoid, 0.0f, 0.0f}, tanh_act{Activation::Tanh, 0.0f, 0.0f};
  // A step's projection rows of the batch entries are x_row_stride() rows apart.
  const int64_t proj_ld = at.x_row_stride() * s.np;
  for (int64_t d = d_begin; d < d_end; ++d) {
    const float* pk = packed + d * s.per_dir;
    const float* rzr_t = pk + s.rzr;
    const float* rh_t = pk + s.rh;
    const bool reverse = p.direction == GruDirection::Reverse || d == 1;
    // Input projections (+ the biases summed ahead) of every step and batch entry at once, in X's row
    // order; meanwhile R^T is fetched into L2 (as in lstm_fast: the first steps would wait on L3).
    L2Prefetcher fetch_rt(rzr_t, H * (s.nzr + s.nh), s.np / kProjectionBlock * T * B * s.I / 8);
    rows_product<Isa, kProjectionBlock>(T * B, s.I, buf.x, s.I, pk + s.wt, s.np, pk + s.bias, 0, proj, &fetch_rt);
    for (int64_t b = 0; b < B; ++b)
      for (int64_t j = 0; j < H; ++j) h[b * H + j] = buf.initial_h ? buf.initial_h[at.state_row(d, b) * H + j] : 0.0f;
    for (int64_t step = 0; step < T; ++step) {
      const int64_t t = reverse ? T - 1 - step : step;
      const float* proj_t = proj + at.x_row(t, 0) * s.np;
      rows_product<Isa, kRecurrentBlock>(B, H, h, H, rzr_t, s.nzr, proj_t, proj_ld, zr);
      if (p.linear_before_reset)  // Rh h + Rbh, scaled by r below
        rows_product<Isa, kRecurrentBlock>(B, H, h, H, rh_t, s.nh, pk + s.rbh, 0, cand);
      for (int64_t b = 0; b < B; ++b) {
        float* g = zr + b * s.nzr;
        if (p.clip > 0.0f) clamp_rows(g, 2 * H, p.clip);
        Isa::activate(sigmoid, g, g, 2 * H);
      }
      if (!p.linear_before_reset) {  // Rh (r . h) + the projection (which holds Wbh + Rbh)
        for (int64_t b = 0; b < B; ++b)
          for (int64_t j = 0; j < H; ++j) rh[b * H + j] = zr[b * s.nzr + H + j] * h[b * H + j];
        rows_product<Isa, kRecurrentBlock>(B, H, rh, H, rh_t, s.nh, proj_t + s.nzr, proj_ld, cand);
      }
      for (int64_t b = 0; b < B; ++b) {
        const float* z = zr + b * s.nzr;
        float* n = cand + b * s.nh;
        if (p.linear_before_reset) {
          const float* from_x = proj_t + b * proj_ld + s.nzr;
          for (int64_t j = 0; j < H; ++j) n[j] = from_x[j] + z[H + j] * n[j];
        }
        if (p.clip > 0.0f) clamp_rows(n, H, p.clip);
        Isa::activate(tanh_act, n, n, H);
        float* hb = h + b * H;
        for (int64_t j = 0; j < H; ++j) hb[j] = (1.0f - z[j]) * n[j] + z[j] * hb[j];
        if (buf.y)
          for (int64_t j = 0; j < H; ++j) buf.y[at.y_row(t, d, b) * H + j] = hb[j];
      }
    }
    if (buf.y_h)
      for (int64_t b = 0; b < B; ++b)
        for (int64_t j = 0; j < H; ++j) buf.y_h[at.state_row(d, b) * H + j] = h[b * H + j];
  }
}

}  // namespace
}  // namespace vigil::kernels::gru_fast_detail
