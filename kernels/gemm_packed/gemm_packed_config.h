// Tile and cache-block sizes of every gemm_packed path, and the workspace arithmetic that both the
// baseline API (gemm_packed_workspace_bytes) and the per-ISA drivers must agree on.
//
// Everything here is constexpr data or has internal linkage: this header is included by files compiled
// with different -m flags, and a shared inline function could be linked from the AVX-512 object into
// baseline code (ODR).
#pragma once

#include <cstdint>

namespace vigil::kernels::gemm_packed_detail {

struct BlockingConfig {
  int mr, nr;
  int64_t kc, nc, mc;
};

// Chosen by measurement (docs/KERNELS.md has the numbers): the B micro-panel (KC x NR, 32 KiB for
// AVX-512) stays in L1 while the A block (MC x KC, 256 KiB) streams from L2; a packed B block (KC x NC,
// 768 KiB) fits L2 (1 MiB on Zen 4, 2 MiB on Sapphire Rapids). AVX-512 uses 8x32 rather than 14x32 or
// 12x32: the channel counts of CNNs are multiples of 8, so no rows of the tile are wasted, and it measured
// fastest. Every path uses the same KC, so AVX2 and AVX-512 sum each output in the same order.
constexpr BlockingConfig kScalarConfig = {4, 8, 256, 512, 128};
constexpr BlockingConfig kAvx2Config = {6, 16, 256, 768, 240};
constexpr BlockingConfig kAvx512Config = {8, 32, 256, 768, 256};

namespace {

constexpr int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
constexpr int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }
constexpr int64_t min_i64(int64_t a, int64_t b) { return a < b ? a : b; }
constexpr int64_t max_i64(int64_t a, int64_t b) { return a > b ? a : b; }

// Packed B panels are kc*NR floats plus this padding apart: without it, the same row of consecutive
// panels would sit a multiple of 4 KiB apart, in one L1 set, and packing (which writes one row of every
// panel in turn) would keep evicting its own lines.
constexpr int64_t kPanelPadFloats = 16;
constexpr int64_t panel_stride(int64_t kc, int nr) { return kc * nr + kPanelPadFloats; }

// The implicit-im2col gather plan of one N block (gemm_packed_driver.h): at most one chunk per column,
// and up to this many bytes of (kernel tap x chunk) entries; larger plans fall back to the segment walk.
constexpr int64_t kIm2colChunkBytes = 16;
constexpr int64_t kIm2colTapBytesCapacity = int64_t{160} << 10;

// Floats of one task's slot: the packed B block, then the im2col plan, each a whole number of 64-byte
// lines.
constexpr int64_t packed_b_floats(const BlockingConfig& cfg, int64_t n, int64_t k) {
  const int64_t panels = ceil_div(min_i64(cfg.nc, round_up(n, cfg.nr)), cfg.nr);
  return round_up(panels * panel_stride(min_i64(cfg.kc, k), cfg.nr), 16);
}
constexpr int64_t im2col_plan_floats(const BlockingConfig& cfg) {
  return round_up((cfg.nc * kIm2colChunkBytes + kIm2colTapBytesCapacity) / 4, 16);
}
constexpr int64_t slot_floats(const BlockingConfig& cfg, int64_t n, int64_t k) {
  return packed_b_floats(cfg, n, k) + im2col_plan_floats(cfg);
}

// How a product is split into tasks: a tn x tm grid of contiguous panel ranges (tasks = tn * tm).
struct TaskPlan {
  int64_t tn = 1, tm = 1;
};

// Default for GemmThreading::min_parallel_macs. With the engine's pool waking workers by a short spin
// (engine/thread_pool.h) a split costs a few microseconds: on actdet's 8x8 head convs (2-8 M multiply-adds)
// 2 threads took H0 0.113-0.123 -> 0.068-0.076 ms, A2 0.058 -> 0.035 ms (same run, idle machine). Below
// ~1 M multiply-adds (~10 us on one core) the split is not worth it. (When workers slept on a condition
// variable, waking one cost tens of microseconds and the threshold was 12 M.)
constexpr int64_t kDefaultMinParallelMacs = int64_t{1} << 20;

// The grid with the smallest per-task share of microkernel tiles for `threads` tasks. Ties go to the grid
// that moves the least data per task: a task streams its rows of packed A (m/tm x k) and packs its columns
// of B (k x n/tn). Large images thus split N (each task packs a disjoint part of B), small ones with many
// channels split M: on an 8x8 layer (n = 64, 512 x 4608 weights) splitting N made both threads stream all
// 9 MB of A for one panel each, and 2 threads were no faster than one.
constexpr TaskPlan plan_tasks(const BlockingConfig& cfg, int64_t m, int64_t n, int64_t k, int threads,
                              int64_t min_parallel_macs) {
  TaskPlan best;
  if (min_parallel_macs <= 0) min_parallel_macs = kDefaultMinParallelMacs;
  if (threads <= 1 || m * n * k < min_parallel_macs) return best;
  const int64_t m_panels = ceil_div(m, cfg.mr), n_panels = ceil_div(n, cfg.nr);
  int64_t best_cost = -1, best_traffic = -1;
  for (int64_t tn = threads; tn >= 1; --tn) {
    if (threads % tn != 0) continue;
    const int64_t tm = threads / tn;
    if (tn > n_panels || tm > m_panels) continue;
    const int64_t cost = ceil_div(n_panels, tn) * ceil_div(m_panels, tm);
    const int64_t traffic = ceil_div(m_panels, tm) * cfg.mr + ceil_div(n_panels, tn) * cfg.nr;  // x k
    if (best_cost < 0 || cost < best_cost || (cost == best_cost && traffic < best_traffic)) {
      best_cost = cost;
      best_traffic = traffic;
      best = {tn, tm};
    }
  }
  return best;
}

}  // namespace

}  // namespace vigil::kernels::gemm_packed_detail
