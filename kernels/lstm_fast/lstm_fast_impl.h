// lstm_fast written once over the vector traits of kernels/depthwise_conv/simd_traits.h, on the packed
// product of kernels/recurrent_fast/packed_rows_product.h (shared with gru_fast); included only by
// lstm_fast.cpp (scalar path, packing) and the *_avx2.cpp / *_avx512.cpp files. Internal linkage throughout.
#pragma once

#include "kernels/depthwise_conv/simd_traits.h"
#include "kernels/lstm/lstm.h"
#include "kernels/recurrent_fast/packed_rows_product.h"

namespace vigil::kernels::lstm_fast_detail {
namespace {

using simd_detail::round_up;

constexpr int64_t kColumnBlock = 64;  // 4 vectors of 16: gate columns are padded to it

struct Sizes {
  int64_t H, I, np;
  int64_t wt, rt, per_dir;  // offsets / floats of one direction's packed block: W^T, R^T, bias
};

inline Sizes sizes(const LstmParams& p) {
  Sizes s;
  s.H = p.hidden_size, s.I = p.input_projected ? 0 : p.input_size;  // projected input: no W^T block
  s.np = round_up(4 * s.H, kColumnBlock);
  s.wt = 0;
  s.rt = s.I * s.np;
  s.per_dir = s.rt + s.H * s.np + s.np;
  return s;
}

inline int64_t workspace_floats(const LstmParams& p) {
  const Sizes s = sizes(p);
  // projections of all steps, gate rows, h, c, tanh(c); + 16 to align
  return p.seq_length * p.batch * s.np + p.batch * s.np + 3 * p.batch * s.H + 16;
}

using recurrent_fast_detail::block_offset;
using recurrent_fast_detail::kProjectionBlock;
using recurrent_fast_detail::kRecurrentBlock;
using recurrent_fast_detail::L2Prefetcher;
using recurrent_fast_detail::rows_product;

// Directions [d_begin, d_end) of the layer; each direction is independent of the others (its own packed
// block, initial state slice, output slices), so callers may run them on different threads, each with
// its own workspace.
template <class Isa>
void lstm(const LstmParams& p, const LstmBuffers& buf, const float* packed, void* workspace, int64_t d_begin,
          int64_t d_end) {
  const Sizes s = sizes(p);
  const int64_t H = s.H, B = p.batch, T = p.seq_length, D = p.num_directions();
  float* proj = simd_detail::align64(workspace);
  float* gates = proj + T * B * s.np;
  float* h = gates + B * s.np;
  float* c = h + B * H;
  float* tc = c + B * H;
  ActivationParams sigmoid{Activation::Sigmoid, 0.0f, 0.0f}, tanh_act{Activation::Tanh, 0.0f, 0.0f};
  for (int64_t d = d_begin; d < d_end; ++d) {
    const float* pk = packed + d * s.per_dir;
    const float* wt = pk + s.wt;
    const float* rt = pk + s.rt;
    const float* bias = rt + H * s.np;
    const bool reverse = p.direction == LstmDirection::Reverse || d == 1;
    // Input projections (+ both biases) of every step and batch entry at once: rows (t, b).
    // The bias row is the init of every row: init_ld = 0.
    if (p.input_projected) {  // the caller computed them: this direction's 4H columns of each row, padded
      for (int64_t row = 0; row < T * B; ++row) {
        const float* src = buf.x + row * p.input_size + d * 4 * H;
        float* dst = proj + row * s.np;
        for (int64_t g = 0; g < 4 * H; ++g) dst[g] = src[g];
        for (int64_t g = 4 * H; g < s.np; ++g) dst[g] = 0.0f;
      }
    } else {
      // The recurrent steps start with R^T in L3; fetch it into L2 meanwhile (the projection waits on its
      // FMAs, the first steps would wait on L3).
      L2Prefetcher fetch_rt(rt, H * s.np, s.np / kProjectionBlock * T * B * s.I / 8);
      rows_product<Isa, kProjectionBlock>(T * B, s.I, buf.x, s.I, wt, s.np, bias, 0, proj, &fetch_rt);
    }
    for (int64_t i = 0; i < B * H; ++i) {
      h[i] = buf.initial_h ? buf.initial_h[d * B * H + i] : 0.0f;
      c[i] = buf.initial_c ? buf.initial_c[d * B * H + i] : 0.0f;
    }
    for (int64_t step = 0; step < T; ++step) {
      const int64_t t = reverse ? T - 1 - step : step;
      rows_product<Isa, kRecurrentBlock>(B, H, h, H, rt, s.np, proj + t * B * s.np, s.np, gates);
      for (int64_t b = 0; b < B; ++b) {
        float* g = gates + b * s.np;  // i [0,H), o [H,2H), f [2H,3H), c [3H,4H)
        Isa::activate(sigmoid, g, g, 3 * H);
        Isa::activate(tanh_act, g + 3 * H, g + 3 * H, H);
        float* cb = c + b * H;
        for (int64_t j = 0; j < H; ++j) cb[j] = g[2 * H + j] * cb[j] + g[j] * g[3 * H + j];
        Isa::activate(tanh_act, cb, tc + b * H, H);
        float* hb = h + b * H;
        for (int64_t j = 0; j < H; ++j) hb[j] = g[H + j] * tc[b * H + j];
      }
      if (buf.y)
        for (int64_t i = 0; i < B * H; ++i) buf.y[(t * D + d) * B * H + i] = h[i];
    }
    for (int64_t i = 0; i < B * H; ++i) {
      if (buf.y_h) buf.y_h[d * B * H + i] = h[i];
      if (buf.y_c) buf.y_c[d * B * H + i] = c[i];
    }
  }
}

}  // namespace
}  // namespace vigil::kernels::lstm_fast_detail
