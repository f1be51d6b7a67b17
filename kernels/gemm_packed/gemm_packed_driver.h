// The cache-blocked loop nest of gemm_packed, shared by every ISA path: B packing (dense or implicit
// im2col), the task split across threads and the K/N/M block loops around a path's microkernel.
//
// Included ONLY by gemm_packed_{scalar,avx2,avx512}.cpp, each compiled with its own -m flags. Everything
// is in an anonymous namespace (internal linkage) and uses no std:: templates, so each object file gets
// its own copy and the linker can never hand baseline code a function compiled for AVX-512 (ODR).
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/gemm_packed/gemm_packed.h"
#include "kernels/gemm_packed/gemm_packed_config.h"

namespace vigil::kernels::gemm_packed_detail {
namespace {

// One microkernel call: C[mr x nr] tile (+)= A panel (MR x kc) * B panel (kc x NR), and the epilogue when
// `last`. Rows >= mr and columns >= nr of the packed panels are zero padding and are not stored.
struct TileArgs {
  const float* a;  // packed A panel at K offset pc: kc groups of MR floats
  const float* b;  // packed B panel: kc rows of NR floats
  int64_t kc;
  float* c;  // C tile's first element
  int64_t ldc;
  int mr, nr;
  bool load_c;  // add C's current contents (a previous K block, or accumulate)
  bool last;    // the last K block: apply bias, activation, residual
  const float* bias;      // the tile's first row's bias, or null
  const float* residual;  // the tile's first element in the residual, or null
  int64_t ld_residual;
  const ActivationParams* act;
};

// ---- B packing: a block of kc rows x nc columns into NR-column panels, zero-padded to NR ----

template <int NR>
void pack_b_dense(const float* b, int64_t ldb, int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* dst) {
  for (int64_t j = 0; j < nc; j += NR) {
    const int64_t cols = min_i64(NR, nc - j);
    float* d = dst + (j / NR) * kc * NR;
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

// Writes `len` im2col values of one output row segment: out[t] = row[iw0 + t*sw] where 0 <= iw0 + t*sw <
// in_w, else 0. `row` null means the whole input row is padding.
inline void gather_row_segment(const float* row, int64_t in_w, int64_t iw0, int64_t sw, int64_t len, float* out) {
  if (row == nullptr) {
    std::memset(out, 0, static_cast<size_t>(len) * sizeof(float));
    return;
  }
  // Valid t: t >= t_lo (iw >= 0) and t < t_hi (iw < in_w).
  int64_t t_lo = iw0 >= 0 ? 0 : ceil_div(-iw0, sw);
  int64_t t_hi = iw0 < in_w ? ceil_div(in_w - iw0, sw) : 0;
  t_lo = min_i64(t_lo, len);
  t_hi = max_i64(min_i64(t_hi, len), t_lo);
  if (t_lo > 0) std::memset(out, 0, static_cast<size_t>(t_lo) * sizeof(float));
  if (sw == 1) {
    if (t_hi > t_lo) std::memcpy(out + t_lo, row + iw0 + t_lo, static_cast<size_t>(t_hi - t_lo) * sizeof(float));
  } else {
    const float* s = row + iw0 + t_lo * sw;
    for (int64_t t = t_lo; t < t_hi; ++t, s += sw) out[t] = *s;
  }
  if (t_hi < len) std::memset(out + t_hi, 0, static_cast<size_t>(len - t_hi) * sizeof(float));
}

// Packs rows k0..k0+kc and columns n0..n0+nc of the implicit im2col matrix. For each row k = (c, i, j)
// it walks the output rows the block covers, so index arithmetic is paid per output-row segment, not
// per element; segments are split where they cross a panel boundary.
template <int NR>
void pack_b_im2col(const Im2colGeometry& g, const float* x, int64_t k0, int64_t kc, int64_t n0, int64_t nc,
                   float* dst) {
  const int64_t kernel_area = g.kernel_h * g.kernel_w;
  const int64_t plane = g.in_h * g.in_w;
  int64_t c = k0 / kernel_area;
  int64_t i = (k0 % kernel_area) / g.kernel_w;
  int64_t j = k0 % g.kernel_w;
  const int64_t oh_first = n0 / g.out_w, ow_first = n0 % g.out_w;
  const int64_t padded_nc = round_up(nc, NR);
  for (int64_t q = 0; q < kc; ++q) {
    const float* xc = x + c * plane;
    const int64_t ih_offset = i * g.dilation_h - g.pad_top;
    const int64_t iw_offset = j * g.dilation_w - g.pad_left;
    int64_t col = 0, oh = oh_first, ow = ow_first;
    while (col < nc) {
      const int64_t ih = oh * g.stride_h + ih_offset;
      const float* row = (ih >= 0 && ih < g.in_h) ? xc + ih * g.in_w : nullptr;
      int64_t row_len = min_i64(g.out_w - ow, nc - col);
      while (row_len > 0) {  // split at panel boundaries
        const int64_t in_panel = col % NR;
        const int64_t len = min_i64(row_len, NR - in_panel);
        float* out = dst + (col / NR) * kc * NR + q * NR + in_panel;
        gather_row_segment(row, g.in_w, ow * g.stride_w + iw_offset, g.stride_w, len, out);
        col += len;
        ow += len;
        row_len -= len;
      }
      if (ow == g.out_w) {
        ow = 0;
        ++oh;
      }
    }
    if (padded_nc > nc) {  // zero the last panel's padding columns
      const int64_t in_panel = nc % NR;
      std::memset(dst + (nc / NR) * kc * NR + q * NR + in_panel, 0,
                  static_cast<size_t>(NR - in_panel) * sizeof(float));
    }
    if (++j == g.kernel_w) {
      j = 0;
      if (++i == g.kernel_h) {
        i = 0;
        ++c;
      }
    }
  }
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

  // Columns [n_begin, n_end) and rows [m_begin, m_end) of C, using packed-B slot `ws`.
  void run_range(int64_t n_begin, int64_t n_end, int64_t m_begin, int64_t m_end, float* ws) const {
    const GemmPackedParams& P = *p;
    for (int64_t jc = n_begin; jc < n_end; jc += NC) {
      const int64_t nc = min_i64(NC, n_end - jc);
      for (int64_t pc = 0; pc < P.k; pc += KC) {
        const int64_t kc = min_i64(KC, P.k - pc);
        if (P.b.im2col)
          pack_b_im2col<NR>(*P.b.im2col, P.b.data, pc, kc, jc, nc, ws);
        else
          pack_b_dense<NR>(P.b.data, P.b.ld, pc, kc, jc, nc, ws);
        TileArgs t;
        t.kc = kc;
        t.ldc = P.ldc;
        t.load_c = pc > 0 || P.accumulate;
        t.last = pc + kc == P.k;
        t.ld_residual = P.ld_residual;
        t.act = &P.activation;
        for (int64_t ic = m_begin; ic < m_end; ic += MC) {
          const int64_t mc = min_i64(MC, m_end - ic);
          for (int64_t jr = 0; jr < nc; jr += NR) {
            t.b = ws + (jr / NR) * kc * NR;
            t.nr = static_cast<int>(min_i64(NR, nc - jr));
            for (int64_t ir = 0; ir < mc; ir += MR) {
              const int64_t row = ic + ir, col = jc + jr;
              t.a = P.packed_a + (row / MR) * P.k * MR + pc * MR;
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
    d.workspace = static_cast<float*>(ws);
    d.slot = slot_floats(Kernel::kConfig, params.n, params.k);
    d.plan = plan_tasks(Kernel::kConfig, params.m, params.n, params.k,
                        threading.parallel_for ? threading.threads : 1);
    const int64_t tasks = d.plan.tn * d.plan.tm;
    if (tasks == 1)
      d.run_task(0);
    else
      threading.parallel_for(threading.ctx, tasks, &Driver::task_trampoline, &d);
  }
};

}  // namespace
}  // namespace vigil::kernels::gemm_packed_detail
