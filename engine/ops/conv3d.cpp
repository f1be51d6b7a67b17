// Conv3d: X[N,C,D,H,W] * W[M,C/group,kd,kh,kw] (+ B[M]) -> Y[N,M,OD,OH,OW], with an optional fused
// activation: Y = act(conv(X) + B). Attributes: strides[3] (default 1,1,1), dilations[3] (default 1,1,1),
// pads[6] = front,top,left,back,bottom,right (default 0), group (default 1), kernel_shape[3] (optional; must
// match W), activation/activation_alpha/activation_beta (see activation_attrs.h).
// On the optimised paths: depthwise convs (group == C > 1) run kernels/conv3d's direct depthwise kernel;
// other convs with constant weights its packed-GEMM lowering (weights packed here, once); the rest the
// reference.
#include "kernels/conv3d/conv3d.h"
#include "kernels/conv3d/conv3d_depthwise.h"

#include <cstddef>
#include <vector>

#include "engine/error.h"
#include "engine/ops/activation_attrs.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "kernels/conv2d/conv2d.h"
#include "kernels/gemm_packed/gemm_packed.h"

namespace vigil::ops {

namespace {

std::string ints_str(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += concat(i ? "," : "", v[i]);
  return s + "]";
}

// Every attribute parsed and checked against the input shapes, shared by infer and bind.
kernels::Conv3dParams conv3d_params(const Node& node, std::span<const TensorInfo> in) {
  expect_f32(node, in);
  const TensorInfo& x = in[0];
  const TensorInfo& w = in[1];
  expect_rank(node, x, 5, "input X");
  expect_rank(node, w, 5, "weight W");
  expect_explicit_pads(node);

  const auto strides = ints_attr(node, "strides", {1, 1, 1}, 3, 1);
  const auto dilations = ints_attr(node, "dilations", {1, 1, 1}, 3, 1);
  const auto pads = ints_attr(node, "pads", {0, 0, 0, 0, 0, 0}, 6, 0);
  const int64_t group = node.attrs.get_int("group", 1, node.label());

  kernels::Conv3dParams p;
  p.batch = x.shape[0];
  p.in_channels = x.shape[1];
  p.in_d = x.shape[2];
  p.in_h = x.shape[3];
  p.in_w = x.shape[4];
  p.out_channels = w.shape[0];
  p.kernel_d = w.shape[2];
  p.kernel_h = w.shape[3];
  p.kernel_w = w.shape[4];
  p.stride_d = strides[0];
  p.stride_h = strides[1];
  p.stride_w = strides[2];
  p.dilation_d = dilations[0];
  p.dilation_h = dilations[1];
  p.dilation_w = dilations[2];
  p.pad_front = pads[0];
  p.pad_top = pads[1];
  p.pad_left = pads[2];
  p.group = group;
  p.activation = fused_activation(node);

  if (w.shape.numel() == 0) fail_node(node, concat("weight W has an empty shape ", w.shape.str()));
  expect_grouped_channels(node, x.shape, w.shape, group);
  if (node.attrs.has("kernel_shape")) {
    const auto ks = ints_attr(node, "kernel_shape", {}, 3, 1);
    if (ks[0] != p.kernel_d || ks[1] != p.kernel_h || ks[2] != p.kernel_w)
      fail_node(node, concat("kernel_shape ", ints_str(ks), " does not match weight W ", w.shape.str()));
  }
  if (in.size() > 2 && in[2].present()) {
    const TensorInfo& b = in[2];
    if (b.shape.rank != 1 || b.shape[0] != p.out_channels)
      fail_node(node, concat("bias B ", b.shape.str(), " must have shape [", p.out_channels, "]"));
  }
  p.out_d = kernels::conv_output_size(p.in_d, p.kernel_d, p.stride_d, p.dilation_d, pads[0], pads[3]);
  p.out_h = kernels::conv_output_size(p.in_h, p.kernel_h, p.stride_h, p.dilation_h, pads[1], pads[4]);
  p.out_w = kernels::conv_output_size(p.in_w, p.kernel_w, p.stride_w, p.dilation_w, pads[2], pads[5]);
  if (p.out_d < 1 || p.out_h < 1 || p.out_w < 1)
    fail_node(node,
              concat("dilated kernel ", (p.kernel_d - 1) * p.dilation_d + 1, "x", (p.kernel_h - 1) * p.dilation_h + 1,
                     "x", (p.kernel_w - 1) * p.dilation_w + 1, " is larger than the padded input ",
                     p.in_d + pads[0] + pads[3], "x", p.in_h + pads[1] + pads[4], "x", p.in_w + pads[2] + pads[5],
                     " (X ", x.shape.str(), ", pads ", ints_str(pads), ")"));
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  const kernels::Conv3dParams p = conv3d_params(node, in);
  out[0] = {DType::F32, Shape{p.batch, p.out_channels, p.out_d, p.out_h, p.out_w}};
}

class Conv3dKernel final : public OpKernel {
 public:
  Conv3dKernel(kernels::Conv3dParams p, bool has_bias) : p_(p), has_bias_(has_bias) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::conv3d_reference(p_, in[0].f32(), in[1].f32(), has_bias_ ? in[2].f32() : nullptr, out[0].f32());
  }

 private:
  kernels::Conv3dParams p_;
  bool has_bias_;
};

// The packed-GEMM lowering, threaded over the execution context's pool.
class Conv3dGemmKernel final : public OpKernel {
 public:
  Conv3dGemmKernel(const kernels::Conv3dParams& p, kernels::KernelIsa isa, const float* weights, int max_threads)
      : p_(p), isa_(isa), max_threads_(max_threads) {
    packed_ = allocate_aligned(static_cast<size_t>(kernels::conv3d_gemm_packed_weights_floats(isa, p)) * sizeof(float));
    kernels::conv3d_gemm_pack_weights(isa, p, weights, reinterpret_cast<float*>(packed_.get()));
  }
  size_t workspace_bytes() const override {
    return static_cast<size_t>(kernels::conv3d_gemm_workspace_bytes(isa_, p_, max_threads_));
  }
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* bias = in.size() > 2 && in[2].present() ? in[2].f32() : nullptr;
    const kernels::GemmThreading threading{pool_parallel_for, rc.pool, rc.pool->size()};
    kernels::conv3d_gemm(isa_, p_, in[0].f32(), reinterpret_cast<const float*>(packed_.get()), bias, out[0].f32(),
                         rc.workspace, threading);
  }

 private:
  kernels::Conv3dParams p_;
  kernels::KernelIsa isa_;
  int max_threads_;
  AlignedBytes packed_;
};

// Depthwise (group == C > 1): the direct kernel; one task per thread, each a contiguous range of the
// (image, output channel) pairs with its own workspace slot.
class Conv3dDepthwiseKernel final : public OpKernel {
 public:
  Conv3dDepthwiseKernel(const kernels::Conv3dParams& p, kernels::KernelIsa isa, int max_threads)
      : p_(p), isa_(isa), max_threads_(max_threads) {
    slot_bytes_ = (static_cast<size_t>(kernels::conv3d_depthwise_workspace_bytes(p)) + 63) / 64 * 64;
  }
  size_t workspace_bytes() const override { return slot_bytes_ * static_cast<size_t>(max_threads_); }
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* x = in[0].f32();
    const float* w = in[1].f32();
    const float* bias = in.size() > 2 && in[2].present() ? in[2].f32() : nullptr;
    float* y = out[0].f32();
    const int64_t channels = p_.batch * p_.out_channels;
    const int threads = rc.pool->size();
    auto* workspace = static_cast<std::byte*>(rc.workspace);
    rc.pool->parallel_for(threads, [&](int64_t t_begin, int64_t t_end) {
      for (int64_t t = t_begin; t < t_end; ++t) {
        const int64_t first = channels * t / threads, last = channels * (t + 1) / threads;
        if (first == last) continue;
        kernels::conv3d_depthwise(isa_, p_, x, w, bias, y, first, last,
                                  slot_bytes_ ? workspace + static_cast<size_t>(t) * slot_bytes_ : nullptr);
      }
    });
  }

 private:
  kernels::Conv3dParams p_;
  kernels::KernelIsa isa_;
  int max_threads_;
  size_t slot_bytes_ = 0;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const bool has_bias = ctx.inputs.size() > 2 && ctx.inputs[2].present();
  const kernels::Conv3dParams p = conv3d_params(ctx.node, ctx.inputs);
  const auto isa = kernel_isa(ctx.path);
  if (isa && p.group > 1 && kernels::conv3d_depthwise_supported(p))
    return std::make_unique<Conv3dDepthwiseKernel>(p, *isa, ctx.max_threads);
  if (isa && ctx.constants[1] && ctx.constants[1]->dtype() == DType::F32)
    return std::make_unique<Conv3dGemmKernel>(p, *isa, ctx.constants[1]->f32(), ctx.max_threads);
  return std::make_unique<Conv3dKernel>(p, has_bias);
}

// 2 * N * M * OD * OH * OW * (C/group) * kd * kh * kw.
double flops(const Node&, std::span<const TensorInfo> in, std::span<const TensorInfo> out) {
  const Shape& w = in[1].shape;
  return 2.0 * static_cast<double>(out[0].shape.numel()) * static_cast<double>(w.numel(1, 5));
}

}  // namespace

const OpDef kConv3dOp{OpType::Conv3d, infer, bind, flops};

}  // namespace vigil::ops
