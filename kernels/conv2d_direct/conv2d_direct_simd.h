// conv2d_direct's vector code, written once over the gemm_packed ISA traits (gemm_packed_simd.h): the
// plane copy, the microkernel (the GEMM's register tile with B loaded from the planes) and the row loop.
// Included ONLY by conv2d_direct_{avx2,avx512}.cpp; internal linkage (kernels/gemm_packed/gemm_packed_driver.h
// says why).
#pragma once

#include <cstring>

#include "kernels/conv2d_direct/conv2d_direct.h"
#include "kernels/conv2d_direct/conv2d_direct_layout.h"
#include "kernels/gemm_packed/gemm_packed_simd.h"

namespace vigil::kernels::conv2d_direct_detail {
namespace {

namespace gp = gemm_packed_detail;

template <class Isa, int MR, int NV>
struct Direct {
  using F = xsimd::batch<float, typename Isa::Arch>;
  static constexpr int W = Isa::W, NR = NV * W;
  static_assert(NV == 2, "PlaneLayout::run_rows assumes two vectors per tile");
  // The GEMM microkernel with the same tile: its epilogue (bias, activation, residual, edge masks) is
  // reused as is, so both kernels round every output the same way after the sum. (The block sizes do
  // not matter here.)
  using Gemm = gp::Microkernel<Isa, MR, NV, 256, NR, MR>;

  // One image of one call; read-only while the tasks run.
  struct Call {
    const Conv2dParams* p;
    PlaneLayout layout;
    const float* x;         // the image
    const float* packed;    // packed A: ceil(M / MR) panels of K groups of MR weights
    const float* bias;      // or null
    const float* residual;  // the image's residual, or null
    float* y;               // the image's output
    float* planes;
    const int64_t* offsets;  // per tap k: where its run for output (0, 0) starts in `planes`
    int64_t k;
    int64_t tasks;
  };

  // The band of output rows from oh0: every input row it needs (channel by channel) into its row of each
  // phase plane. Stride 2 splits each 2W-float window of the row into both phases at once (two loads, two
  // shuffles, two stores per 2W values); stride 1 is one load per vector. Masks zero what lies outside the
  // image; inside it (most vectors) they are constants.
  static void fill(const Call& c, float* planes, int64_t oh0) {
    const Conv2dParams& p = *c.p;
    const PlaneLayout& l = c.layout;
    const int64_t s = l.phases;
    const int64_t plane = l.rows * l.width;
    for (int64_t item = 0; item < p.in_channels * l.rows; ++item) {
      const int64_t r = item % l.rows, ch = item / l.rows;
      const int64_t ih = oh0 * p.stride_h + r - p.pad_top;
      float* dst = planes + (ch * s * l.rows + r) * l.width;  // phase 0; phase 1 is `plane` floats on
      if (ih < 0 || ih >= p.in_h) {
        for (int64_t ph = 0; ph < s; ++ph)
          std::memset(dst + ph * plane, 0, static_cast<size_t>(l.width) * sizeof(float));
        continue;
      }
      const float* row = c.x + (ch * p.in_h + ih) * p.in_w;
      for (int64_t u = 0; u < l.width; u += W) {
        const int64_t iw0 = (u - l.left) * s;  // the window [iw0, iw0 + s*W) of the input row
        uint32_t bits = s == 1 ? gp::bit_range(0, W) : ~uint32_t{0};
        const bool inside = iw0 >= 0 && iw0 + s * W <= p.in_w;
        if (!inside)
          bits =
              gp::bit_range(gp::min_i64(gp::max_i64(-iw0, 0), s * W), gp::min_i64(gp::max_i64(p.in_w - iw0, 0), s * W));
        if (s == 1) {
          Isa::load_mask(row + iw0, bits).store_aligned(dst + u);
        } else {
          F even, odd;
          Isa::load_deinterleave(row + iw0, bits, even, odd);
          even.store_aligned(dst + u);
          odd.store_aligned(dst + plane + u);
        }
      }
    }
  }

  // `next_c`: the C tile computed next (or null). With K this short a tile takes ~100 cycles, too few to
  // hide the misses of its own C lines (written for the first time), so this tile fetches the next one's.
  // kRows: vector v of B comes from output row v of the run (`row_stride` floats on in the planes) rather
  // than from the next W pixels of one row (PlaneLayout::run_rows).
  template <bool kRows>
  static VIGIL_GEMM_INLINE void tile(const float* a, const float* base, const int64_t* offsets, int64_t k,
                                     const gp::TileArgs& t, const float* next_c, int64_t row_stride) {
    if (next_c) {
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) {
        if (r >= t.mr) break;
#pragma GCC unroll 4
        for (int v = 0; v < NR / 16; ++v) __builtin_prefetch(next_c + r * t.ldc + v * 16, 1, 3);
      }
    }
    F acc[MR][NV];
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = F(0.0f);
#pragma GCC unroll 2
    for (int64_t q = 0; q < k; ++q) {
      const float* b = base + offsets[q];
      F bv[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) bv[v] = F::load_unaligned(b + v * (kRows ? row_stride : W));
      Gemm::rank1_update(a, bv, acc);
      a += MR;
    }
    Gemm::store(t.act->kind, t, acc);
  }

  // Output rows [oh0, oh_end) of the band in `planes`: per NR-pixel run of a row, every channel panel in
  // turn, so the run's K tap vectors are reused from L1 by all panels.
  static void rows(const Call& c, const float* planes, int64_t oh0, int64_t oh_end) {
    const Conv2dParams& p = *c.p;
    const int64_t n = p.out_h * p.out_w, m = p.out_channels;
    gp::TileArgs t{};
    t.kc = c.k;
    t.ldc = n;
    t.load_c = false;
    t.last = true;
    t.ld_residual = n;
    t.residual_first = p.residual_before_activation;
    t.act = &p.activation;
    const int64_t row_stride = p.stride_h * c.layout.width;  // planes: from one output row to the next
    const int64_t run_rows = c.layout.run_rows;
    for (int64_t oh = oh0; oh < oh_end; oh += run_rows) {
      for (int64_t ow0 = 0; ow0 < p.out_w; ow0 += NR) {
        const float* base = planes + (oh - oh0) * row_stride + ow0;
        // Two rows per run: out_w = W, ow0 = 0, and the run's pixels are rows oh, oh + 1 of Y (consecutive).
        t.nr = static_cast<int>(run_rows > 1 ? gp::min_i64(run_rows, oh_end - oh) * W : gp::min_i64(NR, p.out_w - ow0));
        const int64_t pixel = oh * p.out_w + ow0;
        for (int64_t m0 = 0; m0 < m; m0 += MR) {
          t.mr = static_cast<int>(gp::min_i64(MR, m - m0));
          t.c = c.y + m0 * n + pixel;
          t.bias = c.bias ? c.bias + m0 : nullptr;
          t.residual = c.residual ? c.residual + m0 * n + pixel : nullptr;
          // The next tile: the next channel panel, else the first panel of the next pixel run (which may
          // lie past this task's rows or the image: only prefetched, never read from here).
          const float* next_c = m0 + MR < m ? t.c + MR * n : (pixel + NR < n ? c.y + pixel + NR : nullptr);
          if (run_rows > 1)
            tile<true>(c.packed + m0 * c.k, base, c.offsets, c.k, t, next_c, row_stride);
          else
            tile<false>(c.packed + m0 * c.k, base, c.offsets, c.k, t, next_c, row_stride);
        }
      }
    }
  }

  // Tasks [begin, end) of c.tasks: each copies and computes its share of the bands in its own slot.
  static void band_task(void* arg, int64_t begin, int64_t end) {
    const Call& c = *static_cast<const Call*>(arg);
    const int64_t band_rows = c.layout.band_rows;
    const int64_t bands = ceil_div(c.p->out_h, band_rows);
    for (int64_t t = begin; t < end; ++t) {
      float* planes = c.planes + t * c.layout.band_floats(c.p->in_channels);
      for (int64_t b = bands * t / c.tasks; b < bands * (t + 1) / c.tasks; ++b) {
        const int64_t oh0 = b * band_rows;
        const int64_t oh_end = gp::min_i64(oh0 + band_rows, c.p->out_h);
        fill(c, planes, oh0);
        rows(c, planes, oh0, oh_end);
      }
    }
  }

  static void run(const Conv2dParams& p, const float* x, const float* packed, const float* bias, const float* residual,
                  float* y, void* workspace, const GemmThreading& threading) {
    Call c;
    c.p = &p;
    c.layout = plane_layout(p, NR);
    const PlaneLayout& l = c.layout;
    const uintptr_t address = reinterpret_cast<uintptr_t>(workspace);  // planes are written with aligned stores
    c.planes = reinterpret_cast<float*>((address + 63) / 64 * 64);
    const int64_t min_macs =
        threading.min_parallel_macs > 0 ? threading.min_parallel_macs : gp::kDefaultMinParallelMacs;
    c.k = p.in_channels * p.kernel_h * p.kernel_w;
    const int64_t macs = p.out_channels * p.out_h * p.out_w * c.k;
    c.tasks = threading.parallel_for && threading.threads > 1 && macs >= min_macs ? threading.threads : 1;
    int64_t* offsets = reinterpret_cast<int64_t*>(c.planes + c.tasks * l.band_floats(p.in_channels));
    c.offsets = offsets;
    for (int64_t ch = 0, q = 0; ch < p.in_channels; ++ch)
      for (int64_t i = 0; i < p.kernel_h; ++i)
        for (int64_t j = 0; j < p.kernel_w; ++j, ++q) {
          const int64_t shift = j * p.dilation_w - p.pad_left;
          const int64_t off = floor_div(shift, l.phases), phase = shift - off * l.phases;
          offsets[q] = ((ch * l.phases + phase) * l.rows + i * p.dilation_h) * l.width + off + l.left;
        }
    c.packed = packed;
    c.bias = bias;
    const int64_t out_image = p.out_channels * p.out_h * p.out_w;  // the residual is dense
    for (int64_t img = 0; img < p.batch; ++img) {
      c.x = x + img * conv_in_image_stride(p);
      c.y = y + img * conv_out_image_stride(p);
      c.residual = residual ? residual + img * out_image : nullptr;
      if (c.tasks == 1)
        band_task(&c, 0, 1);
      else
        threading.parallel_for(threading.ctx, c.tasks, &band_task, &c);
    }
  }
};

}  // namespace
}  // namespace vigil::kernels::conv2d_direct_detail
