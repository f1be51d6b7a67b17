// MaxPool / AveragePool over 2-D windows of NCHW tensors, and GlobalAveragePool.
// MaxPool and AveragePool attributes: kernel_shape[2] (required), strides[2] (default 1,1), pads[4] =
// top,left,bottom,right (default 0), dilations[2] (default 1,1), ceil_mode (default 0); AveragePool also
// count_include_pad (default 0). Every window must cover at least one input cell (pads so large that a
// window sees only padding are rejected), except for AveragePool with count_include_pad, where such a
// window is a well-defined 0. LpPool (the same window attributes and p) is (sum |x|^p)^(1/p) over each window.
#include "kernels/pooling/pooling.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/error.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "engine/thread_pool.h"

namespace vigil::ops {

namespace {

// The first output index along one dim whose window covers no input cell, or -1 if there is none.
int64_t first_window_outside(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t dilation,
                             int64_t pad_begin) {
  for (int64_t o = 0; o < out; ++o) {
    bool touches = false;
    for (int64_t k = 0; k < kernel && !touches; ++k) {
      const int64_t pos = o * stride - pad_begin + k * dilation;
      touches = pos >= 0 && pos < in;
    }
    if (!touches) return o;
  }
  return -1;
}

kernels::Pool2dParams pool_params(const Node& node, std::span<const TensorInfo> in) {
  expect_f32(node, in);
  const Shape& x = in[0].shape;
  if (x.rank != 4)
    fail_node(node, concat("input X must have rank 4 ([N,C,H,W]; only 2-D pooling is supported), got shape ", x.str()));
  expect_explicit_pads(node);
  if (!node.attrs.has("kernel_shape")) fail_node(node, "attribute 'kernel_shape' is required");
  const auto kernel = ints_attr(node, "kernel_shape", {}, 2, 1);
  const auto strides = ints_attr(node, "strides", {1, 1}, 2, 1);
  const auto dilations = ints_attr(node, "dilations", {1, 1}, 2, 1);
  const auto pads = ints_attr(node, "pads", {0, 0, 0, 0}, 4, 0);
  const bool ceil_mode = flag_attr(node, "ceil_mode", 0);
  const bool is_average = node.op == OpType::AveragePool;
  const bool count_include_pad = is_average && flag_attr(node, "count_include_pad", 0);

  kernels::Pool2dParams p;
  p.planes = x[0] * x[1];
  p.in_h = x[2];
  p.in_w = x[3];
  p.kernel_h = kernel[0];
  p.kernel_w = kernel[1];
  p.stride_h = strides[0];
  p.stride_w = strides[1];
  p.dilation_h = dilations[0];
  p.dilation_w = dilations[1];
  p.pad_top = pads[0];
  p.pad_left = pads[1];
  p.pad_bottom = pads[2];
  p.pad_right = pads[3];
  p.count_include_pad = count_include_pad;
  p.out_h = kernels::pool_output_size(p.in_h, p.kernel_h, p.stride_h, p.dilation_h, p.pad_top, p.pad_bottom, ceil_mode);
  p.out_w = kernels::pool_output_size(p.in_w, p.kernel_w, p.stride_w, p.dilation_w, p.pad_left, p.pad_right, ceil_mode);
  const std::string pads_str = concat("[", pads[0], ",", pads[1], ",", pads[2], ",", pads[3], "]");
  if (p.out_h < 1 || p.out_w < 1)
    fail_node(node,
              concat("dilated kernel ", (p.kernel_h - 1) * p.dilation_h + 1, "x", (p.kernel_w - 1) * p.dilation_w + 1,
                     " is larger than the padded input ", p.in_h + p.pad_top + p.pad_bottom, "x",
                     p.in_w + p.pad_left + p.pad_right, " (X ", x.str(), ", pads ", pads_str, ")"));
  // LpPool's padding adds 0 to the sum: a window over padding only is a well-defined 0, as with count_include_pad.
  if (!p.count_include_pad && node.op != OpType::LpPool) {
    const int64_t row = first_window_outside(p.in_h, p.out_h, p.kernel_h, p.stride_h, p.dilation_h, p.pad_top);
    const int64_t col = first_window_outside(p.in_w, p.out_w, p.kernel_w, p.stride_w, p.dilation_w, p.pad_left);
    if (row >= 0 || col >= 0)
      fail_node(node,
                concat("pads ", pads_str, " are so large that the window at output ", row >= 0 ? "row " : "column ",
                       row >= 0 ? row : col, " covers no input cell (X ", x.str(), ")"));
  }
  return p;
}

void infer_pool(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  const kernels::Pool2dParams p = pool_params(node, in);
  out[0] = {DType::F32, Shape{in[0].shape[0], in[0].shape[1], p.out_h, p.out_w}};
}

class MaxPoolKernel final : public OpKernel {
 public:
  explicit MaxPoolKernel(kernels::Pool2dParams p) : p_(p) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::max_pool2d_reference(p_, in[0].f32(), out[0].f32());
  }

 private:
  kernels::Pool2dParams p_;
};

class AveragePoolKernel final : public OpKernel {
 public:
  explicit AveragePoolKernel(kernels::Pool2dParams p) : p_(p) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::average_pool2d_reference(p_, in[0].f32(), out[0].f32());
  }

 private:
  kernels::Pool2dParams p_;
};

// On the optimised paths: the same result without per-cell bounds checks, planes split over threads.
// Windows of 5x5 and more take the separable row + column passes; on AVX-512 and AVX2, smaller windows at
// strides up to 2 take the -inf-bordered bands (max_pool2d_padded_avx512 / _avx2). Each thread its own
// scratch slot.
class MaxPoolFastKernel final : public OpKernel {
 public:
  MaxPoolFastKernel(kernels::Pool2dParams p, bool avx512, bool avx2, int max_threads)
      : p_(p),
        avx512_(avx512),
        separable_(p.kernel_h >= 5 && p.kernel_w >= 5),
        padded_(!separable_ && (avx512 || avx2) && kernels::max_pool2d_padded_supported(p)),
        max_threads_(max_threads) {
    const int64_t floats = separable_ ? kernels::max_pool2d_separable_scratch_floats(p_)
                           : padded_  ? kernels::max_pool2d_padded_scratch_floats(p_)
                                      : 0;
    slot_floats_ = (floats + 15) / 16 * 16;
  }
  size_t workspace_bytes() const override { return static_cast<size_t>(slot_floats_ * max_threads_) * sizeof(float); }
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* x = in[0].f32();
    float* y = out[0].f32();
    const int threads = rc.pool->size();
    // One task per thread, each a contiguous plane range with scratch slot `t`.
    rc.pool->parallel_for(threads, [&](int64_t t_begin, int64_t t_end) {
      for (int64_t t = t_begin; t < t_end; ++t) {
        const int64_t begin = p_.planes * t / threads, end = p_.planes * (t + 1) / threads;
        if (begin == end) continue;
        float* slot = static_cast<float*>(rc.workspace) + t * slot_floats_;
        if (separable_)
          kernels::max_pool2d_separable(p_, x, y, begin, end, slot);
        else if (padded_ && avx512_)
          kernels::max_pool2d_padded_avx512(p_, x, y, begin, end, slot);
        else if (padded_)
          kernels::max_pool2d_padded_avx2(p_, x, y, begin, end, slot);
        else if (avx512_)
          kernels::max_pool2d_fast_avx512(p_, x, y, begin, end);
        else
          kernels::max_pool2d_fast(p_, x, y, begin, end);
      }
    });
  }

 private:
  kernels::Pool2dParams p_;
  bool avx512_, separable_, padded_;
  int max_threads_;
  int64_t slot_floats_ = 0;
};

std::unique_ptr<OpKernel> bind_max(const BindContext& ctx) {
  const kernels::Pool2dParams p = pool_params(ctx.node, ctx.inputs);
  if (ctx.path != KernelPath::Reference)
    return std::make_unique<MaxPoolFastKernel>(p, ctx.path == KernelPath::Avx512, ctx.path == KernelPath::Avx2,
                                               ctx.max_threads);
  return std::make_unique<MaxPoolKernel>(p);
}

// AveragePool on the optimised paths: average_pool2d_fast (the same bits), planes split over threads.
class AveragePoolFastKernel final : public OpKernel {
 public:
  explicit AveragePoolFastKernel(kernels::Pool2dParams p) : p_(p) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* x = in[0].f32();
    float* y = out[0].f32();
    rc.pool->parallel_for(p_.planes,
                          [&](int64_t begin, int64_t end) { kernels::average_pool2d_fast(p_, x, y, begin, end); });
  }

 private:
  kernels::Pool2dParams p_;
};

std::unique_ptr<OpKernel> bind_average(const BindContext& ctx) {
  const kernels::Pool2dParams p = pool_params(ctx.node, ctx.inputs);
  if (ctx.path != KernelPath::Reference) return std::make_unique<AveragePoolFastKernel>(p);
  return std::make_unique<AveragePoolKernel>(p);
}

// LpPool: attribute p (> 0, default 2) on top of the window attributes; the reference kernel on every path.
class LpPoolKernel final : public OpKernel {
 public:
  LpPoolKernel(kernels::Pool2dParams p, double norm_p) : p_(p), norm_p_(norm_p) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::lp_pool2d_reference(p_, norm_p_, in[0].f32(), out[0].f32());
  }

 private:
  kernels::Pool2dParams p_;
  double norm_p_;
};

double lp_norm_p(const Node& node) {
  const float p = node.attrs.get_float("p", 2.0f, node.label());
  if (!(p > 0.0f) || !std::isfinite(p)) fail_node(node, concat("p must be finite and > 0, got ", p));
  return p;
}

void infer_lp(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  lp_norm_p(node);
  infer_pool(node, in, out);
}

std::unique_ptr<OpKernel> bind_lp(const BindContext& ctx) {
  return std::make_unique<LpPoolKernel>(pool_params(ctx.node, ctx.inputs), lp_norm_p(ctx.node));
}

// One comparison or addition per window cell.
double flops_pool(const Node& node, std::span<const TensorInfo>, std::span<const TensorInfo> out) {
  const auto kernel = node.attrs.get_ints("kernel_shape", {1, 1});
  double cells = 1;
  for (int64_t k : kernel) cells *= static_cast<double>(k);
  return static_cast<double>(out[0].shape.numel()) * cells;
}

// GlobalAveragePool: X[N,C,d1,...] (rank >= 3) -> Y[N,C,1,...,1].
void infer_global(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  expect_f32(node, in);
  const Shape& x = in[0].shape;
  if (x.rank < 3) fail_node(node, concat("input X must have rank >= 3 ([N,C,spatial...]), got shape ", x.str()));
  Shape y = x;
  for (int i = 2; i < y.rank; ++i) y[i] = 1;
  out[0] = {DType::F32, y};
}

class GlobalAveragePoolKernel final : public OpKernel {
 public:
  GlobalAveragePoolKernel(int64_t planes, int64_t plane_size, bool fast)
      : planes_(planes), plane_size_(plane_size), fast_(fast) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* x = in[0].f32();
    float* y = out[0].f32();
    if (!fast_) return kernels::global_average_pool_reference(planes_, plane_size_, x, y);
    // Planes split over the threads once there is enough to read.
    const int threads = planes_ * plane_size_ < kMinParallelElements
                            ? 1
                            : static_cast<int>(std::min<int64_t>(rc.pool->size(), planes_));
    rc.pool->parallel_for(threads, [&](int64_t t_begin, int64_t t_end) {
      for (int64_t t = t_begin; t < t_end; ++t)
        kernels::global_average_pool_fast(plane_size_, x, y, planes_ * t / threads, planes_ * (t + 1) / threads);
    });
  }

 private:
  int64_t planes_, plane_size_;
  bool fast_;
};

// The reference on the reference path; global_average_pool_fast (another fixed double-sum order) otherwise.
std::unique_ptr<OpKernel> bind_global(const BindContext& ctx) {
  const Shape& x = ctx.inputs[0].shape;
  return std::make_unique<GlobalAveragePoolKernel>(x.numel(0, 2), x.numel(2, x.rank),
                                                   ctx.path != KernelPath::Reference);
}

double flops_global(const Node&, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  return static_cast<double>(in[0].shape.numel());
}

}  // namespace

const OpDef kMaxPoolOp{OpType::MaxPool, infer_pool, bind_max, flops_pool};
const OpDef kAveragePoolOp{OpType::AveragePool, infer_pool, bind_average, flops_pool};
const OpDef kLpPoolOp{OpType::LpPool, infer_lp, bind_lp, flops_pool};
const OpDef kGlobalAveragePoolOp{OpType::GlobalAveragePool, infer_global, bind_global, flops_global};

}  // namespace vigil::ops
