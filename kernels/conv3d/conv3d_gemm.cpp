// Conv3d on the packed GEMM, in one of three modes (conv3d.h): Pointwise (X is B), DepthSliced (per output
// plane, one implicit-im2col product per depth tap on a depth-major copy of the image, accumulated in Y),
// Vol2col (per (image, group) one product whose B, the vol2col matrix, is gathered into the workspace a
// block of columns at a time, so its size stays bounded whatever the video's length).
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/conv3d/conv3d.h"
#include "kernels/gemm_packed/gemm_packed.h"

namespace vigil::kernels {

namespace {

// A vol2col block holds about this many floats (4 MiB): large enough that the GEMM sees long rows, small
// enough to stay near the caches and keep the arena small.
constexpr int64_t kBlockFloats = int64_t{1} << 20;
// ... but never fewer columns than this, so a very deep K still gets GEMM-friendly row lengths.
constexpr int64_t kMinBlockColumns = 256;
// Output planes of at least this many positions run depth-sliced (see conv3d.h).
constexpr int64_t kMinSlicedPlane = 32;
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

Conv3dGemmMode conv3d_gemm_mode(const Conv3dParams& p) {
  if (is_pointwise(p)) return Conv3dGemmMode::Pointwise;
  if (p.out_h * p.out_w >= kMinSlicedPlane) return Conv3dGemmMode::DepthSliced;
  return Conv3dGemmMode::Vol2col;
}

int64_t conv3d_gemm_block_columns(const Conv3dParams& p) {
  const int64_t n = out_volume(p);
  if (is_pointwise(p)) return n;
  return std::min(n, std::max(kMinBlockColumns, kBlockFloats / group_k(p)));
}

namespace {

// DepthSliced: one packed panel per (group, depth tap a) of W[g*Mg + m, c, a, i, j] as [Mg x Cg*kh*kw].
int64_t sliced_k(const Conv3dParams& p) { return p.in_channels / p.group * p.kernel_h * p.kernel_w; }
int64_t sliced_panel(KernelIsa isa, const Conv3dParams& p) {
  return gemm_packed_a_floats(isa, group_m(p), sliced_k(p));
}

// The per-image copy of X with depth outside channels ([D, C, H, W]): each depth plane of a group's
// channels is then a dense [Cg, H, W] image, as the packed GEMM's implicit im2col view needs.
void depth_major_copy(const Conv3dParams& p, const float* x_image, float* out) {
  const int64_t plane = p.in_h * p.in_w;
  for (int64_t c = 0; c < p.in_channels; ++c)
    for (int64_t d = 0; d < p.in_d; ++d)
      std::copy(x_image + (c * p.in_d + d) * plane, x_image + (c * p.in_d + d + 1) * plane,
                out + (d * p.in_channels + c) * plane);
}

struct SlicedJob {
  KernelIsa isa;
  const Conv3dParams* p;
  const float* depth_major;  // this image, [D, C, H, W]
  const float* packed_w;
  const float* bias;
  float* y_image;  // this image's output
  const Im2colGeometry* geometry;
};

// Output plane od of group g: the depth taps inside the volume, accumulated in Y.
void sliced_plane(const SlicedJob& job, int64_t g, int64_t od, void* gemm_workspace, const GemmThreading& threading) {
  const Conv3dParams& p = *job.p;
  const int64_t m = group_m(p), cg = p.in_channels / p.group;
  const int64_t in_plane = p.in_h * p.in_w, out_plane = p.out_h * p.out_w, n_total = out_volume(p);
  const float* group_bias = job.bias ? job.bias + g * m : nullptr;
  // Rows of this output plane are Y[n, g*Mg + r, od] (ldc: one output volume apart).
  float* c = job.y_image + (g * m * p.out_d + od) * out_plane;
  int64_t first_tap = -1, last_tap = -1;
  for (int64_t a = 0; a < p.kernel_d; ++a) {
    const int64_t id = od * p.stride_d - p.pad_front + a * p.dilation_d;
    if (id < 0 || id >= p.in_d) continue;
    if (first_tap < 0) first_tap = a;
    last_tap = a;
  }
  if (first_tap < 0) {  // the window lies in the depth padding: act(bias)
    for (int64_t r = 0; r < m; ++r) {
      float* row = c + r * n_total;
      std::fill(row, row + out_plane, group_bias ? group_bias[r] : 0.0f);
      gemm_packed_activation(job.isa, p.activation, row, row, out_plane);
    }
    return;
  }
  // Taps accumulate into C; bias and activation come with the last one.
  for (int64_t a = first_tap; a <= last_tap; ++a) {
    const int64_t id = od * p.stride_d - p.pad_front + a * p.dilation_d;
    if (id < 0 || id >= p.in_d) continue;
    GemmPackedParams gp;
    gp.m = m;
    gp.n = out_plane;
    gp.k = sliced_k(p);
    gp.packed_a = job.packed_w + (g * p.kernel_d + a) * sliced_panel(job.isa, p);
    gp.b = {job.depth_major + (id * p.in_channels + g * cg) * in_plane, 0, job.geometry};
    gp.c = c;
    gp.ldc = n_total;
    gp.accumulate = a != first_tap;
    if (a == last_tap) {
      gp.bias = group_bias;
      gp.activation = p.activation;
    }
    gemm_packed(job.isa, gp, gemm_workspace, threading);
  }
}

// Per-thread GEMM workspace slot when whole planes are split over the threads.
int64_t sliced_slot_bytes(KernelIsa isa, const Conv3dParams& p) {
  return aligned_bytes(gemm_packed_workspace_bytes(isa, group_m(p), p.out_h * p.out_w, sliced_k(p), 1));
}
int64_t depth_major_bytes(const Conv3dParams& p) {
  return aligned_bytes(p.in_channels * p.in_d * p.in_h * p.in_w * int64_t{sizeof(float)});
}
// Planes (group x output depth) are split over the threads, each GEMM on one thread, when there are enough
// of them; else each GEMM splits its own range.
bool split_planes(const Conv3dParams& p, const GemmThreading& threading) {
  return threading.parallel_for && threading.threads > 1 && p.group * p.out_d >= 2 * threading.threads;
}

struct SlicedTasks {
  const SlicedJob* job;
  void* slots;
  int64_t slot_bytes;
  int tasks;
};
void sliced_task(void* arg, int64_t task_begin, int64_t task_end) {
  const SlicedTasks& t = *static_cast<const SlicedTasks*>(arg);
  const Conv3dParams& p = *t.job->p;
  const int64_t planes = p.group * p.out_d;
  for (int64_t task = task_begin; task < task_end; ++task) {
    void* slot = static_cast<char*>(t.slots) + task * t.slot_bytes;
    for (int64_t q = planes * task / t.tasks; q < planes * (task + 1) / t.tasks; ++q)
      sliced_plane(*t.job, q / p.out_d, q % p.out_d, slot, GemmThreading{});
  }
}

void run_depth_sliced(KernelIsa isa, const Conv3dParams& p, const float* x, const float* packed_w, const float* bias,
                      float* y, void* workspace, const GemmThreading& threading) {
  const int64_t in_volume = p.in_d * p.in_h * p.in_w;
  auto* depth_major = static_cast<float*>(workspace);
  void* gemm_workspace = static_cast<char*>(workspace) + depth_major_bytes(p);
  Im2colGeometry geometry;
  geometry.channels = p.in_channels / p.group;
  geometry.in_h = p.in_h, geometry.in_w = p.in_w;
  geometry.kernel_h = p.kernel_h, geometry.kernel_w = p.kernel_w;
  geometry.stride_h = p.stride_h, geometry.stride_w = p.stride_w;
  geometry.dilation_h = p.dilation_h, geometry.dilation_w = p.dilation_w;
  geometry.pad_top = p.pad_top, geometry.pad_left = p.pad_left;
  geometry.out_h = p.out_h, geometry.out_w = p.out_w;

  for (int64_t n = 0; n < p.batch; ++n) {
    depth_major_copy(p, x + n * p.in_channels * in_volume, depth_major);
    const SlicedJob job{isa, &p, depth_major, packed_w, bias, y + n * p.out_channels * out_volume(p), &geometry};
    if (split_planes(p, threading)) {
      SlicedTasks tasks{&job, gemm_workspace, sliced_slot_bytes(isa, p), threading.threads};
      threading.parallel_for(threading.ctx, tasks.tasks, sliced_task, &tasks);
    } else {
      for (int64_t g = 0; g < p.group; ++g)
        for (int64_t od = 0; od < p.out_d; ++od) sliced_plane(job, g, od, gemm_workspace, threading);
    }
  }
}

}  // namespace

int64_t conv3d_gemm_packed_weights_floats(KernelIsa isa, const Conv3dParams& p) {
  if (conv3d_gemm_mode(p) == Conv3dGemmMode::DepthSliced) return p.group * p.kernel_d * sliced_panel(isa, p);
  return p.group * gemm_packed_a_floats(isa, group_m(p), group_k(p));
}

void conv3d_gemm_pack_weights(KernelIsa isa, const Conv3dParams& p, const float* w, float* packed) {
  const int64_t m = group_m(p), k = group_k(p);
  if (conv3d_gemm_mode(p) == Conv3dGemmMode::DepthSliced) {
    // Gather each (group, depth tap) slice into a dense [Mg x Cg*kh*kw] matrix first (load time).
    const int64_t cg = p.in_channels / p.group, plane_taps = p.kernel_h * p.kernel_w;
    const int64_t ks = sliced_k(p), panel = sliced_panel(isa, p);
    std::vector<float> slice(static_cast<size_t>(m * ks));
    for (int64_t g = 0; g < p.group; ++g)
      for (int64_t a = 0; a < p.kernel_d; ++a) {
        for (int64_t r = 0; r < m; ++r)
          for (int64_t c = 0; c < cg; ++c) {
            const float* src = w + (g * m + r) * k + (c * p.kernel_d + a) * plane_taps;
            std::copy(src, src + plane_taps, slice.begin() + (r * ks + c * plane_taps));
          }
        gemm_pack_a(isa, m, ks, slice.data(), ks, packed + (g * p.kernel_d + a) * panel);
      }
    return;
  }
  const int64_t panel = gemm_packed_a_floats(isa, m, k);
  for (int64_t g = 0; g < p.group; ++g) gemm_pack_a(isa, m, k, w + g * m * k, k, packed + g * panel);
}

int64_t conv3d_gemm_workspace_bytes(KernelIsa isa, const Conv3dParams& p, int threads) {
  if (conv3d_gemm_mode(p) == Conv3dGemmMode::DepthSliced)  // the copy, then slots or one threaded GEMM's
    return depth_major_bytes(p) +
           std::max(threads * sliced_slot_bytes(isa, p),
                    gemm_packed_workspace_bytes(isa, group_m(p), p.out_h * p.out_w, sliced_k(p), threads));
  const int64_t columns = conv3d_gemm_block_columns(p);
  const int64_t block = is_pointwise(p) ? 0 : aligned_bytes(group_k(p) * columns * int64_t{sizeof(float)});
  return block + gemm_packed_workspace_bytes(isa, group_m(p), columns, group_k(p), threads);
}

void conv3d_gemm(KernelIsa isa, const Conv3dParams& p, const float* x, const float* packed_w, const float* bias,
                 float* y, void* workspace, const GemmThreading& threading) {
  if (conv3d_gemm_mode(p) == Conv3dGemmMode::DepthSliced)
    return run_depth_sliced(isa, p, x, packed_w, bias, y, workspace, threading);
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
