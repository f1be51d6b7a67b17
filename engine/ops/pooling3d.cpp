// MaxPool3d / AveragePool3d over 3-D windows of NCDHW tensors (ONNX MaxPool / AveragePool on rank-5 input).
// Attributes: kernel_shape[3] (required), strides[3] (default 1,1,1), pads[6] = front,top,left,back,bottom,
// right (default 0), dilations[3] (default 1,1,1), ceil_mode (default 0); AveragePool3d also
// count_include_pad (default 0). Every window must cover at least one input cell, except for AveragePool3d
// with count_include_pad, where such a window is a well-defined 0. The reference kernels run on the reference
// path, volumes split over the threads; on the optimised paths windows one plane deep (kernel_d == 1) run the
// 2-D fast kernels plane by plane, deeper MaxPool3d windows max_pool3d_fast (separable W, H, depth passes;
// strided rows 2-D pooled planes, then depth) and deeper AveragePool3d windows average_pool3d_fast (the
// reference's double sums in its order, rows of outputs in vector lanes); all the reference's bits (a NaN
// average may be another NaN).
#include <algorithm>
#include <cstddef>
#include <vector>

#include "engine/error.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "engine/thread_pool.h"
#include "kernels/pooling/pool3d.h"
#include "kernels/pooling/pooling.h"

namespace vigil::ops {

namespace {

// Whether some output index along one dim has a window that covers no input cell.
bool has_window_outside(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t dilation, int64_t pad_begin) {
  for (int64_t o = 0; o < out; ++o) {
    bool touches = false;
    for (int64_t k = 0; k < kernel && !touches; ++k) {
      const int64_t pos = o * stride - pad_begin + k * dilation;
      touches = pos >= 0 && pos < in;
    }
    if (!touches) return true;
  }
  return false;
}

kernels::Pool3dParams pool3d_params(const Node& node, std::span<const TensorInfo> in) {
  expect_f32(node, in);
  const Shape& x = in[0].shape;
  if (x.rank != 5) fail_node(node, concat("input X must have rank 5 ([N,C,D,H,W]), got shape ", x.str()));
  expect_explicit_pads(node);
  if (!node.attrs.has("kernel_shape")) fail_node(node, "attribute 'kernel_shape' is required");
  const auto kernel = ints_attr(node, "kernel_shape", {}, 3, 1);
  const auto strides = ints_attr(node, "strides", {1, 1, 1}, 3, 1);
  const auto dilations = ints_attr(node, "dilations", {1, 1, 1}, 3, 1);
  const auto pads = ints_attr(node, "pads", {0, 0, 0, 0, 0, 0}, 6, 0);
  const bool ceil_mode = flag_attr(node, "ceil_mode", 0);
  const bool is_average = node.op == OpType::AveragePool3d;
  const bool count_include_pad = is_average && flag_attr(node, "count_include_pad", 0);

  kernels::Pool3dParams p;
  p.volumes = x[0] * x[1];
  p.in_d = x[2];
  p.in_h = x[3];
  p.in_w = x[4];
  p.kernel_d = kernel[0];
  p.kernel_h = kernel[1];
  p.kernel_w = kernel[2];
  p.stride_d = strides[0];
  p.stride_h = strides[1];
  p.stride_w = strides[2];
  p.dilation_d = dilations[0];
  p.dilation_h = dilations[1];
  p.dilation_w = dilations[2];
  p.pad_front = pads[0];
  p.pad_top = pads[1];
  p.pad_left = pads[2];
  p.pad_back = pads[3];
  p.pad_bottom = pads[4];
  p.pad_right = pads[5];
  p.count_include_pad = count_include_pad;
  p.out_d = kernels::pool_output_size(p.in_d, p.kernel_d, p.stride_d, p.dilation_d, p.pad_front, p.pad_back, ceil_mode);
  p.out_h = kernels::pool_output_size(p.in_h, p.kernel_h, p.stride_h, p.dilation_h, p.pad_top, p.pad_bottom, ceil_mode);
  p.out_w = kernels::pool_output_size(p.in_w, p.kernel_w, p.stride_w, p.dilation_w, p.pad_left, p.pad_right, ceil_mode);
  const std::string pads_str =
      concat("[", pads[0], ",", pads[1], ",", pads[2], ",", pads[3], ",", pads[4], ",", pads[5], "]");
  if (p.out_d < 1 || p.out_h < 1 || p.out_w < 1)
    fail_node(node,
              concat("dilated kernel ", (p.kernel_d - 1) * p.dilation_d + 1, "x", (p.kernel_h - 1) * p.dilation_h + 1,
                     "x", (p.kernel_w - 1) * p.dilation_w + 1, " is larger than the padded input ",
                     p.in_d + p.pad_front + p.pad_back, "x", p.in_h + p.pad_top + p.pad_bottom, "x",
                     p.in_w + p.pad_left + p.pad_right, " (X ", x.str(), ", pads ", pads_str, ")"));
  if (!p.count_include_pad) {
    static const char* const kDims[] = {"depth", "height", "width"};
    const int64_t ins[] = {p.in_d, p.in_h, p.in_w}, outs[] = {p.out_d, p.out_h, p.out_w};
    for (int d = 0; d < 3; ++d)
      if (has_window_outside(ins[d], outs[d], kernel[static_cast<size_t>(d)], strides[static_cast<size_t>(d)],
                             dilations[static_cast<size_t>(d)], pads[static_cast<size_t>(d)]))
        fail_node(node, concat("pads ", pads_str, " are so large that a window along ", kDims[d],
                               " covers no input cell (X ", x.str(), ")"));
  }
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  const kernels::Pool3dParams p = pool3d_params(node, in);
  out[0] = {DType::F32, Shape{in[0].shape[0], in[0].shape[1], p.out_d, p.out_h, p.out_w}};
}

class Pool3dKernel final : public OpKernel {
 public:
  Pool3dKernel(kernels::Pool3dParams p, bool is_max) : p_(p), is_max_(is_max) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* x = in[0].f32();
    float* y = out[0].f32();
    const int64_t in_volume = p_.in_d * p_.in_h * p_.in_w, out_volume = p_.out_d * p_.out_h * p_.out_w;
    rc.pool->parallel_for(p_.volumes, [&](int64_t begin, int64_t end) {
      kernels::Pool3dParams part = p_;
      part.volumes = end - begin;
      if (is_max_)
        kernels::max_pool3d_reference(part, x + begin * in_volume, y + begin * out_volume);
      else
        kernels::average_pool3d_reference(part, x + begin * in_volume, y + begin * out_volume);
    });
  }

 private:
  kernels::Pool3dParams p_;
  bool is_max_;
};

// Windows one plane deep (kernel_d == 1: the (1,k,k) pools of video nets) on the optimised paths: each
// output plane is the 2-D pool of one input plane, so the bit-identical 2-D fast kernels do it; planes split
// over the threads. An output plane whose input plane lies in the depth padding (AveragePool3d with
// count_include_pad only; the engine rejects it otherwise) is 0, as in the reference.
class PlanePool3dKernel final : public OpKernel {
 public:
  PlanePool3dKernel(const kernels::Pool3dParams& p, bool is_max, bool avx512)
      : p_(p), is_max_(is_max), avx512_(avx512) {
    plane_.planes = 1;
    plane_.in_h = p.in_h, plane_.in_w = p.in_w, plane_.out_h = p.out_h, plane_.out_w = p.out_w;
    plane_.kernel_h = p.kernel_h, plane_.kernel_w = p.kernel_w;
    plane_.stride_h = p.stride_h, plane_.stride_w = p.stride_w;
    plane_.dilation_h = p.dilation_h, plane_.dilation_w = p.dilation_w;
    plane_.pad_top = p.pad_top, plane_.pad_left = p.pad_left, plane_.pad_bottom = p.pad_bottom;
    plane_.pad_right = p.pad_right;
    plane_.count_include_pad = p.count_include_pad;
  }
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* x = in[0].f32();
    float* y = out[0].f32();
    const int64_t in_plane = p_.in_h * p_.in_w, out_plane = p_.out_h * p_.out_w;
    rc.pool->parallel_for(p_.volumes * p_.out_d, [&](int64_t first, int64_t last) {
      for (int64_t vd = first; vd < last; ++vd) {
        const int64_t v = vd / p_.out_d, od = vd % p_.out_d;
        const int64_t id = od * p_.stride_d - p_.pad_front;
        float* y_plane = y + vd * out_plane;
        if (id < 0 || id >= p_.in_d) {
          std::fill(y_plane, y_plane + out_plane, 0.0f);
          continue;
        }
        const float* x_plane = x + (v * p_.in_d + id) * in_plane;
        if (!is_max_)
          kernels::average_pool2d_fast(plane_, x_plane, y_plane, 0, 1);
        else if (avx512_)
          kernels::max_pool2d_fast_avx512(plane_, x_plane, y_plane, 0, 1);
        else
          kernels::max_pool2d_fast(plane_, x_plane, y_plane, 0, 1);
      }
    });
  }

 private:
  kernels::Pool3dParams p_;
  kernels::Pool2dParams plane_;
  bool is_max_, avx512_;
};

// A 3-D pool whose volumes (image x channel) are split over the threads, each thread with its own slot of
// scratch; the subclass pools a range of volumes.
class VolumeSplitPoolKernel : public OpKernel {
 public:
  VolumeSplitPoolKernel(const kernels::Pool3dParams& p, kernels::KernelIsa isa, int max_threads, size_t scratch_bytes)
      : p_(p), isa_(isa), max_threads_(max_threads), slot_bytes_((scratch_bytes + 63) / 64 * 64) {}
  size_t workspace_bytes() const override { return slot_bytes_ * static_cast<size_t>(max_threads_); }
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const int threads = out[0].shape.numel() < kMinParallelElements
                            ? 1
                            : static_cast<int>(std::min<int64_t>(std::min(rc.pool->size(), max_threads_), p_.volumes));
    auto* workspace = static_cast<std::byte*>(rc.workspace);
    rc.pool->parallel_for(threads, [&](int64_t t_begin, int64_t t_end) {
      for (int64_t t = t_begin; t < t_end; ++t)
        pool_volumes(in[0].f32(), out[0].f32(), p_.volumes * t / threads, p_.volumes * (t + 1) / threads,
                     workspace + static_cast<size_t>(t) * slot_bytes_);
    });
  }

 protected:
  virtual void pool_volumes(const float* x, float* y, int64_t begin, int64_t end, std::byte* scratch) const = 0;

  kernels::Pool3dParams p_;
  kernels::KernelIsa isa_;

 private:
  int max_threads_;
  size_t slot_bytes_;
};

// MaxPool3d with windows deeper than one plane on the optimised paths (kernels/pooling/pool3d.h,
// max_pool3d_fast): pooling of every input plane, then the max over depth taps; bit-identical. Each thread's
// scratch holds pooled planes.
class DeepMaxPool3dKernel final : public VolumeSplitPoolKernel {
 public:
  DeepMaxPool3dKernel(const kernels::Pool3dParams& p, kernels::KernelIsa isa, int max_threads)
      : VolumeSplitPoolKernel(p, isa, max_threads,
                              static_cast<size_t>(kernels::max_pool3d_fast_scratch_floats(p)) * sizeof(float)) {}

 private:
  void pool_volumes(const float* x, float* y, int64_t begin, int64_t end, std::byte* scratch) const override {
    kernels::max_pool3d_fast(p_, isa_, x, y, begin, end, reinterpret_cast<float*>(scratch));
  }
};

// AveragePool3d with windows deeper than one plane on the optimised paths (kernels/pooling/pool3d.h,
// average_pool3d_fast): the reference's double sums in its order, rows of outputs in vector lanes;
// bit-identical.
class DeepAveragePool3dKernel final : public VolumeSplitPoolKernel {
 public:
  DeepAveragePool3dKernel(const kernels::Pool3dParams& p, kernels::KernelIsa isa, int max_threads)
      : VolumeSplitPoolKernel(p, isa, max_threads, static_cast<size_t>(kernels::average_pool3d_fast_scratch_bytes(p))) {}

 private:
  void pool_volumes(const float* x, float* y, int64_t begin, int64_t end, std::byte* scratch) const override {
    kernels::average_pool3d_fast(p_, isa_, x, y, begin, end, scratch);
  }
};

std::unique_ptr<OpKernel> bind_pool(const BindContext& ctx, bool is_max) {
  const kernels::Pool3dParams p = pool3d_params(ctx.node, ctx.inputs);
  if (ctx.path != KernelPath::Reference && p.kernel_d == 1)
    return std::make_unique<PlanePool3dKernel>(p, is_max, ctx.path == KernelPath::Avx512);
  if (const auto isa = kernel_isa(ctx.path); isa && is_max)
    return std::make_unique<DeepMaxPool3dKernel>(p, *isa, ctx.max_threads);
  // Rows of outputs narrower than a vector of doubles (a head pool over the whole volume: out_w 1) gain
  // nothing from lanes and lose to the per-row loop overhead (X3D-S's head: 0.3 ms reference, 0.6 fast).
  if (const auto isa = kernel_isa(ctx.path); isa && p.out_w >= 8 && kernels::average_pool3d_fast_scratch_bytes(p) > 0)
    return std::make_unique<DeepAveragePool3dKernel>(p, *isa, ctx.max_threads);
  return std::make_unique<Pool3dKernel>(p, is_max);
}
std::unique_ptr<OpKernel> bind_max(const BindContext& ctx) { return bind_pool(ctx, true); }
std::unique_ptr<OpKernel> bind_average(const BindContext& ctx) { return bind_pool(ctx, false); }

// One comparison or addition per window cell.
double flops(const Node& node, std::span<const TensorInfo>, std::span<const TensorInfo> out) {
  double cells = 1;
  for (int64_t k : node.attrs.get_ints("kernel_shape", {1, 1, 1})) cells *= static_cast<double>(k);
  return static_cast<double>(out[0].shape.numel()) * cells;
}

}  // namespace

const OpDef kMaxPool3dOp{OpType::MaxPool3d, infer, bind_max, flops};
const OpDef kAveragePool3dOp{OpType::AveragePool3d, infer, bind_average, flops};

}  // namespace vigil::ops
