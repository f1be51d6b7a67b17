// Baseline x86-64 code: the per-ISA work happens inside gemm_packed.
#include "kernels/conv2d_gemm/conv2d_gemm.h"

#include "kernels/conv2d_direct/conv2d_direct.h"

namespace vigil::kernels {

namespace {

struct GroupGemm {
  int64_t m, k, n;  // per group: output channels, Cg*kh*kw, output positions
};

GroupGemm group_gemm(const Conv2dParams& p) {
  return {p.out_channels / p.group, p.in_channels / p.group * p.kernel_h * p.kernel_w, p.out_h * p.out_w};
}

// Everything one (image, group) product needs; shared read-only by all tasks of a call.
struct ConvCall {
  KernelIsa isa;
  const Conv2dParams* p;
  GroupGemm gg;
  Im2colGeometry geometry;
  bool direct;
  const float *x, *packed, *bias, *residual;
  float* y;
  int64_t packed_per_group;
  char* workspace;
  int64_t slot_bytes;  // per task, in the split-over-products mode
  int64_t tasks;       // products are split over this many tasks (then each GEMM runs on one thread)
};

void run_product(const ConvCall& c, int64_t item, void* workspace, const GemmThreading& threading) {
  const Conv2dParams& p = *c.p;
  const int64_t n = item / p.group, g = item % p.group;
  const int64_t in_plane = p.in_h * p.in_w;
  GemmPackedParams gp;
  gp.m = c.gg.m;
  gp.n = c.gg.n;
  gp.k = c.gg.k;
  gp.packed_a = c.packed + g * c.packed_per_group;
  gp.b.data = c.x + n * conv_in_image_stride(p) + g * (p.in_channels / p.group) * in_plane;
  gp.b.ld = in_plane;  // direct: B = X_g as [Cg x H*W]
  gp.b.im2col = c.direct ? nullptr : &c.geometry;
  gp.c = c.y + n * conv_out_image_stride(p) + g * c.gg.m * c.gg.n;
  gp.ldc = c.gg.n;
  gp.bias = c.bias ? c.bias + g * c.gg.m : nullptr;
  gp.activation = p.activation;
  gp.residual_before_activation = p.residual_before_activation;
  gp.residual = c.residual ? c.residual + (n * p.out_channels + g * c.gg.m) * c.gg.n : nullptr;  // dense
  gp.ld_residual = c.gg.n;
  gemm_packed(c.isa, gp, workspace, threading);
}

void run_task_range(void* arg, int64_t begin, int64_t end) {
  const ConvCall& c = *static_cast<const ConvCall*>(arg);
  const int64_t items = c.p->batch * c.p->group;
  for (int64_t t = begin; t < end; ++t) {
    void* slot = c.workspace + t * c.slot_bytes;
    for (int64_t item = items * t / c.tasks; item < items * (t + 1) / c.tasks; ++item)
      run_product(c, item, slot, GemmThreading{});
  }
}

}  // namespace

bool conv2d_gemm_is_direct(const Conv2dParams& p) {
  return p.kernel_h == 1 && p.kernel_w == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_top == 0 &&
         p.pad_left == 0 && p.out_h == p.in_h && p.out_w == p.in_w;
}

int64_t conv2d_gemm_packed_weights_floats(KernelIsa isa, const Conv2dParams& p) {
  const GroupGemm gg = group_gemm(p);
  return p.group * gemm_packed_a_floats(isa, gg.m, gg.k);
}

void conv2d_gemm_pack_weights(KernelIsa isa, const Conv2dParams& p, const float* w, float* packed) {
  const GroupGemm gg = group_gemm(p);
  const int64_t per_group = gemm_packed_a_floats(isa, gg.m, gg.k);
  // Group g's weights are rows g*Mg .. of W viewed as [out_channels x Cg*kh*kw]: already GEMM order.
  for (int64_t g = 0; g < p.group; ++g) gemm_pack_a(isa, gg.m, gg.k, w + g * gg.m * gg.k, gg.k, packed + g * per_group);
}

int64_t conv2d_gemm_workspace_bytes(KernelIsa isa, const Conv2dParams& p, int threads) {
  const GroupGemm gg = group_gemm(p);
  const int64_t t = threads > 1 ? threads : 1;
  // Enough for either mode: `t` single-task slots, or one GEMM split `t` ways.
  const int64_t gemm = t * gemm_packed_workspace_bytes(isa, gg.m, gg.n, gg.k, 1);
  if (!conv2d_direct_preferred(isa, p)) return gemm;
  const int64_t direct = conv2d_direct_workspace_bytes(isa, p, threads);
  return direct > gemm ? direct : gemm;
}

void conv2d_gemm(KernelIsa isa, const Conv2dParams& p, const float* x, const float* packed_weights, const float* bias,
                 const float* residual, float* y, void* workspace, const GemmThreading& threading) {
  if (conv2d_direct_preferred(isa, p)) {
    conv2d_direct(isa, p, x, packed_weights, bias, residual, y, workspace, threading);
    return;
  }
  ConvCall c;
  c.isa = isa;
  c.p = &p;
  c.gg = group_gemm(p);
  c.geometry = {p.in_channels / p.group,
                p.in_h,
                p.in_w,
                p.kernel_h,
                p.kernel_w,
                p.stride_h,
                p.stride_w,
                p.dilation_h,
                p.dilation_w,
                p.pad_top,
                p.pad_left,
                p.out_h,
                p.out_w};
  c.direct = conv2d_gemm_is_direct(p);
  c.x = x;
  c.packed = packed_weights;
  c.bias = bias;
  c.residual = residual;
  c.y = y;
  c.packed_per_group = gemm_packed_a_floats(isa, c.gg.m, c.gg.k);
  c.workspace = static_cast<char*>(workspace);
  c.slot_bytes = gemm_packed_workspace_bytes(isa, c.gg.m, c.gg.n, c.gg.k, 1);

  const int64_t items = p.batch * p.group;
  const int threads = threading.parallel_for ? (threading.threads > 1 ? threading.threads : 1) : 1;
  // Whole products per task when they divide evenly enough (many groups, e.g. depthwise, or a batch);
  // otherwise one product at a time, each split inside the GEMM.
  if (threads > 1 && items > 1 && (items % threads == 0 || items >= 4 * threads)) {
    c.tasks = threads;
    threading.parallel_for(threading.ctx, c.tasks, &run_task_range, &c);
    return;
  }
  for (int64_t item = 0; item < items; ++item) run_product(c, item, workspace, threading);
}

}  // namespace vigil::kernels
