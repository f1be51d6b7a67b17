// The cache-blocked loop nest of gemm_packed, shared by every ISA path: B packing (dense or implicit
// im2col), the task split across threads and the K/N/M block loops around a path's microkernel.
//
// Included ONLY by gemm_packed_{scalar,avx2,avx512}.cpp, each compiled with its own -m flags, and by the
// baseline gemm_packed.cpp (gemm_pack_b packs with pack_b_dense). Everything
// is in an anonymous namespace (internal linkage) and uses no std:: templates, so each object file gets
// its own copy and the linker can never hand baseline code a function compiled for AVX-512 (ODR).
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/gemm_packed/gemm_packed.h"
#include "kernels/gemm_packed/gemm_packed_config.h"

namespace vigil::kernels::gemm_packed_detail {
namespace {

#define VIGIL_GEMM_INLINE inline __attribute__((always_inline))

// One microkernel call: C[mr x nr] tile (+)= A panel (MR x kc) * B panel (kc x NR), and the epilogue when
// `last`. Rows >= mr and columns >= nr of the packed panels are zero padding and are not stored.
struct TileArgs {
  const float* a;       // packed A panel at K offset pc: kc groups of MR floats
  const float* a_next;  // A data a later tile reads first, to prefetch (a_step floats per K step); or null
  int64_t a_step;
  const float* b;  // packed B panel: kc rows of NR floats
  int64_t kc;
  float* c;  // C tile's first element
  int64_t ldc;
  int mr, nr;
  bool load_c;            // add C's current contents (a previous K block, or accumulate)
  bool last;              // the last K block: apply bias, activation, residual
  const float* bias;      // the tile's first row's bias, or null
  const float* residual;  // the tile's first element in the residual, or null
  int64_t ld_residual;
  bool residual_first;  // add the residual before the activation (GemmPackedParams::residual_before_activation)
  const ActivationParams* act;
};

// ---- B packing: a block of kc rows x nc columns into NR-column panels, zero-padded to NR ----

template <int NR>
void pack_b_dense(const float* b, int64_t ldb, int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* dst) {
  for (int64_t j = 0; j < nc; j += NR) {
    const int64_t cols = min_i64(NR, nc - j);
    float* d = dst + (j / NR) * panel_stride(kc, NR);
    const float* s = b + k0 * ldb + n0 + j;
    if (cols == NR) {
      for (int64_t q = 0; q < kc; ++q) std::memcpy(d + q * NR, s + q * ldb, NR * sizeof(float));
    } else {
      for (int64_t q = 0; q < kc; ++q) {
        std::memcpy(d + q * NR, s + q * ldb, static_cast<size_t>(cols) * sizeof(float));
        std::memset(d + q * NR + cols, 0, static_cast<size_t>(NR - cols) * sizeof(float));
      }
    }
  }
}

// Walks rows k0..k0+kc and columns n0..n0+nc of the implicit im2col matrix as output-row segments
// (split where they cross an NR panel boundary) and calls
//   segment(row, iw0, len, out)
// for each: out[t] = row[iw0 + t*stride_w] for t < len where that is inside the input row, else 0;
// row == null when the whole input row is padding. Index arithmetic is paid per segment, not per element.
// Panel padding columns (past nc in the last panel) are zeroed here.
template <int NR, class Segment>
VIGIL_GEMM_INLINE void walk_im2col(const Im2colGeometry& g, const float* x, int64_t k0, int64_t kc, int64_t n0,
                                   int64_t nc, float* dst, Segment&& segment) {
  const int64_t kernel_area = g.kernel_h * g.kernel_w;
  const int64_t plane = g.in_h * g.in_w;
  int64_t c = k0 / kernel_area;
  int64_t i = (k0 % kernel_area) / g.kernel_w;
  int64_t j = k0 % g.kernel_w;
  const int64_t oh_first = n0 / g.out_w, ow_first = n0 % g.out_w;
  for (int64_t q = 0; q < kc; ++q) {
    const float* xc = x + c * plane;
    const int64_t ih_offset = i * g.dilation_h - g.pad_top;
    const int64_t iw_offset = j * g.dilation_w - g.pad_left;
    int64_t col = 0, oh = oh_first, ow = ow_first;
    while (col < nc) {
      const int64_t ih = oh * g.stride_h + ih_offset;
      const float* row = (ih >= 0 && ih < g.in_h) ? xc + ih * g.in_w : nullptr;
      int64_t row_len = min_i64(g.out_w - ow, nc - col);
      while (row_len > 0) {
        const int64_t in_panel = col % NR;
        const int64_t len = min_i64(row_len, NR - in_panel);
        segment(row, ow * g.stride_w + iw_offset, len, dst + (col / NR) * panel_stride(kc, NR) + q * NR + in_panel);
        col += len;
        ow += len;
        row_len -= len;
      }
      if (ow == g.out_w) {
        ow = 0;
        ++oh;
      }
    }
    if (nc % NR != 0)
      std::memset(dst + (nc / NR) * panel_stride(kc, NR) + q * NR + nc % NR, 0,
                  static_cast<size_t>(NR - nc % NR) * sizeof(float));
    if (++j == g.kernel_w) {
      j = 0;
      if (++i == g.kernel_h) {
        i = 0;
        ++c;
      }
    }
  }
}

// The valid range [t_lo, t_hi) of a segment: 0 <= iw0 + t*sw < in_w, clamped to [0, len].
struct SegmentRange {
  int64_t lo, hi;
};
inline SegmentRange segment_range(int64_t in_w, int64_t iw0, int64_t sw, int64_t len) {
  int64_t lo = iw0 >= 0 ? 0 : ceil_div(-iw0, sw);
  int64_t hi = iw0 < in_w ? ceil_div(in_w - iw0, sw) : 0;
  lo = min_i64(lo, len);
  return {lo, max_i64(min_i64(hi, len), lo)};
}

// Plain C++ segment: memset / memcpy (stride 1) / strided copy.
inline void gather_row_segment(const float* row, int64_t in_w, int64_t iw0, int64_t sw, int64_t len, float* out) {
  if (row == nullptr) {
    std::memset(out, 0, static_cast<size_t>(len) * sizeof(float));
    return;
  }
  const SegmentRange r = segment_range(in_w, iw0, sw, len);
  if (r.lo > 0) std::memset(out, 0, static_cast<size_t>(r.lo) * sizeof(float));
  if (sw == 1) {
    if (r.hi > r.lo) std::memcpy(out + r.lo, row + iw0 + r.lo, static_cast<size_t>(r.hi - r.lo) * sizeof(float));
  } else {
    const float* s = row + iw0 + r.lo * sw;
    for (int64_t t = r.lo; t < r.hi; ++t, s += sw) out[t] = *s;
  }
  if (r.hi < len) std::memset(out + r.hi, 0, static_cast<size_t>(len - r.hi) * sizeof(float));
}

// A precomputed gather plan for one N block of an implicit im2col B. The block's columns are cut into
// chunks: maximal runs of consecutive columns in one output row and one NR panel. For every kernel tap
// (i, j) and chunk the plan holds where the chunk's values start in an input channel plane and, per
// W-lane vector of the chunk, a bit mask of the source positions inside the image (stride 1: bit t =
// lane t; stride 2: bit p = position p of the 2W read, even p only). The plan does not depend on the
// channel or the K block, so it is built once per N block; a packed row then costs, per chunk, one
// masked load (two for stride 2) and one store per vector, with no index arithmetic.
struct Im2colChunk {
  int32_t panel, in_panel, count;  // destination panel, its first column there, columns (<= NR)
  int32_t unused;
};
template <int NV>
struct Im2colTap {
  int32_t src;        // offset of the chunk's first value from the channel plane's start (may be < 0)
  uint32_t mask[NV];  // per vector: source positions inside the image (0: all padding)
};
struct Im2colPlan {
  const Im2colChunk* chunks = nullptr;
  const void* taps = nullptr;  // Im2colTap<NV>[kernel_h * kernel_w][chunk_count]
  int64_t chunk_count = 0;
  bool valid = false;  // false: use the segment walk instead
};

// Bits [lo, hi) of a 32-bit mask (0 <= lo, hi <= 32).
inline uint32_t bit_range(int64_t lo, int64_t hi) {
  if (hi <= lo) return 0;
  const uint64_t upper = (uint64_t{1} << hi) - 1, lower = (uint64_t{1} << lo) - 1;
  return static_cast<uint32_t>(upper & ~lower);
}

// Builds the plan in `storage` (im2col_plan_floats). Leaves it invalid when it does not apply: stride
// above 2, planes too large for 32-bit offsets, or more taps than fit.
template <int NR, int W>
Im2colPlan build_im2col_plan(const Im2colGeometry& g, int64_t n0, int64_t nc, float* storage) {
  constexpr int NV = NR / W;
  Im2colPlan plan;
  Im2colChunk* chunks = reinterpret_cast<Im2colChunk*>(storage);
  Im2colTap<NV>* taps = reinterpret_cast<Im2colTap<NV>*>(storage + kIm2colChunkBytes / 4 * round_up(nc, 4));
  plan.chunks = chunks;
  plan.taps = taps;
  if (g.stride_w > 2 || g.in_h * g.in_w >= (int64_t{1} << 30)) return plan;
  int64_t col = 0, ow = n0 % g.out_w, count = 0;
  while (col < nc) {
    const int64_t len = min_i64(min_i64(g.out_w - ow, NR - col % NR), nc - col);
    chunks[count++] = {static_cast<int32_t>(col / NR), static_cast<int32_t>(col % NR), static_cast<int32_t>(len), 0};
    col += len;
    ow += len;
    if (ow == g.out_w) ow = 0;
  }
  plan.chunk_count = count;
  if (g.kernel_h * g.kernel_w * count * static_cast<int64_t>(sizeof(Im2colTap<NV>)) > kIm2colTapBytesCapacity)
    return plan;
  const int64_t sw = g.stride_w;
  for (int64_t i = 0; i < g.kernel_h; ++i) {
    for (int64_t j = 0; j < g.kernel_w; ++j) {
      Im2colTap<NV>* row_taps = taps + (i * g.kernel_w + j) * count;
      int64_t oh = n0 / g.out_w, c_ow = n0 % g.out_w;
      for (int64_t ch = 0; ch < count; ++ch) {
        const int64_t len = chunks[ch].count;
        const int64_t ih = oh * g.stride_h - g.pad_top + i * g.dilation_h;
        const int64_t iw0 = c_ow * sw - g.pad_left + j * g.dilation_w;
        Im2colTap<NV> tap{};
        if (ih >= 0 && ih < g.in_h) {
          const SegmentRange r = segment_range(g.in_w, iw0, sw, len);  // valid columns t in [lo, hi)
          tap.src = static_cast<int32_t>(ih * g.in_w + iw0);
          for (int v = 0; v < NV; ++v) {
            const int64_t lo = max_i64(r.lo - v * W, 0), hi = min_i64(r.hi - v * W, W);
            // Stride 2 reads positions [2 lo, 2 hi - 1) of the vector's 2W-float window.
            tap.mask[v] = sw == 1 ? bit_range(lo, hi) : bit_range(2 * lo, 2 * hi - 1);
          }
        }
        row_taps[ch] = tap;
        c_ow += len;
        if (c_ow == g.out_w) c_ow = 0, ++oh;
      }
    }
  }
  plan.valid = true;
  return plan;
}

template <int NR>
void pack_b_im2col(const Im2colGeometry& g, const float* x, int64_t k0, int64_t kc, int64_t n0, int64_t nc,
                   float* dst) {
  walk_im2col<NR>(g, x, k0, kc, n0, nc, dst, [&](const float* row, int64_t iw0, int64_t len, float* out) {
    gather_row_segment(row, g.in_w, iw0, g.stride_w, len, out);
  });
}

// ---- The loop nest ----

template <class Kernel>
struct Driver {
  static constexpr int MR = Kernel::kConfig.mr;
  static constexpr int NR = Kernel::kConfig.nr;
  static constexpr int64_t KC = Kernel::kConfig.kc;
  static constexpr int64_t NC = Kernel::kConfig.nc;
  static constexpr int64_t MC = Kernel::kConfig.mc;
  static_assert(NC % NR == 0 && MC % MR == 0, "blocks must be whole panels");

  const GemmPackedParams* p;
  float* workspace;
  int64_t slot;  // floats per task slot
  TaskPlan plan;

  // The K block [pc, pc + kc) of the B panel of columns jc + jr ..: in the block packed into slot `ws`,
  // or in B packed once (gemm_pack_b), where each panel holds all K rows.
  const float* b_panel(const float* ws, int64_t jc, int64_t jr, int64_t pc, int64_t kc) const {
    if (p->b.packed) return p->b.packed + (jc + jr) / NR * panel_stride(p->k, NR) + pc * NR;
    return ws + (jr / NR) * panel_stride(kc, NR);
  }

  // Columns [n_begin, n_end) and rows [m_begin, m_end) of C, using packed-B slot `ws`.
  void run_range(int64_t n_begin, int64_t n_end, int64_t m_begin, int64_t m_end, float* ws) const {
    const GemmPackedParams& P = *p;
    float* plan_storage = ws + packed_b_floats(Kernel::kConfig, P.n, P.k);
    for (int64_t jc = n_begin; jc < n_end; jc += NC) {
      const int64_t nc = min_i64(NC, n_end - jc);
      Im2colPlan plan;
      if (P.b.im2col && !P.b.packed) plan = Kernel::plan_im2col(*P.b.im2col, jc, nc, plan_storage);
      for (int64_t pc = 0; pc < P.k; pc += KC) {
        const int64_t kc = min_i64(KC, P.k - pc);
        if (P.b.packed)
          ;  // packed once (gemm_pack_b): b_panel reads it where it is
        else if (P.b.im2col)
          Kernel::pack_im2col(*P.b.im2col, P.b.data, pc, kc, jc, nc, plan, ws);
        else
          Kernel::pack_dense(P.b.data, P.b.ld, pc, kc, jc, nc, ws);
        TileArgs t;
        t.kc = kc;
        t.ldc = P.ldc;
        t.load_c = pc > 0 || P.accumulate;
        t.last = pc + kc == P.k;
        t.ld_residual = P.ld_residual;
        t.residual_first = P.residual_before_activation;
        t.act = &P.activation;
        for (int64_t ic = m_begin; ic < m_end; ic += MC) {
          const int64_t mc = min_i64(MC, m_end - ic);
          if (nc <= 2 * NR) {
            // One or two N panels (an 8x8 layer: N = 64, weights of several MB): each A panel's K range
            // serves both N panels back to back, the second time from L1, and both tiles prefetch half of
            // the next panel's, so the weights stream from L3 or memory at an even rate. (Panel by panel
            // over each N panel, all the streaming fell into the first pass over the A block. Measured with
            // the weights evicted from cache, as in a whole model: actdet L26 2.08 -> 1.98 ms, A0 1.13 ->
            // 1.07 ms, H1 1.07 -> 1.01 ms; prefetching two panels ahead, or the next K block's first panel
            // after the last one, measured no different.)
            for (int64_t ir = 0; ir < mc; ir += MR) {
              const int64_t row = ic + ir;
              t.a = P.packed_a + (row / MR) * P.k * MR + pc * MR;
              const float* next_a = row + MR < m_end ? t.a + P.k * MR : nullptr;
              t.mr = static_cast<int>(min_i64(MR, mc - ir));
              t.bias = P.bias ? P.bias + row : nullptr;
              for (int64_t jr = 0; jr < nc; jr += NR) {
                const int64_t col = jc + jr;
                t.b = b_panel(ws, jc, jr, pc, kc);
                t.nr = static_cast<int>(min_i64(NR, nc - jr));
                const bool two = nc > NR;
                t.a_next = next_a ? next_a + (jr == 0 ? 0 : kc * MR / 2) : nullptr;
                t.a_step = two ? MR / 2 : MR;
                t.c = P.c + row * P.ldc + col;
                t.residual = P.residual ? P.residual + row * P.ld_residual + col : nullptr;
                Kernel::tile(t);
              }
            }
            continue;
          }
          for (int64_t jr = 0; jr < nc; jr += NR) {
            t.b = b_panel(ws, jc, jr, pc, kc);
            t.nr = static_cast<int>(min_i64(NR, nc - jr));
            for (int64_t ir = 0; ir < mc; ir += MR) {
              const int64_t row = ic + ir, col = jc + jr;
              t.a = P.packed_a + (row / MR) * P.k * MR + pc * MR;
              // On the first pass over this A block its panels come from L3 or memory (on an 8x8 layer,
              // 9 MB of weights used for only two N panels): fetch the next panel while this one computes.
              // Later passes (jr > 0) find the block in L2.
              t.a_next = jr == 0 && row + MR < m_end ? t.a + P.k * MR : nullptr;
              t.a_step = MR;
              t.mr = static_cast<int>(min_i64(MR, mc - ir));
              t.c = P.c + row * P.ldc + col;
              t.bias = P.bias ? P.bias + row : nullptr;
              t.residual = P.residual ? P.residual + row * P.ld_residual + col : nullptr;
              Kernel::tile(t);
            }
          }
        }
      }
    }
  }

  void run_task(int64_t task) const {
    const int64_t tn_index = task % plan.tn, tm_index = task / plan.tn;
    const int64_t n_panels = ceil_div(p->n, NR), m_panels = ceil_div(p->m, MR);
    const int64_t n_begin = min_i64(p->n, n_panels * tn_index / plan.tn * NR);
    const int64_t n_end = min_i64(p->n, n_panels * (tn_index + 1) / plan.tn * NR);
    const int64_t m_begin = min_i64(p->m, m_panels * tm_index / plan.tm * MR);
    const int64_t m_end = min_i64(p->m, m_panels * (tm_index + 1) / plan.tm * MR);
    if (n_begin < n_end && m_begin < m_end) run_range(n_begin, n_end, m_begin, m_end, workspace + task * slot);
  }

  static void task_trampoline(void* self, int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) static_cast<const Driver*>(self)->run_task(t);
  }

  static void run(const GemmPackedParams& params, void* ws, const GemmThreading& threading) {
    Driver d;
    d.p = &params;
    const uintptr_t address = reinterpret_cast<uintptr_t>(ws);  // packed panels are read with aligned loads
    d.workspace = reinterpret_cast<float*>((address + 63) / 64 * 64);
    d.slot = slot_floats(Kernel::kConfig, params.n, params.k);
    d.plan = plan_tasks(Kernel::kConfig, params.m, params.n, params.k, threading.parallel_for ? threading.threads : 1,
                        threading.min_parallel_macs);
    const int64_t tasks = d.plan.tn * d.plan.tm;
    if (tasks == 1)
      d.run_task(0);
    else
      threading.parallel_for(threading.ctx, tasks, &Driver::task_trampoline, &d);
  }
};

}  // namespace
}  // namespace vigil::kernels::gemm_packed_detail
