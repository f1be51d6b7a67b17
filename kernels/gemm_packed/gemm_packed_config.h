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

// Chosen by measurement with vigil-kbench (docs/ops/h9.md): the B micro-panel (KC x NR) and the A
// micro-panel (MR x KC) fit L1 together (32 KiB on Zen 4, 48 KiB on Sapphire Rapids); an A block
// (MC x KC) fits half of L2 (1 MiB on Zen 4); a packed B block (KC x NC) fits L2 too.
constexpr BlockingConfig kScalarConfig = {4, 8, 256, 512, 128};
constexpr BlockingConfig kAvx2Config = {6, 16, 256, 768, 120};
constexpr BlockingConfig kAvx512Config = {14, 32, 256, 768, 224};

namespace {

constexpr int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
constexpr int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }
constexpr int64_t min_i64(int64_t a, int64_t b) { return a < b ? a : b; }
constexpr int64_t max_i64(int64_t a, int64_t b) { return a > b ? a : b; }

// Floats of one task's packed-B slot, rounded up to a whole number of 64-byte lines.
constexpr int64_t slot_floats(const BlockingConfig& cfg, int64_t n, int64_t k) {
  const int64_t cols = min_i64(cfg.nc, round_up(n, cfg.nr));
  const int64_t rows = min_i64(cfg.kc, k);
  return round_up(rows * cols, 16);
}

// How a product is split into tasks: a tn x tm grid of contiguous panel ranges (tasks = tn * tm).
struct TaskPlan {
  int64_t tn = 1, tm = 1;
};

// Below this many multiply-adds a product runs as one task: waking threads costs more than it saves.
constexpr int64_t kMinParallelMacs = int64_t{1} << 18;

// The grid with the smallest per-task share of microkernel tiles for `threads` tasks; ties prefer
// splitting N (each task then packs a disjoint part of B instead of every task packing all of it).
constexpr TaskPlan plan_tasks(const BlockingConfig& cfg, int64_t m, int64_t n, int64_t k, int threads) {
  TaskPlan best;
  if (threads <= 1 || m * n * k < kMinParallelMacs) return best;
  const int64_t m_panels = ceil_div(m, cfg.mr), n_panels = ceil_div(n, cfg.nr);
  int64_t best_cost = -1;
  for (int64_t tn = threads; tn >= 1; --tn) {
    if (threads % tn != 0) continue;
    const int64_t tm = threads / tn;
    if (tn > n_panels || tm > m_panels) continue;
    const int64_t cost = ceil_div(n_panels, tn) * ceil_div(m_panels, tm);
    if (best_cost < 0 || cost < best_cost) {
      best_cost = cost;
      best = {tn, tm};
    }
  }
  return best;
}

}  // namespace

}  // namespace vigil::kernels::gemm_packed_detail
