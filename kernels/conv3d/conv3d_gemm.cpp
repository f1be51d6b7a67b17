// Conv3d on the packed GEMM. Each (image, group) is one product Y_g = W_g * B: W_g packed at load, B the
// vol2col matrix (row k = (c, a, i, j) of the kernel, column = output position) gathered into the
// workspace one block of columns at a time, so its size stays bounded whatever the video's length. A
// pointwise conv (1x1x1, stride 1, no padding) reads X directly as B.
#include <algorithm>
#include <cstring>

#include "kernels/conv3d/conv3d.h"
#include "kernels/gemm_packed/gemm_packed.h"

namespace vigil::kernels {

namespace {

// A vol2col block holds about this many floats (4 MiB): large enough that the GEMM sees long rows, small
// enough to stay near the caches and keep the arena small.
constexpr int64_t kBlockFloats = int64_t{1} << 20;
// ... but never fewer columns than this, so a very deep K still gets GEMM-friendly row lengths.
constexpr int64_t kMinBlockColumns = 256;
// Gathering fewer floats than this runs on the calling thread (handing it out costs more).
constexpr int64_t kMinParallelGather = int64_t{1} << 16;

int64_t group_k(const Conv3dParams& p) { return p.in_channels / p.group * p.kernel_d * p.kernel_h * p.kernel_w; }
int64_t group_m(const Conv3dParams& p) { return p.out_channels / p.group; }
int64_t out_volume(const Conv3dParams& p) { return p.out_d * p.out_h * p.out_w; }
int64_t aligned_bytes(int64_t bytes) { return (bytes + 63) / 64 * 64; }

bool is_pointwise(const Conv3dParams& p) {
  return p.kernel_d == 1 && p.kernel_h == 1 && p.kernel_w == 1 && p.stride_d == 1 && p.stride_h == 1 &&
         p.stride_w == 1 && p.pad_front == 0 && p.pad_top == 0 && p.pad_left == 0 && p.out_d == p.in_d &&
         p.out_h == p.in_h && p.out_w == p.in_w;
}

// Row (a, i, j) of channel x_c's vol2col matrix, columns [first, first + count) of the output positions.
void gather_row(const Conv3dParams& p, const float* x_c, int64_t a, int64_t i, int64_t j, int64_t first, int64_t count,
                float* dst) {
  const int64_t plane = p.out_h * p.out_w;
  int64_t od = first / plane, oh = first % plane / p.out_w, ow = first % p.out_w;
  const int64_t w_offset = j * p.dilation_w - p.pad_left;
  for (int64_t t = 0; t < count;) {
    const int64_t run = std::min(p.out_w - ow, count - t);  // the rest of this output row
    const int64_t id = od * p.stride_d - p.pad_front + a * p.dilation_d;
    const int64_t ih = oh * p.stride_h - p.pad_top + i * p.dilation_h;
    float* out = dst + t;
    if (id < 0 || id >= p.in_d || ih < 0 || ih >= p.in_h) {
      std::fill(out, out + run, 0.0f);
    } else {
      // Columns ow + r of this run whose tap lands inside the row: r in [lo, hi); zeros around them.
      const float* src = x_c + (id * p.in_h + ih) * p.in_w;
      const int64_t first_iw = ow * p.stride_w + w_offset;
      const int64_t lo = std::min(run, first_iw >= 0 ? 0 : (-first_iw + p.stride_w - 1) / p.stride_w);
      const int64_t last = p.in_w - 1 - first_iw;  // r * stride_w <= last
      const int64_t hi = std::max(lo, last < 0 ? 0 : std::min(run, last / p.stride_w + 1));
      std::fill(out, out + lo, 0.0f);
      if (p.stride_w == 1)
        std::copy(src + first_iw + lo, src + first_iw + hi, out + lo);
      else
        for (int64_t r = lo; r < hi; ++r) out[r] = src[first_iw + r * p.stride_w];
      std::fill(out + hi, out + run, 0.0f);
    }
    t += run;
    ow = 0;
    if (++oh == p.out_h) oh = 0, ++od;
  }
}

struct GatherJob {
  const Conv3dParams* p;
  const float* x_group;  // the group's first input channel of the image
  int64_t first, count;  // block columns
  float* block;          // [K x count]
  int tasks;
};

void gather_rows(void* arg, int64_t task_begin, int64_t task_end) {
  const GatherJob& job = *static_cast<const GatherJob*>(arg);
  const Conv3dParams& p = *job.p;
  const int64_t k = group_k(p);
  const int64_t taps = p.kernel_d * p.kernel_h * p.kernel_w;
  const int64_t in_volume = p.in_d * p.in_h * p.in_w;
  for (int64_t task = task_begin; task < task_end; ++task) {
    for (int64_t row = k * task / job.tasks; row < k * (task + 1) / job.tasks; ++row) {
      const int64_t c = row / taps, tap = row % taps;
      const int64_t a = tap / (p.kernel_h * p.kernel_w), i = tap / p.kernel_w % p.kernel_h, j = tap % p.kernel_w;
      gather_row(p, job.x_group + c * in_volume, a, i, j, job.first, job.count, job.block + row * job.count);
    }
  }
}

}  // namespace

int64_t conv3d_gemm_block_columns(const Conv3dParams& p) {
  const int64_t n = out_volume(p);
  if (is_pointwise(p)) return n;
  return std::min(n, std::max(kMinBlockColumns, kBlockFloats / group_k(p)));
}

int64_t conv3d_gemm_packed_weights_floats(KernelIsa isa, const Conv3dParams& p) {
  return p.group * gemm_packed_a_floats(isa, group_m(p), group_k(p));
}

void conv3d_gemm_pack_weights(KernelIsa isa, const Conv3dParams& p, const float* w, float* packed) {
  const int64_t m = group_m(p), k = group_k(p);
  const int64_t panel = gemm_packed_a_floats(isa, m, k);
  for (int64_t g = 0; g < p.group; ++g) gemm_pack_a(isa, m, k, w + g * m * k, k, packed + g * panel);
}

int64_t conv3d_gemm_workspace_bytes(KernelIsa isa, const Conv3dParams& p, int threads) {
  const int64_t columns = conv3d_gemm_block_columns(p);
  const int64_t block = is_pointwise(p) ? 0 : aligned_bytes(group_k(p) * columns * int64_t{sizeof(float)});
  return block + gemm_packed_workspace_bytes(isa, group_m(p), columns, group_k(p), threads);
}

void conv3d_gemm(KernelIsa isa, const Conv3dParams& p, const float* x, const float* packed_w, const float* bias,
                 float* y, void* workspace, const GemmThreading& threading) {
  const int64_t m = group_m(p), k = group_k(p), n_total = out_volume(p);
  const int64_t in_volume = p.in_d * p.in_h * p.in_w;
  const int64_t cg = p.in_channels / p.group;
  const int64_t panel = gemm_packed_a_floats(isa, m, k);
  const bool pointwise = is_pointwise(p);
  const int64_t columns = conv3d_gemm_block_columns(p);
  auto* block = static_cast<float*>(workspace);
  void* gemm_workspace =
      static_cast<char*>(workspace) + (pointwise ? 0 : aligned_bytes(k * columns * int64_t{sizeof(float)}));

  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t g = 0; g < p.group; ++g) {
      const float* x_group = x + (n * p.in_channels + g * cg) * in_volume;
      float* y_group = y + (n * p.out_channels + g * m) * n_total;
      for (int64_t first = 0; first < n_total; first += columns) {
        const int64_t count = std::min(columns, n_total - first);
        GemmPackedParams gp;
        gp.m = m;
        gp.n = count;
        gp.k = k;
        gp.packed_a = packed_w + g * panel;
        if (pointwise) {
          gp.b = {x_group + first, in_volume, nullptr};
        } else {
          const bool parallel = threading.parallel_for && threading.threads > 1 && k * count >= kMinParallelGather;
          GatherJob job{&p, x_group, first, count, block, parallel ? threading.threads : 1};
          if (parallel)
            threading.parallel_for(threading.ctx, job.tasks, gather_rows, &job);
          else
            gather_rows(&job, 0, 1);
          gp.b = {block, count, nullptr};
        }
        gp.c = y_group + first;
        gp.ldc = n_total;
        gp.bias = bias ? bias + g * m : nullptr;
        gp.activation = p.activation;
        gemm_packed(isa, gp, gemm_workspace, threading);
      }
    }
  }
}

}  // namespace vigil::kernels
