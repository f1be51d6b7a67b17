// rnn_fast written once over the vector traits of kernels/depthwise_conv/simd_traits.h, on the packed
// product of kernels/recurrent_fast/packed_rows_product.h (shared with lstm_fast and gru_fast); included
// only by rnn_fast.cpp (scalar path, packing) and the *_avx2.cpp / *_avx512.cpp files. Internal linkage.
#pragma once

#include <algorithm>

#include "kernels/depthwise_conv/simd_traits.h"
#include "kernels/recurrent/sequence_rows.h"
#include "kernels/recurrent_fast/packed_rows_product.h"
#include "kernels/rnn/rnn.h"

namespace vigil::kernels::rnn_fast_detail {
namespace {

using recurrent_fast_detail::block_offset;
using recurrent_fast_detail::kProjectionBlock;
using recurrent_fast_detail::kRecurrentBlock;
using recurrent_fast_detail::L2Prefetcher;
using recurrent_fast_detail::rows_product;
using simd_detail::round_up;

constexpr int64_t kColumnBlock = 64;  // a multiple of both packed block widths

// One direction's packed block, in floats: W^T [I][np], R^T [H][np], the summed bias [np].
struct Sizes {
  int64_t H, I, np;
  int64_t wt, rt, bias, per_dir;
};

inline Sizes sizes(const RnnParams& p) {
  Sizes s;
  s.H = p.hidden_size, s.I = p.input_size;
  s.np = round_up(s.H, kColumnBlock);
  s.wt = 0;
  s.rt = s.I * s.np;
  s.bias = s.rt + s.H * s.np;
  s.per_dir = s.bias + s.np;
  return s;
}

inline int64_t workspace_floats(const RnnParams& p) {
  const Sizes s = sizes(p);
  // projections of all steps, one step's pre-activations, h; + 16 to align
  return p.seq_length * p.batch * s.np + p.batch * s.np + p.batch * s.H + 16;
}

// Directions [d_begin, d_end); each direction is independent of the others (its own packed block,
// initial state slice, output slices), so callers may run them on different threads.
template <class Isa>
void rnn(const RnnParams& p, const RnnBuffers& buf, const float* packed, void* workspace, int64_t d_begin,
         int64_t d_end) {
  const Sizes s = sizes(p);
  const recurrent::SequenceRows at = recurrent::sequence_rows(p);
  const int64_t H = s.H, B = p.batch, T = p.seq_length;
  float* proj = simd_detail::align64(workspace);
  float* pre = proj + T * B * s.np;  // [B][np]
  float* h = pre + B * s.np;         // [B][H]
  // A step's projection rows of the batch entries are x_row_stride() rows apart.
  const int64_t proj_ld = at.x_row_stride() * s.np;
  for (int64_t d = d_begin; d < d_end; ++d) {
    const float* pk = packed + d * s.per_dir;
    const float* rt = pk + s.rt;
    const bool reverse = p.direction == RnnDirection::Reverse || d == 1;
    const ActivationParams f = p.activation[d];
    // Input projections (+ bias) of every step and batch entry at once, in X's row order; meanwhile R^T is
    // fetched into L2 for the steps.
    L2Prefetcher fetch_rt(rt, H * s.np, s.np / kProjectionBlock * T * B * s.I / 8);
    rows_product<Isa, kProjectionBlock>(T * B, s.I, buf.x, s.I, pk + s.wt, s.np, pk + s.bias, 0, proj, &fetch_rt);
    for (int64_t b = 0; b < B; ++b)
      for (int64_t j = 0; j < H; ++j) h[b * H + j] = buf.initial_h ? buf.initial_h[at.state_row(d, b) * H + j] : 0.0f;
    for (int64_t step = 0; step < T; ++step) {
      const int64_t t = reverse ? T - 1 - step : step;
      rows_product<Isa, kRecurrentBlock>(B, H, h, H, rt, s.np, proj + at.x_row(t, 0) * s.np, proj_ld, pre);
      for (int64_t b = 0; b < B; ++b) {
        float* g = pre + b * s.np;
        if (p.clip > 0.0f)
          for (int64_t j = 0; j < H; ++j) g[j] = std::min(std::max(g[j], -p.clip), p.clip);
        // f straight into the state: every batch entry's product above has already read h_prev.
        Isa::activate(f, g, h + b * H, H);
        if (buf.y)
          for (int64_t j = 0; j < H; ++j) buf.y[at.y_row(t, d, b) * H + j] = h[b * H + j];
      }
    }
    if (buf.y_h)
      for (int64_t b = 0; b < B; ++b)
        for (int64_t j = 0; j < H; ++j) buf.y_h[at.state_row(d, b) * H + j] = h[b * H + j];
  }
}

}  // namespace
}  // namespace vigil::kernels::rnn_fast_detail
