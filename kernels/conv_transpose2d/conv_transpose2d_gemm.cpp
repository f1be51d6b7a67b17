// The fast path of ConvTranspose2d: per image and group, a packed GEMM computes every kernel tap's
// contribution of a block of input rows (cols = W_g^T * X_g), and a col2im pass scatter-adds them into Y.
// Baseline x86-64 code: the per-ISA work happens inside gemm_packed and its activation.
#include <emmintrin.h>  // SSE2: part of baseline x86-64

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/conv_transpose2d/conv_transpose2d.h"

namespace vigil::kernels {

namespace {

// Column buffer budget per block of input rows: big enough that the GEMM gets a wide N, small enough to stay
// near the caches (2 MiB). A block holds at least one input row and at least kMinColumns GEMM columns.
constexpr int64_t kColsBudgetFloats = int64_t{1} << 19;
constexpr int64_t kMinColumns = 256;
// Below this many scatter-adds per block the col2im pass runs on the calling thread alone.
constexpr int64_t kMinParallelScatter = int64_t{1} << 15;

struct Geometry {
  int64_t in_group, out_group, kernel_size;  // Cg, Mg, kh*kw
  int64_t gemm_m;                            // Mg*kh*kw: rows of cols
  int64_t rows_per_block;                    // input rows per GEMM
  int64_t cols_floats;                       // the column buffer, rounded up to 64 bytes
};

int64_t round_up(int64_t v, int64_t to) { return (v + to - 1) / to * to; }

Geometry geometry(const ConvTranspose2dParams& p) {
  Geometry g;
  g.in_group = p.in_channels / p.group;
  g.out_group = p.out_channels / p.group;
  g.kernel_size = p.kernel_h * p.kernel_w;
  g.gemm_m = g.out_group * g.kernel_size;
  int64_t rows = kColsBudgetFloats / (g.gemm_m * p.in_w);
  rows = std::max(rows, (kMinColumns + p.in_w - 1) / p.in_w);
  g.rows_per_block = std::clamp<int64_t>(rows, 1, p.in_h);
  g.cols_floats = round_up(g.gemm_m * g.rows_per_block * p.in_w, 16);
  return g;
}

// One task slot: the column buffer (64-byte aligned) followed by the GEMM's own workspace.
int64_t slot_bytes(KernelIsa isa, const ConvTranspose2dParams& p, const Geometry& g, int gemm_threads) {
  return 64 + g.cols_floats * static_cast<int64_t>(sizeof(float)) +
         gemm_packed_workspace_bytes(isa, g.gemm_m, g.rows_per_block * p.in_w, g.in_group, gemm_threads);
}

float* aligned_cols(void* slot) {
  const auto address = reinterpret_cast<uintptr_t>(slot);
  return reinterpret_cast<float*>((address + 63) & ~uintptr_t{63});
}

// Everything one call needs; shared read-only by its tasks.
struct Call {
  KernelIsa isa;
  const ConvTranspose2dParams* p;
  Geometry geo;
  const float *x, *packed, *bias;
  float* y;
  int64_t packed_per_group;
  char* workspace;
  int64_t slot_bytes;
  int64_t tasks;  // per-product mode: products split over this many tasks
};

// What the scatter of one block needs, for a range of output channels of the group.
struct Block {
  const Call* call;
  const float* cols;  // [Mg*kh*kw x rows*in_w]
  float* y_group;     // Y planes of the group's Mg output channels
  int64_t row_begin, rows;
  bool first, last;  // first block: set Y to the bias first; last block: apply the activation after
};

// The input columns [begin, end) of kernel column j whose output column ow = iw*sw + shift lies in
// [0, out_w); begin == end when none does.
struct TapColumns {
  int64_t begin = 0, end = 0, shift = 0;
};

TapColumns tap_columns(const ConvTranspose2dParams& p, int64_t j) {
  TapColumns t;
  t.shift = j * p.dilation_w - p.pad_left;
  if (p.out_w - 1 - t.shift < 0) return t;
  t.begin = t.shift >= 0 ? 0 : (-t.shift + p.stride_w - 1) / p.stride_w;
  t.end = std::max(t.begin, std::min(p.in_w, (p.out_w - 1 - t.shift) / p.stride_w + 1));
  return t;
}

// y_row[iw*stride + shift] += src[iw] for iw in [begin, end).
void add_columns(float* y_row, const float* src, int64_t begin, int64_t end, int64_t shift, int64_t stride) {
  if (begin >= end) return;
  float* dst = y_row + (begin * stride + shift);
  const float* from = src + begin;
  const int64_t count = end - begin;
  if (stride == 1) {
    for (int64_t k = 0; k < count; ++k) dst[k] += from[k];
  } else {
    for (int64_t k = 0; k < count; ++k) dst[k * stride] += from[k];
  }
}

// Stride 2, kernel columns j and j+1 (undilated): they fill the even and odd output columns of one run, so
// where both are valid the two taps are interleaved and added as contiguous vectors instead of two strided
// scalar passes.
void add_column_pair(float* y_row, const float* a, const float* b, const TapColumns& ta, const TapColumns& tb) {
  const int64_t lo = std::max(ta.begin, tb.begin), hi = std::min(ta.end, tb.end);
  if (lo >= hi) {
    add_columns(y_row, a, ta.begin, ta.end, ta.shift, 2);
    add_columns(y_row, b, tb.begin, tb.end, tb.shift, 2);
    return;
  }
  // Outside [lo, hi) each tap alone (tb is one output column to the right, so it starts and ends no later
  // than ta: only tb's head and ta's tail can be non-empty, but all four are handled).
  add_columns(y_row, a, ta.begin, lo, ta.shift, 2);
  add_columns(y_row, b, tb.begin, lo, tb.shift, 2);
  add_columns(y_row, a, hi, ta.end, ta.shift, 2);
  add_columns(y_row, b, hi, tb.end, tb.shift, 2);
  float* dst = y_row + (2 * lo + ta.shift);  // tb.shift == ta.shift + 1
  const int64_t count = hi - lo;
  int64_t k = 0;
  for (; k + 4 <= count; k += 4) {
    const __m128 va = _mm_loadu_ps(a + lo + k), vb = _mm_loadu_ps(b + lo + k);
    _mm_storeu_ps(dst + 2 * k, _mm_add_ps(_mm_loadu_ps(dst + 2 * k), _mm_unpacklo_ps(va, vb)));
    _mm_storeu_ps(dst + 2 * k + 4, _mm_add_ps(_mm_loadu_ps(dst + 2 * k + 4), _mm_unpackhi_ps(va, vb)));
  }
  for (; k < count; ++k) {
    dst[2 * k] += a[lo + k];
    dst[2 * k + 1] += b[lo + k];
  }
}

// Adds block b's contributions to output channels [m_begin, m_end) of the group.
void scatter_channels(const Block& b, int64_t m_begin, int64_t m_end) {
  const ConvTranspose2dParams& p = *b.call->p;
  const int64_t out_plane = p.out_h * p.out_w;
  const int64_t block_columns = b.rows * p.in_w;
  const bool pairs = p.stride_w == 2 && p.dilation_w == 1;
  for (int64_t m = m_begin; m < m_end; ++m) {
    float* y_m = b.y_group + m * out_plane;
    if (b.first) {
      // The bias of output channel g*Mg + m (bias points at the group's first channel).
      const float init = b.call->bias ? b.call->bias[m] : 0.0f;
      std::fill(y_m, y_m + out_plane, init);
    }
    for (int64_t i = 0; i < p.kernel_h; ++i) {
      for (int64_t j = 0; j < p.kernel_w;) {
        const bool pair = pairs && j + 1 < p.kernel_w;
        const TapColumns ta = tap_columns(p, j);
        const TapColumns tb = pair ? tap_columns(p, j + 1) : TapColumns{};
        const float* tap = b.cols + ((m * p.kernel_h + i) * p.kernel_w + j) * block_columns;
        for (int64_t r = 0; r < b.rows; ++r) {
          const int64_t oh = (b.row_begin + r) * p.stride_h - p.pad_top + i * p.dilation_h;
          if (oh < 0 || oh >= p.out_h) continue;
          float* y_row = y_m + oh * p.out_w;
          const float* src = tap + r * p.in_w;
          if (pair)
            add_column_pair(y_row, src, src + block_columns, ta, tb);
          else
            add_columns(y_row, src, ta.begin, ta.end, ta.shift, p.stride_w);
        }
        j += pair ? 2 : 1;
      }
    }
    if (b.last && p.activation.kind != Activation::None)
      gemm_packed_activation(b.call->isa, p.activation, y_m, y_m, out_plane);
  }
}

void scatter_task(void* arg, int64_t begin, int64_t end) {
  const Block& b = *static_cast<const Block*>(arg);
  const int64_t mg = b.call->geo.out_group;
  const int64_t tasks = b.call->tasks;
  for (int64_t t = begin; t < end; ++t) scatter_channels(b, mg * t / tasks, mg * (t + 1) / tasks);
}

// Image n, group g of the call, on `slot`; `threading` splits each GEMM and each scatter (or is serial).
void run_product(const Call& c, int64_t item, void* slot, const GemmThreading& threading) {
  const ConvTranspose2dParams& p = *c.p;
  const Geometry& geo = c.geo;
  const int64_t n = item / p.group, g = item % p.group;
  const int64_t in_plane = p.in_h * p.in_w;
  float* cols = aligned_cols(slot);
  void* gemm_workspace = cols + geo.cols_floats;

  Block b;
  Call scatter_call = c;  // the scatter's task count: one per thread when it splits
  b.call = &scatter_call;
  b.cols = cols;
  b.y_group = c.y + (n * p.out_channels + g * geo.out_group) * p.out_h * p.out_w;
  for (int64_t row_begin = 0; row_begin < p.in_h; row_begin += geo.rows_per_block) {
    const int64_t rows = std::min(geo.rows_per_block, p.in_h - row_begin);
    GemmPackedParams gp;
    gp.m = geo.gemm_m;
    gp.n = rows * p.in_w;
    gp.k = geo.in_group;
    gp.packed_a = c.packed + g * c.packed_per_group;
    gp.b.data = c.x + (n * p.in_channels + g * geo.in_group) * in_plane + row_begin * p.in_w;
    gp.b.ld = in_plane;
    gp.c = cols;
    gp.ldc = gp.n;
    gemm_packed(c.isa, gp, gemm_workspace, threading);

    b.row_begin = row_begin;
    b.rows = rows;
    b.first = row_begin == 0;
    b.last = row_begin + rows >= p.in_h;
    b.call = &scatter_call;
    scatter_call.bias = c.bias ? c.bias + g * geo.out_group : nullptr;
    const int64_t work = geo.gemm_m * gp.n;
    const int64_t threshold = threading.min_parallel_macs > 0 ? threading.min_parallel_macs : kMinParallelScatter;
    const int threads = threading.parallel_for && threading.threads > 1 ? threading.threads : 1;
    if (threads > 1 && geo.out_group > 1 && work >= threshold) {
      scatter_call.tasks = std::min<int64_t>(threads, geo.out_group);
      threading.parallel_for(threading.ctx, scatter_call.tasks, &scatter_task, &b);
    } else {
      scatter_channels(b, 0, geo.out_group);
    }
  }
}

void product_task(void* arg, int64_t begin, int64_t end) {
  const Call& c = *static_cast<const Call*>(arg);
  const int64_t items = c.p->batch * c.p->group;
  for (int64_t t = begin; t < end; ++t) {
    void* slot = c.workspace + t * c.slot_bytes;
    for (int64_t item = items * t / c.tasks; item < items * (t + 1) / c.tasks; ++item)
      run_product(c, item, slot, GemmThreading{});
  }
}

int thread_count(const GemmThreading& threading) {
  return threading.parallel_for && threading.threads > 1 ? threading.threads : 1;
}

// Whole products per task when they divide evenly enough (many groups, e.g. depthwise, or a batch).
bool split_products(const ConvTranspose2dParams& p, int threads) {
  const int64_t items = p.batch * p.group;
  return threads > 1 && items > 1 && (items % threads == 0 || items >= 4 * threads);
}

}  // namespace

int64_t conv_transpose2d_packed_weights_floats(KernelIsa isa, const ConvTranspose2dParams& p) {
  const Geometry geo = geometry(p);
  return p.group * gemm_packed_a_floats(isa, geo.gemm_m, geo.in_group);
}

void conv_transpose2d_pack_weights(KernelIsa isa, const ConvTranspose2dParams& p, const float* w, float* packed) {
  const Geometry geo = geometry(p);
  const int64_t per_group = gemm_packed_a_floats(isa, geo.gemm_m, geo.in_group);
  // Group g's weights are W[g*Cg .. , :, :, :] viewed as [Cg x Mg*kh*kw]; the GEMM's A is its transpose.
  std::vector<float> transposed(static_cast<size_t>(geo.gemm_m * geo.in_group));
  for (int64_t g = 0; g < p.group; ++g) {
    const float* w_g = w + g * geo.in_group * geo.gemm_m;
    for (int64_t c = 0; c < geo.in_group; ++c)
      for (int64_t r = 0; r < geo.gemm_m; ++r)
        transposed[static_cast<size_t>(r * geo.in_group + c)] = w_g[c * geo.gemm_m + r];
    gemm_pack_a(isa, geo.gemm_m, geo.in_group, transposed.data(), geo.in_group, packed + g * per_group);
  }
}

int64_t conv_transpose2d_workspace_bytes(KernelIsa isa, const ConvTranspose2dParams& p, int threads) {
  const Geometry geo = geometry(p);
  const int t = threads > 1 ? threads : 1;
  // Enough for either mode: `t` single-thread slots, or one slot whose GEMM splits `t` ways.
  return std::max(t * slot_bytes(isa, p, geo, 1), slot_bytes(isa, p, geo, t));
}

void conv_transpose2d_fast(KernelIsa isa, const ConvTranspose2dParams& p, const float* x, const float* packed_weights,
                           const float* bias, float* y, void* workspace, const GemmThreading& threading) {
  Call c;
  c.isa = isa;
  c.p = &p;
  c.geo = geometry(p);
  c.x = x;
  c.packed = packed_weights;
  c.bias = bias;
  c.y = y;
  c.packed_per_group = gemm_packed_a_floats(isa, c.geo.gemm_m, c.geo.in_group);
  c.workspace = static_cast<char*>(workspace);
  c.slot_bytes = slot_bytes(isa, p, c.geo, 1);
  c.tasks = 1;
  const int threads = thread_count(threading);
  if (split_products(p, threads)) {
    c.tasks = threads;
    threading.parallel_for(threading.ctx, c.tasks, &product_task, &c);
    return;
  }
  for (int64_t item = 0; item < p.batch * p.group; ++item) run_product(c, item, workspace, threading);
}

}  // namespace vigil::kernels
