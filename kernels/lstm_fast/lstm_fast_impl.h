// lstm_fast written once over the vector traits of kernels/depthwise_conv/simd_traits.h; included only by
// lstm_fast.cpp (scalar path, packing) and the *_avx2.cpp / *_avx512.cpp files. Internal linkage throughout.
#pragma once

#include "kernels/depthwise_conv/simd_traits.h"
#include "kernels/lstm/lstm.h"

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

// Packed W^T and R^T are column-block-major: the BW columns [n0, n0 + BW) of all K rows are contiguous,
// bt[(n0 / BW) * K * BW + k * BW + (n - n0)], so the kernel below reads one sequential stream per block (the
// row-major layout walked the K rows 2 KiB apart). The block is as wide as what the kernel consumes per k:
// R^T (batch-1 recurrent step: one row x 4 vectors) 64 columns, W^T (input projections: 8 rows x 2
// vectors) 32 columns.
constexpr int64_t kRecurrentBlock = 64;
constexpr int64_t kProjectionBlock = 32;
inline int64_t block_offset(int64_t n0, int64_t K, int64_t bw) { return n0 / bw * K * bw; }
constexpr int64_t kPrefetchRows = 16;  // rows of a block ahead: 2-4 KiB

// Fetches a region into L2, one cache line per `period` calls of step(), alongside work that does not
// need it yet. Calls after the region is done cost a compare.
struct L2Prefetcher {
  const char* next = nullptr;
  const char* end = nullptr;
  int64_t period = 1, count = 0;
  // The region [begin, begin + floats) spread over about `calls` calls of step().
  L2Prefetcher(const float* begin, int64_t floats, int64_t calls)
      : next(reinterpret_cast<const char*>(begin)), end(reinterpret_cast<const char*>(begin + floats)) {
    const int64_t lines = (floats * static_cast<int64_t>(sizeof(float)) + 63) / 64;
    period = lines > 0 && calls > lines ? calls / lines : 1;
  }
  void step() {
    if (next >= end || ++count < period) return;
    count = 0;
    __builtin_prefetch(next, 0, 2);  // locality 2: prefetcht1, into L2
    next += 64;
  }
};

// C[r][n] = (init ? init[r][n] : 0) + sum_k A[r*lda + k] * BT[k][n] for r < RB and the BW columns of one
// packed block, n in [n0, n0 + BW) (b_block = its start): RB rows x NV vectors of accumulators held across
// the k loop, NV * W columns at a time.
template <class Isa, int RB, int NV, int BW>
inline void row_block(int64_t K, const float* a, int64_t lda, const float* b_block, int64_t n0, int64_t np,
                      const float* init, int64_t init_ld, float* c, L2Prefetcher* side) {
  using F = typename Isa::F;
  constexpr int W = Isa::W;
  static_assert(BW % (NV * W) == 0, "column steps must tile a block");
  for (int64_t j0 = 0; j0 < BW; j0 += NV * W) {
    const float* b_col = b_block + j0;
    F acc[RB][NV];
    for (int r = 0; r < RB; ++r)
      for (int v = 0; v < NV; ++v) acc[r][v] = init ? Isa::load(init + r * init_ld + n0 + j0 + v * W) : Isa::set1(0.0f);
    for (int64_t k = 0; k < K; ++k) {
      // The weights of both layers (3 MB for actdet's temporal head) outgrow L2, so each run streams them
      // from L3: fetch a few KiB ahead of the hardware prefetcher.
      for (int line = 0; line < BW / 16; ++line) __builtin_prefetch(b_col + (k + kPrefetchRows) * BW + 16 * line, 0, 3);
      if (side) side->step();
      F b[NV];
      for (int v = 0; v < NV; ++v) b[v] = Isa::load(b_col + k * BW + v * W);
      for (int r = 0; r < RB; ++r) {
        const F x = Isa::set1(a[r * lda + k]);
        for (int v = 0; v < NV; ++v) acc[r][v] = Isa::fma(x, b[v], acc[r][v]);
      }
    }
    for (int r = 0; r < RB; ++r)
      for (int v = 0; v < NV; ++v) Isa::store(c + r * np + n0 + j0 + v * W, acc[r][v]);
  }
}

// All rows for one packed block at a time, the block outer, so its K x BW values (32 KiB for W^T) can serve
// the later row blocks from L1 (measured: no faster than row blocks outer on actdet's 16 rows, 0.30 ms for
// the temporal head either way). Rows in blocks of 8 x NV8 vectors, then 4 and 1 x NV1 (the batch-1
// recurrent step).
template <class Isa, int BW>
void rows_product(int64_t rows, int64_t K, const float* a, int64_t lda, const float* bt, int64_t np, const float* init,
                  int64_t init_ld, float* c, L2Prefetcher* side = nullptr) {
  constexpr int W = Isa::W;
  constexpr int NV1 = BW / W < 4 ? BW / W : 4;
  constexpr int NV8 = NV1 < 2 ? NV1 : 2;
  for (int64_t n0 = 0; n0 < np; n0 += BW) {
    const float* b_block = bt + block_offset(n0, K, BW);
    int64_t r = 0;
    for (; r + 8 <= rows; r += 8)
      row_block<Isa, 8, NV8, BW>(K, a + r * lda, lda, b_block, n0, np, init ? init + r * init_ld : nullptr, init_ld,
                                 c + r * np, side);
    for (; r + 4 <= rows; r += 4)
      row_block<Isa, 4, NV1, BW>(K, a + r * lda, lda, b_block, n0, np, init ? init + r * init_ld : nullptr, init_ld,
                                 c + r * np, side);
    for (; r < rows; ++r)
      row_block<Isa, 1, NV1, BW>(K, a + r * lda, lda, b_block, n0, np, init ? init + r * init_ld : nullptr, init_ld,
                                 c + r * np, side);
  }
}

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
