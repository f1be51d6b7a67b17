// The packed-weight product both recurrent fast kernels (lstm_fast, gru_fast) are built on: rows of
// inputs (all steps' x for the input projections, or the batch's h for one recurrent step) times a
// transposed weight matrix packed column-block-major, with an optional initial value per row (the
// biases, or a step's input projections). Written once over the vector traits of
// kernels/depthwise_conv/simd_traits.h; included only by the kernels' baseline and *_avx2 / *_avx512
// files, which compile it with their own ISA flags: internal linkage throughout.
#pragma once

#include <cstdint>

#include "kernels/depthwise_conv/simd_traits.h"

namespace vigil::kernels::recurrent_fast_detail {
namespace {

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
      // The weights of both layers (3 MB for actdet's temporal head) outgrow L2, so each run streams the
      // projections' W^T from L3: fetch a few KiB ahead of the hardware prefetcher. Not R^T: a recurrent step
      // reads it from L2 (the side prefetcher put it there during the projections), where the 4 prefetches
      // per k only took load slots from its 4 loads (actdet temporal, one thread, 8 alternating rounds:
      // AVX-512 0.306 -> 0.295 ms, AVX2 0.519 -> 0.472 ms without them).
      if constexpr (BW != kRecurrentBlock)
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
// the temporal head either way). Tiles sized to the register file (accumulators + B vectors + a broadcast):
// AVX-512 (32 zmm) rows in blocks of 8 x 2 vectors, then 4 x 4; AVX2 (16 ymm) 6 x 2, then 4 x 2. 8 x 2 and
// 4 x 4 need 19 and 21 ymm: on AVX2 they spilled, and 16-row products ran at ~71 % of peak (AVX-512 ~93 %);
// 6 x 2 runs them at ~85 % (vigil-kbench --only rows). Then single rows x NV1 (the batch-1 recurrent step).
// Every output sums its k terms in order from its initial value whatever the tile: tiling does not change
// results.
template <class Isa, int BW>
void rows_product(int64_t rows, int64_t K, const float* a, int64_t lda, const float* bt, int64_t np, const float* init,
                  int64_t init_ld, float* c, L2Prefetcher* side = nullptr) {
  constexpr int W = Isa::W;
  constexpr int NV1 = BW / W < 4 ? BW / W : 4;
  constexpr int NV2 = NV1 < 2 ? NV1 : 2;
  constexpr bool wide_registers = W == 16;
  constexpr int kMainRows = wide_registers ? 8 : 6;
  constexpr int kMidNV = wide_registers ? NV1 : NV2;
  auto block = [&]<int RB, int NV>(int64_t r, int64_t n0, const float* b_block) {
    row_block<Isa, RB, NV, BW>(K, a + r * lda, lda, b_block, n0, np, init ? init + r * init_ld : nullptr, init_ld,
                               c + r * np, side);
  };
  // With 6-row tiles, as many as leave a multiple of 4 rows when that is possible (8 rows: 4 + 4, not 6 + 1 + 1).
  int64_t main_rows = rows / kMainRows * kMainRows;
  if constexpr (kMainRows == 6) {
    for (int64_t m = main_rows; m >= 0; m -= kMainRows)
      if ((rows - m) % 4 == 0) {
        main_rows = m;
        break;
      }
  }
  for (int64_t n0 = 0; n0 < np; n0 += BW) {
    const float* b_block = bt + block_offset(n0, K, BW);
    int64_t r = 0;
    for (; r < main_rows; r += kMainRows) block.template operator()<kMainRows, NV2>(r, n0, b_block);
    for (; r + 4 <= rows; r += 4) block.template operator()<4, kMidNV>(r, n0, b_block);
    for (; r < rows; ++r) block.template operator()<1, NV1>(r, n0, b_block);
  }
}

}  // namespace
}  // namespace vigil::kernels::recurrent_fast_detail
