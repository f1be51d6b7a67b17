// The Winograd F(4,3) and F(2,3) convolutions written once over the vector traits of simd_traits.h; included only by
// conv2d_winograd.cpp (scalar path and the baseline API) and the *_avx2.cpp / *_avx512.cpp files.
// Internal linkage throughout (see simd_traits.h).
#pragma once

#include "kernels/conv2d/conv2d.h"
#include "kernels/conv2d_winograd/conv2d_winograd.h"
#include "kernels/depthwise_conv/simd_traits.h"

namespace vigil::kernels::winograd_detail {
namespace {

using simd_detail::ceil_div;
using simd_detail::round_up;

// GEMM register tile of a path: MR output channels x NV vectors of tiles. A block of tiles is NV*W tiles.
struct PathConfig {
  int mr, nv, w;
};
constexpr PathConfig kScalarConfig = {4, 4, 1};
constexpr PathConfig kAvx2Config = {6, 2, 8};
constexpr PathConfig kAvx512Config = {8, 2, 16};

inline PathConfig path_config(KernelIsa isa) {
  switch (isa) {
    case KernelIsa::Avx2:
      return kAvx2Config;
    case KernelIsa::Avx512:
      return kAvx512Config;
    default:
      return kScalarConfig;
  }
}

constexpr int64_t kMaxW = 16;  // widest vector: slack so full-vector loads/stores past a segment stay in bounds

struct Layout {
  int m;      // output tile edge: 4 for F(4x4,3x3), 2 for F(2x2,3x3)
  int alpha;  // input tile edge m + 2
  int xis;    // alpha * alpha transform components
  int nv;     // vectors of tiles per block: cfg.nv, or 1 when that pads fewer tiles (small images)
  int64_t tiles_h, tiles_w, tiles;
  // Where tile (th, tw) sits along V's and M's tile axis. Normally at th * tiles_w + tw (slots == tiles).
  // When a row of tiles fills at most half a vector (tiles_w <= W / 2, e.g. 8 tiles on a 16x16 image under
  // F(2,3)), rows are packed: each row gets row_slots (a power of two >= tiles_w) slots and one vector holds
  // W / row_slots rows, so no lanes are wasted and the input transform's loads and stores are whole vectors.
  int64_t row_slots;
  int rows_per_vector;  // W / row_slots when packed, else 1
  int64_t slots;        // slots of the image: tiles, or the packed rows (rounded up to whole vectors)
  int64_t block_tiles;  // slots per block: NV * W
  int64_t blocks;
  int64_t k_pad;         // out_channels rounded up to MR
  int64_t plane_rows;    // padded rows of the phase-split input (m * tile rows + 2)
  int64_t phase_floats;  // floats of one phase of one padded row
  int64_t plane_floats;  // one channel: plane_rows * m phases * phase_floats
  int64_t vs;            // row stride of V and M (block_tiles + slack)
  int64_t v_xi, m_xi;    // floats from one transform component of V (of M) to the next (component_stride)
  int64_t v_floats, m_floats, obuf_floats, line_floats, slot_floats;  // per task slot: V, M, obuf, line, plane
  // Batched mode (see Winograd::run_batched): `group` images at a time share one V and one M whose rows hold
  // all their slots, and each component is one packed GEMM. group == 1: the block mode above.
  int64_t group;
  int64_t group_vs;  // row stride of the shared V and M: group * slots + slack
  int64_t group_v_floats, group_m_floats;
  int64_t gemm_ws_floats = 0;  // batched_layout(): each slot's gemm_packed workspace, at the slot's end
};

// Batched mode: for batches of images too small to fill one block of NV vectors (e.g. 8x8 under F(2,3): 16
// tiles), each value of U would serve at most one vector FMA per image and U would stream from L3 again for
// every image; instead the images are transformed in groups whose V and M fit this budget, and U is read
// once per group (by gemm_packed, at its cache blocking). Measured on actdet-tiny's clip (16 frames, one
// thread): L26 (8x8) 20.4 -> 15.9 ms, A0 11.0 -> 9.0 ms; and with F(4,3) on the 16x16 layers (16 slots),
// the whole clip 183 -> 163 ms. On images of 64 slots (16x16 under F(2,3), 32x32 under F(4,3)) it was 8-35 %
// slower than the block mode, whose V stays in L2.
constexpr int64_t kBatchedBudgetFloats = int64_t{2} << 20;  // V + M of a group: 8 MiB

// The input transform of one vector of tiles stores its A*A components one component stride apart, and the
// output transform loads them so. At the plain stride, C rows of V (C * 128 bytes for 32-tile blocks), every
// channel count divisible by 32 put all 36 components in one L1 set (12 ways on this machine): the
// transforms missed L1 on their own stores and loads. An odd number of cache lines apart, they fall into
// 36 different sets. kbench, 1 thread, AVX-512, 3 alternating rounds (ms): L4 (32 -> 32 at 64x64)
// 0.182 -> 0.127, L2 0.50 -> 0.41, L12 0.157 -> 0.133, L10 0.46 -> 0.41, L20 0.133 -> 0.118, L18 0.43 ->
// 0.40, H6 0.61 -> 0.58; the 8x8 layers (F(2,3), one vector of tiles) unchanged.
constexpr int64_t component_stride(int64_t floats) {
  const int64_t lines = ceil_div(floats, 16);
  return (lines % 2 == 0 ? lines + 1 : lines) * 16;
}

inline Layout layout(const PathConfig& cfg, const Conv2dParams& p, int m) {
  Layout l;
  l.m = m;
  l.alpha = m + 2;
  l.xis = l.alpha * l.alpha;
  l.tiles_h = ceil_div(p.out_h, m);
  l.tiles_w = ceil_div(p.out_w, m);
  l.tiles = l.tiles_h * l.tiles_w;
  l.row_slots = l.tiles_w;
  l.rows_per_vector = 1;
  l.slots = l.tiles;
  if (cfg.w >= 8 && 2 * l.tiles_w <= cfg.w) {
    l.row_slots = l.tiles_w <= 4 ? 4 : 8;
    l.rows_per_vector = static_cast<int>(cfg.w / l.row_slots);
    l.slots = round_up(l.tiles_h, l.rows_per_vector) * l.row_slots;
  }
  // A small image would fill only part of a 2-vector block: use one vector of tiles whenever that leaves
  // fewer padded slots.
  l.nv = round_up(l.slots, cfg.w) < round_up(l.slots, int64_t{cfg.nv} * cfg.w) ? 1 : cfg.nv;
  l.block_tiles = int64_t{l.nv} * cfg.w;
  l.blocks = ceil_div(l.slots, l.block_tiles);
  l.k_pad = round_up(p.out_channels, cfg.mr);
  l.plane_rows = m * round_up(l.tiles_h, l.rows_per_vector) + 2;
  // Whole vectors: rows are split W groups of m at a time. The loads of a vector of tiles starting at tw
  // reach phase index tw + W (the taps of tile tw + W - 1 reach index +1); with packed rows, row_slots.
  l.phase_floats =
      l.rows_per_vector > 1 ? round_up(l.row_slots + 1, kMaxW) : round_up(round_up(l.tiles_w, kMaxW) + 1, kMaxW);
  l.plane_floats = l.plane_rows * m * l.phase_floats;
  // Slack past a block for the full-vector stores of a partial row of tiles; with packed rows, or rows
  // of whole vectors, every store is a whole vector inside the block and V's rows stay dense (V of one
  // component, C x 32 slots, then fits L1 for C up to 256, which the GEMM re-reads for every panel).
  const bool whole_vectors = l.rows_per_vector > 1 || l.tiles_w % cfg.w == 0;
  l.vs = l.block_tiles + (whole_vectors ? 0 : kMaxW);
  l.v_xi = component_stride(p.in_channels * l.vs);
  l.m_xi = component_stride(l.k_pad * l.vs);
  l.v_floats = l.xis * l.v_xi;
  l.m_floats = l.xis * l.m_xi;
  l.obuf_floats = m * m * l.vs;
  l.line_floats = m * l.phase_floats;  // one zero-padded input row before its stride-m split
  l.slot_floats = round_up(l.v_floats + l.m_floats + l.obuf_floats + l.line_floats + l.plane_floats, 16);
  l.group = 1;
  if (p.batch >= 2 && l.slots < int64_t{cfg.nv} * cfg.w) {
    const int64_t per_image = l.xis * (p.in_channels + l.k_pad) * l.slots;
    l.group = kBatchedBudgetFloats / per_image;
    if (l.group > p.batch) l.group = p.batch;
    // Whole 32-column panels for the GEMM's B where the budget allows (16 slots: an even number of images).
    const int64_t per_panel = l.slots < 32 && 32 % l.slots == 0 ? 32 / l.slots : 1;
    if (l.group > per_panel && l.group < p.batch) l.group -= l.group % per_panel;
    if (l.group < 2) l.group = 1;
  }
  l.group_vs = l.group * l.slots + kMaxW;
  l.group_v_floats = l.group > 1 ? l.xis * component_stride(p.in_channels * l.group_vs) : 0;
  l.group_m_floats = l.group > 1 ? l.xis * component_stride(l.k_pad * l.group_vs) : 0;
  return l;
}

// The layout of the batched mode: V and M rows hold every image of a group (shared by all slots), and a
// slot holds obuf at that stride, line, plane and a gemm_packed workspace.
inline Layout batched_layout(KernelIsa isa, Layout l, const Conv2dParams& p) {
  l.vs = l.group_vs;
  l.v_xi = component_stride(p.in_channels * l.vs);
  l.m_xi = component_stride(l.k_pad * l.vs);
  l.obuf_floats = l.m * l.m * l.vs;
  l.gemm_ws_floats =
      round_up(gemm_packed_workspace_bytes(isa, p.out_channels, l.group * l.slots, p.in_channels, 1) / 4 + 16, 16);
  l.slot_floats = round_up(l.obuf_floats + l.line_floats + l.plane_floats, 16) + l.gemm_ws_floats;
  return l;
}

// The packed GEMM of one transform component in batched mode: M_xi[K x group*slots] = U_xi V_xi. U_xi is
// already in gemm_pack_a's layout (panels of MR channels, [c][MR] each) because the Winograd and GEMM paths
// share MR.
inline GemmPackedParams batched_gemm(const Layout& l, const Conv2dParams& p, const float* u_xi, const float* v_xi,
                                     float* m_xi) {
  GemmPackedParams g;
  g.m = p.out_channels;
  g.n = l.group * l.slots;
  g.k = p.in_channels;
  g.packed_a = u_xi;
  g.b.data = v_xi;
  g.b.ld = l.group_vs;
  g.c = m_xi;
  g.ldc = l.group_vs;
  return g;
}

inline int64_t workspace_floats(KernelIsa isa, const PathConfig& cfg, const Conv2dParams& p, int m, int threads) {
  const Layout l = layout(cfg, p, m);
  const int64_t t = threads < 1 ? 1 : threads;
  int64_t floats = t * l.slot_floats;
  if (l.group > 1) {
    const int64_t batched = l.group_v_floats + l.group_m_floats + t * batched_layout(isa, l, p).slot_floats;
    if (batched > floats) floats = batched;
  }
  return floats + 16;
}

// The transform matrices of F(m x m, 3 x 3), applied one row or column at a time; TileMath<m> is what the
// kernel is templated on. Every constant of B^T and A^T is a small integer (exact in float); G, applied once
// at load in double, holds the inverse scales. Scaling a row of B^T or G, or a column of A^T, moves no error:
// each product U V keeps its relative rounding error.
template <int M>
struct TileMath;

// F(4,3) with the interpolation points 0, +-2/3, +-3/2 and infinity, not Lavin & Gray's 0, +-1, +-2. The float
// error comes almost all from the GEMM's sums over the input channels (computing both transforms in double
// changes it by < 10 %), amplified by how much the transforms grow the terms relative to the output. A float
// simulation of point sets (tools/kbench/winograd_error.py: post-ReLU inputs, He-init weights, C = 32..512)
// found the reciprocal pair 2/3, 3/2 best among small fractions: RMS error 2-2.5x and max error 3-6x below
// 0, +-1, +-2 (docs/KERNELS.md). Cost: with no coefficient +-1 to spare a multiply, 16 operations per 1D input
// transform instead of 14 and 12 per output transform instead of 10 (F(4,3) 1-4 % slower in kbench).
template <>
struct TileMath<4> {
  static constexpr int kAlpha = 6;
  // Kernel transform G (6 x 3), used at load in double.
  static constexpr double kG[6][3] = {{1.0 / 36, 0, 0},
                                      {1.0 / 130, 1.0 / 195, 2.0 / 585},
                                      {1.0 / 130, -1.0 / 195, 2.0 / 585},
                                      {2.0 / 585, 1.0 / 195, 1.0 / 130},
                                      {2.0 / 585, -1.0 / 195, 1.0 / 130},
                                      {0, 0, 1.0 / 36}};
  // Input transform B^T d, rows
  //   (36, 0, -97, 0, 36, 0), (0, 9/2, 27/4, -2, -3, 0), (0, -9/2, 27/4, 2, -3, 0),
  //   (0, -3, -2, 27/4, 9/2, 0), (0, 3, -2, -27/4, 9/2, 0), (0, 36, 0, -97, 0, 36):
  // rows 1, 2 (points +-2/3) are 3 e +- 2 o with e = 9/4 d2 - d4, o = 9/4 d1 - d3; rows 3, 4 (+-3/2) likewise.
  template <class F>
  static inline __attribute__((always_inline)) void input_1d(const F d[6], F t[6]) {
    const F c2(2.0f), c3(3.0f), c9_4(2.25f), c36(36.0f), c97(97.0f);
    const F e12 = c9_4 * d[2] - d[4], o12 = c9_4 * d[1] - d[3];
    const F e34 = c9_4 * d[4] - d[2], o34 = c9_4 * d[3] - d[1];
    const F e12x3 = c3 * e12, o34x3 = c3 * o34;
    t[0] = c36 * (d[0] + d[4]) - c97 * d[2];
    t[1] = e12x3 + c2 * o12;
    t[2] = e12x3 - c2 * o12;
    t[3] = c2 * e34 + o34x3;
    t[4] = c2 * e34 - o34x3;
    t[5] = c36 * (d[1] + d[5]) - c97 * d[3];
  }
  // Output transform A^T m (6 -> 4); A^T's columns are (1, p, p^2, p^3) scaled by 27 for p = +-2/3 and by 8
  // for p = +-3/2.
  template <class F>
  static inline __attribute__((always_inline)) void output_1d(const F m[6], F o[4]) {
    const F c8(8.0f), c12(12.0f), c18(18.0f), c27(27.0f);
    const F s12 = m[1] + m[2], d12 = m[1] - m[2], s34 = m[3] + m[4], d34 = m[3] - m[4];
    o[0] = m[0] + c27 * s12 + c8 * s34;
    o[1] = c18 * d12 + c12 * d34;
    o[2] = c12 * s12 + c18 * s34;
    o[3] = c8 * d12 + c27 * d34 + m[5];
  }
};

// F(2,3) with the points 0, +-1 and infinity: its transforms only add, subtract and halve.
template <>
struct TileMath<2> {
  static constexpr int kAlpha = 4;
  static constexpr double kG[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  template <class F>
  static inline __attribute__((always_inline)) void input_1d(const F d[4], F t[4]) {
    t[0] = d[0] - d[2];
    t[1] = d[1] + d[2];
    t[2] = d[2] - d[1];
    t[3] = d[1] - d[3];
  }
  template <class F>
  static inline __attribute__((always_inline)) void output_1d(const F m[4], F o[2]) {
    o[0] = m[0] + m[1] + m[2];
    o[1] = (m[1] - m[2]) - m[3];
  }
};

// Packed U: [xi][panel of MR output channels][c][MR], channels past out_channels are 0. (xi-major, so the GEMM
// of one xi over all panels reuses V's xi slice from L1/L2: panel-major, with all of V re-read per panel,
// ran 2x slower on 384 -> 256 channels at 16x16.)
inline int64_t packed_floats(const PathConfig& cfg, const Conv2dParams& p, int m) {
  return int64_t{m + 2} * (m + 2) * round_up(p.out_channels, cfg.mr) * p.in_channels;
}

template <int M>
void pack_tile(const PathConfig& cfg, const Conv2dParams& p, const float* w, float* packed) {
  constexpr int A = TileMath<M>::kAlpha;
  const auto& G = TileMath<M>::kG;
  const int64_t C = p.in_channels, K = p.out_channels, mr = cfg.mr;
  const int64_t panels = ceil_div(K, mr);
  for (int64_t i = 0; i < packed_floats(cfg, p, M); ++i) packed[i] = 0.0f;
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t c = 0; c < C; ++c) {
      const float* g = w + (k * C + c) * 9;
      double gg[A][3];  // G g
      for (int i = 0; i < A; ++i)
        for (int b = 0; b < 3; ++b) gg[i][b] = G[i][0] * g[0 * 3 + b] + G[i][1] * g[1 * 3 + b] + G[i][2] * g[2 * 3 + b];
      for (int i = 0; i < A; ++i) {
        for (int j = 0; j < A; ++j) {
          const double u = gg[i][0] * G[j][0] + gg[i][1] * G[j][1] + gg[i][2] * G[j][2];
          const int64_t xi = i * A + j;
          packed[((xi * panels + k / mr) * C + c) * mr + k % mr] = static_cast<float>(u);
        }
      }
    }
  }
}

inline void pack(const PathConfig& cfg, const Conv2dParams& p, int m, const float* w, float* packed) {
  if (m == 2)
    pack_tile<2>(cfg, p, w, packed);
  else
    pack_tile<4>(cfg, p, w, packed);
}

// Padded, phase-split input of one channel: plane[(r * M + ph) * phase_floats + q] = x[r - pad_top,
// M q + ph - pad_left], 0 outside the image, so tap (r, col) of tile (th, tw) is plane[M th + r][col % M]
// [tw + col / M]: contiguous over tw. Only rows [row_begin, row_end) are written: the ones a block of
// tiles reads.
template <class Isa, int M>
void build_plane(const Conv2dParams& p, const Layout& l, const float* x, float* plane, float* line, int64_t row_begin,
                 int64_t row_end) {
  constexpr int W = Isa::W;
  const int64_t phase = l.phase_floats;
  // Rows inside the image; the others are all padding.
  const int64_t in_begin = row_begin > p.pad_top ? row_begin : p.pad_top;
  const int64_t in_end = row_end < p.pad_top + p.in_h ? row_end : p.pad_top + p.in_h;
  for (int64_t r = row_begin; r < row_end; ++r) {
    if (r >= in_begin && r < in_end) continue;
    float* d0 = plane + r * M * phase;
    for (int64_t q = 0; q < M * phase; ++q) d0[q] = 0.0f;
  }
  if constexpr (Isa::kMaskedRowSplit) {
    // Straight from the image with masked loads. Column chunk outer, rows inner: the masks depend only on
    // the chunk, so they are computed once per chunk rather than once per row.
    for (int64_t q = 0; q < phase; q += W) {
      const int64_t start = M * q - p.pad_left;
      typename Isa::Mask masks[M];
      for (int i = 0; i < M; ++i) masks[i] = Isa::load_mask(start + i * W, p.in_w);
      for (int64_t r = in_begin; r < in_end; ++r) {
        const float* row = x + (r - p.pad_top) * p.in_w;
        float* d = plane + r * M * phase + q;
        if constexpr (M == 4)
          Isa::split4(Isa::masked_load(row, start, masks[0]), Isa::masked_load(row, start + W, masks[1]),
                      Isa::masked_load(row, start + 2 * W, masks[2]), Isa::masked_load(row, start + 3 * W, masks[3]), d,
                      d + phase, d + 2 * phase, d + 3 * phase);
        else
          Isa::split2(Isa::masked_load(row, start, masks[0]), Isa::masked_load(row, start + W, masks[1]), d, d + phase);
      }
    }
    return;
  }
  // line[u] = x[ih, u - pad_left], 0 outside the image; then split M W floats at a time.
  const int64_t line_len = l.line_floats;
  const int64_t copy_end = (p.pad_left + p.in_w < line_len) ? p.pad_left + p.in_w : line_len;
  for (int64_t r = in_begin; r < in_end; ++r) {
    const float* row = x + (r - p.pad_top) * p.in_w;
    float* d0 = plane + r * M * phase;
    for (int64_t u = 0; u < p.pad_left && u < line_len; ++u) line[u] = 0.0f;
    for (int64_t u = p.pad_left; u < copy_end; ++u) line[u] = row[u - p.pad_left];
    for (int64_t u = copy_end; u < line_len; ++u) line[u] = 0.0f;
    for (int64_t q = 0; q < phase; q += W) {
      if constexpr (M == 4)
        Isa::deinterleave4(line + 4 * q, d0 + q, d0 + phase + q, d0 + 2 * phase + q, d0 + 3 * phase + q);
      else
        Isa::deinterleave2(line + 2 * q, d0 + q, d0 + phase + q);
    }
  }
}

// How far ahead of its use the GEMM microkernel prefetches packed U (floats; 32 KiB): on small images U streams
// from memory, at most ~16-20 GB/s on one core of this VM (a plain AVX-512 read of 16 MB), and the hardware
// prefetcher restarts at every page. Frame, one thread, same run, 4 rounds: 2 KiB ahead 11.6-12.5 ms, 8 KiB
// 11.2-11.7 ms (session 5). Session 9, per node inside the frame (4 alternating rounds, machine busy): 8 KiB
// L26 1.51-1.71 ms, H1 0.79-0.93, A0 0.70-0.84; 32 KiB L26 1.42-1.63, H1 0.69-0.77, A0 0.65-0.77; 48 KiB
// and prefetcht0 no better than 32 KiB. Alone (U warm in L3) L26 is ~1.03 ms either way.
constexpr int64_t kUPrefetchFloats = 8192;
// ... as non-temporal prefetches (locality 0, prefetchnta): each line of U feeds one block's microkernel calls and
// is not read again before the block is done, so keeping it out of L2 leaves L2 to V, M and the activations
// (with 2 threads the two halves of U of a single-block layer no longer push each other's V out). Session 13,
// actdet frame, 25 alternating rounds: 1 thread 6.03 -> 5.97 ms, 2 threads 3.49 -> 3.28 ms (three earlier runs
// 0.94-0.95x at 2 threads); ResNet-18 11.72 -> 11.65 / 6.71 -> 6.55 ms. Only for single-block layers (where U
// is read once per image): 1 thread 0.98x, 2 threads 0.96x, no better.
constexpr int kUPrefetchLocality = 0;

template <class Isa, int MR, int NV, int M>
struct Winograd {
  using F = typename Isa::F;
  using Math = TileMath<M>;
  static constexpr int W = Isa::W;
  static constexpr int A = Math::kAlpha;  // input tile edge
  static constexpr int XIS = A * A;       // transform components

  struct Job {
    const Conv2dParams* p;
    Layout l;
    const float* x;  // one image
    const float* packed;
    const float* bias;
    float* y;  // one image
    float* slots;
    int threads;
    // Batched mode: images [n0, n0 + count) of the batch at x / y, the shared V and M, and per slot its
    // obuf + line + plane (slot_floats apart) followed by its GEMM workspace.
    int64_t n0 = 0, count = 0;
    float *gv = nullptr, *gm = nullptr;
  };

  // One vector of tiles: d(r, col) loads tap (r, col) of the W tiles; writes V component xi at v + xi * xi_stride.
  template <class Load>
  static inline __attribute__((always_inline)) void transform_tile_vector(const Load& d_at, float* v,
                                                                          int64_t xi_stride) {
    F e[A][A];  // e[i][col] = (B^T d)[i][col]
#pragma GCC unroll 6
    for (int col = 0; col < A; ++col) {
      F d[A];
#pragma GCC unroll 6
      for (int r = 0; r < A; ++r) d[r] = d_at(r, col);
      F tcol[A];
      Math::input_1d(d, tcol);
      for (int i = 0; i < A; ++i) e[i][col] = tcol[i];
    }
#pragma GCC unroll 6
    for (int i = 0; i < A; ++i) {
      F f[A];
      Math::input_1d(e[i], f);
      for (int jj = 0; jj < A; ++jj) Isa::store(v + (i * A + jj) * xi_stride, f[jj]);
    }
  }

  // V[xi][c][t - t0] for the tiles [t0, t0 + block_tiles) of the block, channels [c0, c1). Each channel's
  // padded plane (only the rows of these tiles) is built in slot s's plane buffer right before its
  // transform reads it, so the reads hit L1: building every plane first left them in L2 (1.8 MB for 384
  // channels at 16x16) and the transform waited on its loads.
  static void input_transform(const Job& j, const float* x, float* line, int64_t t0, int64_t t1, float* v, int64_t c0,
                              int64_t c1) {
    const Layout& l = j.l;
    float* plane = line + l.line_floats;
    const int64_t row_begin = M * (t0 / l.row_slots), row_end = M * ((t1 - 1) / l.row_slots) + A;
    const int64_t in_plane = j.p->in_h * j.p->in_w;
    for (int64_t c = c0; c < c1; ++c) {
      build_plane<Isa, M>(*j.p, l, x + c * in_plane, plane, line, row_begin, row_end);
      if constexpr (W >= 8) {
        if (l.rows_per_vector > 1) {
          // Packed rows: vector u holds tile rows th0 .. th0 + W / row_slots - 1, row_slots lanes each.
          const int64_t row_stride = M * M * l.phase_floats;  // one row of tiles down
          for (int64_t u0 = t0; u0 < t1; u0 += W) {
            const int64_t th0 = u0 / l.row_slots;
            transform_tile_vector(
                [&](int r, int col) {
                  return Isa::load_rows(plane + ((M * th0 + r) * M + col % M) * l.phase_floats + col / M, l.row_slots,
                                        row_stride);
                },
                v + c * l.vs + (u0 - t0), l.v_xi);
          }
          continue;
        }
      }
      for (int64_t t = t0; t < t1;) {
        const int64_t th = t / l.tiles_w, tw_begin = t % l.tiles_w;
        const int64_t tw_end = (t1 - th * l.tiles_w < l.tiles_w) ? t1 - th * l.tiles_w : l.tiles_w;
        for (int64_t tw = tw_begin; tw < tw_end; tw += W) {
          const int64_t pos = th * l.tiles_w + tw - t0;
          transform_tile_vector(
              [&](int r, int col) {
                return Isa::load(plane + ((M * th + r) * M + col % M) * l.phase_floats + tw + col / M);
              },
              v + c * l.vs + pos, l.v_xi);
        }
        t = th * l.tiles_w + tw_end;
      }
    }
  }

  // M[xi][k][t] = sum_c U[xi][k][c] V[xi][c][t]: one MR x (NV*W) register tile per call.
  static inline __attribute__((always_inline)) void microkernel(int64_t C, const float* u, const float* v, int64_t vs,
                                                                float* m) {
    F acc[MR][NV];
    for (int r = 0; r < MR; ++r)
      for (int q = 0; q < NV; ++q) acc[r][q] = Isa::set1(0.0f);
    for (int64_t c = 0; c < C; ++c) {
      // U is read once per block as one sequential stream (the next panel follows this one); on a small
      // image there is a single block, so all of it (14 MB for F(4,3) on 384 -> 256 channels) comes from
      // L3 or memory. Run ahead of the hardware prefetcher, which restarts at every page.
      __builtin_prefetch(u + c * MR + kUPrefetchFloats, 0, kUPrefetchLocality);
      F b[NV];
      for (int q = 0; q < NV; ++q) b[q] = Isa::load(v + c * vs + q * W);
      for (int r = 0; r < MR; ++r) {
        const F a = Isa::set1(u[c * MR + r]);
        for (int q = 0; q < NV; ++q) acc[r][q] = Isa::fma(a, b[q], acc[r][q]);
      }
    }
    for (int r = 0; r < MR; ++r)
      for (int q = 0; q < NV; ++q) Isa::store(m + r * vs + q * W, acc[r][q]);
  }

  // Two panels at once for one vector of tiles (NV == 1: images of one vector of slots, e.g. 8x8): 2 * MR
  // accumulator chains instead of MR, so a late U line stalls fewer of them (MR = 8 chains only just
  // cover the FMA latency). kbench-winograd, F(2,3): L26 1.06 -> 1.03 ms, H1 0.52 -> 0.47, A0 0.55 -> 0.53.
  static inline __attribute__((always_inline)) void microkernel_pair(int64_t C, const float* u0, const float* u1,
                                                                     const float* v, int64_t vs, float* m0, float* m1) {
    F acc0[MR], acc1[MR];
    for (int r = 0; r < MR; ++r) acc0[r] = acc1[r] = Isa::set1(0.0f);
    for (int64_t c = 0; c < C; ++c) {
      __builtin_prefetch(u0 + c * MR + kUPrefetchFloats, 0, kUPrefetchLocality);
      __builtin_prefetch(u1 + c * MR + kUPrefetchFloats, 0, kUPrefetchLocality);
      const F b = Isa::load(v + c * vs);
      for (int r = 0; r < MR; ++r) {
        acc0[r] = Isa::fma(Isa::set1(u0[c * MR + r]), b, acc0[r]);
        acc1[r] = Isa::fma(Isa::set1(u1[c * MR + r]), b, acc1[r]);
      }
    }
    for (int r = 0; r < MR; ++r) {
      Isa::store(m0 + r * vs, acc0[r]);
      Isa::store(m1 + r * vs, acc1[r]);
    }
  }

  // Output-channel panels [pn0, pn1) of MR channels.
  static void gemm(const Job& j, const float* v, float* m, int64_t pn0, int64_t pn1) {
    const Layout& l = j.l;
    const int64_t C = j.p->in_channels;
    const int64_t panels = l.k_pad / MR;
    for (int64_t xi = 0; xi < XIS; ++xi) {
      const float* v_xi = v + xi * l.v_xi;
      int64_t pn = pn0;
      if constexpr (NV == 1 && W > 1) {
        for (; pn + 2 <= pn1; pn += 2) {
          const float* u = j.packed + (xi * panels + pn) * C * MR;
          float* mp = m + xi * l.m_xi + pn * MR * l.vs;
          microkernel_pair(C, u, u + C * MR, v_xi, l.vs, mp, mp + MR * l.vs);
        }
      }
      for (; pn < pn1; ++pn) {
        const float* u = j.packed + (xi * panels + pn) * C * MR;
        microkernel(C, u, v_xi, l.vs, m + xi * l.m_xi + pn * MR * l.vs);
      }
    }
  }

  // One vector of tiles: o[r][s] = (A^T M A)[r][s] + bias, reading M component xi at m + xi * xi_stride.
  static inline __attribute__((always_inline)) void untransform_tile_vector(const float* m, int64_t xi_stride, F bias,
                                                                            F o[M][M]) {
    F a[M][A];  // a[r][col] = (A^T M)[r][col]
    for (int col = 0; col < A; ++col) {
      F mm[A];
      for (int i = 0; i < A; ++i) mm[i] = Isa::load(m + (i * A + col) * xi_stride);
      F o[M];
      Math::output_1d(mm, o);
      for (int r = 0; r < M; ++r) a[r][col] = o[r];
    }
    for (int r = 0; r < M; ++r) {
      Math::output_1d(a[r], o[r]);
      for (int s = 0; s < M; ++s) o[r][s] = o[r][s] + bias;
    }
  }

  // The activations that are a compare and a select are applied in registers, before the outputs are
  // stored (the same formulas as activate_reference); the others afterwards, per output row, through
  // Isa::activate (re-reading the rows cost ~3 % of actdet's frame).
  static bool fused_activation(const ActivationParams& a) {
    return a.kind == Activation::None || a.kind == Activation::Relu || a.kind == Activation::LeakyRelu;
  }
  static inline __attribute__((always_inline)) F activate_in_register(const ActivationParams& a, F x) {
    if (a.kind == Activation::None) return x;
    if (a.kind == Activation::Relu) return Isa::relu(x);
    return Isa::leaky_relu(x, Isa::set1(a.alpha));
  }

  // Output channels [k0, k1).
  static void output_transform(const Job& j, float* y, int64_t t0, int64_t t1, const float* m, float* obuf, int64_t k0,
                               int64_t k1) {
    const Layout& l = j.l;
    const Conv2dParams& p = *j.p;
    for (int64_t k = k0; k < k1; ++k) {
      const F bias = Isa::set1(j.bias ? j.bias[k] : 0.0f);
      const bool fused = fused_activation(p.activation);
      float* y_k = y + k * p.out_h * p.out_w;
      if (l.rows_per_vector > 1) {
        // Packed rows (see Layout): each vector's M x M outputs go through obuf, then row by row into y.
        for (int64_t u0 = t0; u0 < t1; u0 += W) {
          const int64_t th0 = u0 / l.row_slots;
          F o[M][M];
          untransform_tile_vector(m + k * l.vs + (u0 - t0), l.m_xi, bias, o);
          for (int r = 0; r < M; ++r)
            for (int s = 0; s < M; ++s)
              Isa::store(obuf + (r * M + s) * l.vs, fused ? activate_in_register(p.activation, o[r][s]) : o[r][s]);
          for (int64_t i = 0; i < l.rows_per_vector && th0 + i < l.tiles_h; ++i) {
            for (int64_t r = 0; r < M && M * (th0 + i) + r < p.out_h; ++r) {
              float* y_row = y_k + (M * (th0 + i) + r) * p.out_w;
              const float* o_row = obuf + r * M * l.vs + i * l.row_slots;
              for (int64_t col = 0; col < p.out_w; ++col) y_row[col] = o_row[(col % M) * l.vs + col / M];
              if (!fused) Isa::activate(p.activation, y_row, y_row, p.out_w);
            }
          }
        }
        continue;
      }
      for (int64_t t = t0; t < t1;) {
        const int64_t th = t / l.tiles_w, tw_begin = t % l.tiles_w;
        const int64_t tw_end = (t1 - th * l.tiles_w < l.tiles_w) ? t1 - th * l.tiles_w : l.tiles_w;
        // Chunks of W tiles whose M*W output columns all exist are interleaved straight into y with
        // vector permutes; the rest goes through obuf and the scalar loop below.
        int64_t tw_vec_end = tw_begin;
        while (tw_vec_end + W <= tw_end && M * (tw_vec_end + W) <= p.out_w) tw_vec_end += W;
        for (int64_t tw = tw_begin; tw < tw_end; tw += W) {
          const int64_t pos = th * l.tiles_w + tw - t0;
          F o[M][M];
          untransform_tile_vector(m + k * l.vs + pos, l.m_xi, bias, o);
          if (fused)
            for (int r = 0; r < M; ++r)
              for (int s = 0; s < M; ++s) o[r][s] = activate_in_register(p.activation, o[r][s]);
          for (int r = 0; r < M; ++r) {
            if (tw < tw_vec_end) {
              if (M * th + r < p.out_h) {
                float* dst = y_k + (M * th + r) * p.out_w + M * tw;
                if constexpr (M == 4)
                  Isa::interleave4(o[r][0], o[r][1], o[r][2], o[r][3], dst);
                else
                  Isa::interleave2(o[r][0], o[r][1], dst);
              }
            } else {
              for (int s = 0; s < M; ++s) Isa::store(obuf + (r * M + s) * l.vs + (tw - tw_begin), o[r][s]);
            }
          }
        }
        // Interleave the M column phases back into the output rows, then the activation in place.
        for (int64_t r = 0; r < M; ++r) {
          const int64_t oh = M * th + r;
          if (oh >= p.out_h) break;
          float* y_row = y_k + oh * p.out_w;
          const int64_t col_begin = M * tw_begin;
          const int64_t col_end = (M * tw_end < p.out_w) ? M * tw_end : p.out_w;
          for (int64_t col = M * tw_vec_end; col < col_end; ++col)
            y_row[col] = obuf[(r * M + col % M) * l.vs + (col / M - tw_begin)];
          if (!fused) Isa::activate(p.activation, y_row + col_begin, y_row + col_begin, col_end - col_begin);
        }
        t = th * l.tiles_w + tw_end;
      }
    }
  }

  static void block_task(void* arg, int64_t begin, int64_t end) {
    const Job& j = *static_cast<const Job*>(arg);
    const Layout& l = j.l;
    for (int64_t s = begin; s < end; ++s) {
      float* v = j.slots + s * l.slot_floats;
      float* m = v + l.v_floats;
      float* obuf = m + l.m_floats;
      const int64_t b0 = l.blocks * s / j.threads, b1 = l.blocks * (s + 1) / j.threads;
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t t0 = b * l.block_tiles;
        const int64_t t1 = (t0 + l.block_tiles < l.slots) ? t0 + l.block_tiles : l.slots;
        input_transform(j, j.x, obuf + l.obuf_floats, t0, t1, v, 0, j.p->in_channels);
        gemm(j, v, m, 0, j.l.k_pad / MR);
        output_transform(j, j.y, t0, t1, m, obuf, 0, j.p->out_channels);
      }
    }
  }

  // Images with fewer tile blocks than threads (e.g. a 16x16 output under F(4,3) is one block): the
  // threads split the channels instead, all sharing slot 0's V and M. Per slot, first (channel_task) the
  // input transform of a range of input channels, then (panel_task) the GEMMs and the output transform of
  // a range of output-channel panels. Only one block fits V at a time, so this mode is used when the image
  // has a single block; each output is still summed in the same order.
  static void channel_task(void* arg, int64_t begin, int64_t end) {
    const Job& j = *static_cast<const Job*>(arg);
    const int64_t C = j.p->in_channels;
    for (int64_t s = begin; s < end; ++s) {
      float* line = j.slots + s * j.l.slot_floats + j.l.v_floats + j.l.m_floats + j.l.obuf_floats;
      input_transform(j, j.x, line, 0, j.l.slots, j.slots, C * s / j.threads, C * (s + 1) / j.threads);
    }
  }

  static void panel_task(void* arg, int64_t begin, int64_t end) {
    const Job& j = *static_cast<const Job*>(arg);
    const Layout& l = j.l;
    const int64_t panels = l.k_pad / MR;
    const float* v = j.slots;
    float* m = j.slots + l.v_floats;
    for (int64_t s = begin; s < end; ++s) {
      float* obuf = j.slots + s * l.slot_floats + l.v_floats + l.m_floats;
      const int64_t pn0 = panels * s / j.threads, pn1 = panels * (s + 1) / j.threads;
      gemm(j, v, m, pn0, pn1);
      const int64_t k1 = pn1 * MR < j.p->out_channels ? pn1 * MR : j.p->out_channels;
      if (pn0 * MR < k1) output_transform(j, j.y, 0, l.slots, m, obuf, pn0 * MR, k1);
    }
  }

  // Batched mode (Layout::group > 1), in three passes over the slots: the input transforms of a range of input
  // channels for every image of the group, the GEMMs of a range of transform components, the output transforms
  // of a range of output channels.
  static void batched_input_task(void* arg, int64_t begin, int64_t end) {
    const Job& j = *static_cast<const Job*>(arg);
    const Conv2dParams& p = *j.p;
    for (int64_t s = begin; s < end; ++s) {
      float* line = j.slots + s * j.l.slot_floats + j.l.obuf_floats;
      const int64_t c0 = p.in_channels * s / j.threads, c1 = p.in_channels * (s + 1) / j.threads;
      for (int64_t i = 0; i < j.count; ++i)
        input_transform(j, j.x + (j.n0 + i) * conv_in_image_stride(p), line, 0, j.l.slots, j.gv + i * j.l.slots, c0,
                        c1);
    }
  }

  static void batched_gemm_task(void* arg, int64_t begin, int64_t end) {
    const Job& j = *static_cast<const Job*>(arg);
    const Layout& l = j.l;
    const int64_t C = j.p->in_channels;
    for (int64_t s = begin; s < end; ++s) {
      void* ws = j.slots + s * l.slot_floats + (l.slot_floats - l.gemm_ws_floats);
      for (int64_t xi = XIS * s / j.threads; xi < XIS * (s + 1) / j.threads; ++xi) {
        GemmPackedParams g = batched_gemm(l, *j.p, j.packed + xi * l.k_pad * C, j.gv + xi * l.v_xi, j.gm + xi * l.m_xi);
        g.n = j.count * l.slots;
        gemm_packed(Isa::kKernelIsa, g, ws, GemmThreading{});
      }
    }
  }

  static void batched_output_task(void* arg, int64_t begin, int64_t end) {
    const Job& j = *static_cast<const Job*>(arg);
    const Conv2dParams& p = *j.p;
    for (int64_t s = begin; s < end; ++s) {
      float* obuf = j.slots + s * j.l.slot_floats;
      const int64_t k0 = p.out_channels * s / j.threads, k1 = p.out_channels * (s + 1) / j.threads;
      for (int64_t i = 0; i < j.count; ++i)
        output_transform(j, j.y + (j.n0 + i) * conv_out_image_stride(p), 0, j.l.slots, j.gm + i * j.l.slots, obuf, k0,
                         k1);
    }
  }

  static void run_batched(Job& j, const WinogradThreading& th) {
    const Conv2dParams& p = *j.p;
    j.l = batched_layout(Isa::kKernelIsa, j.l, p);
    const Layout& l = j.l;
    j.gv = j.slots;
    j.gm = j.gv + l.group_v_floats;
    j.slots = j.gm + l.group_m_floats;
    void (*const passes[3])(void*, int64_t, int64_t) = {batched_input_task, batched_gemm_task, batched_output_task};
    for (j.n0 = 0; j.n0 < p.batch; j.n0 += l.group) {
      j.count = p.batch - j.n0 < l.group ? p.batch - j.n0 : l.group;
      for (auto pass : passes) {
        if (th.parallel_for && j.threads > 1)
          th.parallel_for(th.ctx, j.threads, pass, &j);
        else
          pass(&j, 0, j.threads);
      }
    }
  }

  static void run_fixed(const PathConfig& cfg, const Conv2dParams& p, const float* x, const float* packed,
                        const float* bias, float* y, void* workspace, const WinogradThreading& th) {
    Job j;
    j.p = &p;
    j.l = layout(cfg, p, M);
    j.packed = packed;
    j.bias = bias;
    j.threads = th.threads < 1 ? 1 : th.threads;
    j.slots = simd_detail::align64(workspace);
    if (j.l.group > 1) {
      j.x = x;
      j.y = y;
      run_batched(j, th);
      return;
    }
    for (int64_t n = 0; n < p.batch; ++n) {
      j.x = x + n * conv_in_image_stride(p);
      j.y = y + n * conv_out_image_stride(p);
      if (th.parallel_for && j.threads > 1 && j.l.blocks == 1) {
        th.parallel_for(th.ctx, j.threads, channel_task, &j);
        th.parallel_for(th.ctx, j.threads, panel_task, &j);
      } else if (th.parallel_for && j.threads > 1) {
        th.parallel_for(th.ctx, j.threads, block_task, &j);
      } else {
        block_task(&j, 0, j.threads);
      }
    }
  }
};

// Runs with the tile edge m and the block width layout() picks for p (the packing depends only on m and
// MR, not on NV).
template <class Isa, int MR, int NV>
void run(const PathConfig& cfg, const Conv2dParams& p, int m, const float* x, const float* packed, const float* bias,
         float* y, void* workspace, const WinogradThreading& th) {
  const bool narrow = NV > 1 && layout(cfg, p, m).nv == 1;
  if (m == 2) {
    if (narrow)
      Winograd<Isa, MR, 1, 2>::run_fixed(cfg, p, x, packed, bias, y, workspace, th);
    else
      Winograd<Isa, MR, NV, 2>::run_fixed(cfg, p, x, packed, bias, y, workspace, th);
  } else {
    if (narrow)
      Winograd<Isa, MR, 1, 4>::run_fixed(cfg, p, x, packed, bias, y, workspace, th);
    else
      Winograd<Isa, MR, NV, 4>::run_fixed(cfg, p, x, packed, bias, y, workspace, th);
  }
}

}  // namespace
}  // namespace vigil::kernels::winograd_detail
