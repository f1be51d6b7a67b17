// ConvTranspose2d: X[N,C,H,W] with W[C,M/group,kh,kw] (+ B[M]) -> Y[N,M,OH,OW], with an optional fused
// activation: Y = act(conv_transpose(X) + B). Attributes: strides[2] (default 1,1), dilations[2] (default
// 1,1), pads[4] = top,left,bottom,right (default 0; they crop the full output), output_padding[2] (default
// 0,0; rows/columns added at the bottom/right, each < max(stride, dilation) of its dim), group (default 1),
// kernel_shape[2] (optional; must match W), activation/activation_alpha/activation_beta (activation_attrs.h).
//   OH = sh*(H-1) + output_padding_h + (kh-1)*dh + 1 - pad_top - pad_bottom   (OW likewise).
// Importers resolve auto_pad and output_shape into pads and output_padding (docs/ONNX.md).
#include "kernels/conv_transpose2d/conv_transpose2d.h"

#include <algorithm>
#include <cstddef>
#include <vector>

#include "engine/error.h"
#include "engine/ops/activation_attrs.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "engine/thread_pool.h"
#include "kernels/conv_transpose2d/conv_transpose2d_depthwise.h"

namespace vigil::ops {

namespace {

using kernels::ConvTranspose2dParams;

constexpr int64_t kMaxStrideOrDilation = int64_t{1} << 24;

// Every attribute parsed and checked against the input shapes, shared by infer and bind.
ConvTranspose2dParams conv_transpose_params(const Node& node, std::span<const TensorInfo> in) {
  expect_f32(node, in);
  const TensorInfo& x = in[0];
  const TensorInfo& w = in[1];
  expect_rank(node, x, 4, "input X");
  expect_rank(node, w, 4, "weight W");
  expect_explicit_pads(node);

  const auto strides = ints_attr(node, "strides", {1, 1}, 2, 1);
  const auto dilations = ints_attr(node, "dilations", {1, 1}, 2, 1);
  const auto pads = ints_attr(node, "pads", {0, 0, 0, 0}, 4, 0);
  const auto output_padding = ints_attr(node, "output_padding", {0, 0}, 2, 0);
  const int64_t group = node.attrs.get_int("group", 1, node.label());
  if (group < 1) fail_node(node, concat("group must be >= 1, got ", group));
  // Bounds far past any real model that keep the output-size arithmetic below inside int64 (X's dims and the
  // kernel are at most 2^32); the output's element count is checked by shape inference.
  auto at_most = [&](const std::vector<int64_t>& v, const char* name, int64_t limit) {
    for (int64_t e : v)
      if (e > limit) fail_node(node, concat("attribute '", name, "' value ", e, " is larger than ", limit));
  };
  at_most(strides, "strides", kMaxStrideOrDilation);
  at_most(dilations, "dilations", kMaxStrideOrDilation);
  at_most(pads, "pads", kMaxElements);
  at_most(output_padding, "output_padding", kMaxElements);
  if (w.shape.numel() == 0) fail_node(node, concat("weight W has an empty shape ", w.shape.str()));

  ConvTranspose2dParams p;
  p.batch = x.shape[0];
  p.in_channels = x.shape[1];
  p.in_h = x.shape[2];
  p.in_w = x.shape[3];
  p.out_channels = w.shape[1] * group;
  p.kernel_h = w.shape[2];
  p.kernel_w = w.shape[3];
  p.stride_h = strides[0];
  p.stride_w = strides[1];
  p.dilation_h = dilations[0];
  p.dilation_w = dilations[1];
  p.pad_top = pads[0];
  p.pad_left = pads[1];
  p.group = group;
  p.activation = fused_activation(node);

  if (w.shape[0] != p.in_channels)
    fail_node(node, concat("weight W ", w.shape.str(), " is laid out [C, M/group, kh, kw] and expects ", w.shape[0],
                           " input channels, but X ", x.shape.str(), " has ", p.in_channels));
  if (p.in_channels % group != 0)
    fail_node(node,
              concat("input channels ", p.in_channels, " (X ", x.shape.str(), ") are not divisible by group ", group));
  if (node.attrs.has("kernel_shape")) {
    const auto ks = ints_attr(node, "kernel_shape", {}, 2, 1);
    if (ks[0] != p.kernel_h || ks[1] != p.kernel_w)
      fail_node(node, concat("kernel_shape [", ks[0], ",", ks[1], "] does not match weight W ", w.shape.str()));
  }
  for (int d = 0; d < 2; ++d) {
    const int64_t limit = std::max(strides[static_cast<size_t>(d)], dilations[static_cast<size_t>(d)]);
    if (output_padding[static_cast<size_t>(d)] >= limit)
      fail_node(node, concat("output_padding [", output_padding[0], ",", output_padding[1], "] must be smaller than ",
                             "max(stride, dilation) = ", limit, " in dim ", d, " (strides [", strides[0], ",",
                             strides[1], "], dilations [", dilations[0], ",", dilations[1], "])"));
  }
  if (in.size() > 2 && in[2].present()) {
    const TensorInfo& b = in[2];
    if (b.shape.rank != 1 || b.shape[0] != p.out_channels)
      fail_node(node, concat("bias B ", b.shape.str(), " must have shape [", p.out_channels, "] (W ", w.shape.str(),
                             " x group ", group, ")"));
  }
  p.out_h = kernels::conv_transpose_output_size(p.in_h, p.kernel_h, p.stride_h, p.dilation_h, pads[0], pads[2],
                                                output_padding[0]);
  p.out_w = kernels::conv_transpose_output_size(p.in_w, p.kernel_w, p.stride_w, p.dilation_w, pads[1], pads[3],
                                                output_padding[1]);
  if (p.out_h < 1 || p.out_w < 1)
    fail_node(node, concat("pads [", pads[0], ",", pads[1], ",", pads[2], ",", pads[3], "] crop the whole output: ",
                           "X ", x.shape.str(), " with W ", w.shape.str(), " gives ", p.out_h, "x", p.out_w));
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  const ConvTranspose2dParams p = conv_transpose_params(node, in);
  out[0] = {DType::F32, Shape{p.batch, p.out_channels, p.out_h, p.out_w}};
}

class ConvTranspose2dReferenceKernel final : public OpKernel {
 public:
  ConvTranspose2dReferenceKernel(ConvTranspose2dParams p, bool has_bias) : p_(p), has_bias_(has_bias) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::conv_transpose2d_reference(p_, in[0].f32(), in[1].f32(), has_bias_ ? in[2].f32() : nullptr, out[0].f32());
  }

 private:
  ConvTranspose2dParams p_;
  bool has_bias_;
};

// The packed GEMM + col2im path (kernels/conv_transpose2d), weights packed once here.
class ConvTranspose2dPackedKernel final : public OpKernel {
 public:
  ConvTranspose2dPackedKernel(const ConvTranspose2dParams& p, kernels::KernelIsa isa, const float* weights,
                              bool has_bias, int max_threads)
      : p_(p), isa_(isa), has_bias_(has_bias), max_threads_(max_threads) {
    packed_ =
        allocate_aligned(static_cast<size_t>(kernels::conv_transpose2d_packed_weights_floats(isa, p)) * sizeof(float));
    kernels::conv_transpose2d_pack_weights(isa, p, weights, reinterpret_cast<float*>(packed_.get()));
  }

  size_t workspace_bytes() const override {
    return static_cast<size_t>(kernels::conv_transpose2d_workspace_bytes(isa_, p_, max_threads_));
  }

  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const kernels::GemmThreading threading{pool_parallel_for, rc.pool, rc.pool->size()};
    kernels::conv_transpose2d_fast(isa_, p_, in[0].f32(), reinterpret_cast<const float*>(packed_.get()),
                                   has_bias_ ? in[2].f32() : nullptr, out[0].f32(), rc.workspace, threading);
  }

 private:
  ConvTranspose2dParams p_;
  kernels::KernelIsa isa_;
  bool has_bias_;
  int max_threads_;
  AlignedBytes packed_;
};

// group == C (depthwise, any multiplier): the direct kernel (kernels/conv_transpose2d/conv_transpose2d_depthwise.h),
// output planes split over the threads, each with its own phase buffer. Weights need not be constant.
class ConvTranspose2dDepthwiseKernel final : public OpKernel {
 public:
  ConvTranspose2dDepthwiseKernel(const ConvTranspose2dParams& p, kernels::KernelIsa isa, bool has_bias,
                                 int max_threads)
      : p_(p), isa_(isa), has_bias_(has_bias), max_threads_(max_threads) {
    slot_bytes_ =
        (static_cast<size_t>(kernels::conv_transpose2d_depthwise_workspace_floats(p)) * sizeof(float) + 63) / 64 * 64;
  }
  size_t workspace_bytes() const override { return slot_bytes_ * static_cast<size_t>(max_threads_); }

  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const int64_t planes = p_.batch * p_.out_channels;
    const int threads = out[0].shape.numel() < kMinParallelElements
                            ? 1
                            : static_cast<int>(std::min<int64_t>(std::min(rc.pool->size(), max_threads_), planes));
    auto* workspace = static_cast<std::byte*>(rc.workspace);
    rc.pool->parallel_for(threads, [&](int64_t t_begin, int64_t t_end) {
      for (int64_t t = t_begin; t < t_end; ++t)
        kernels::conv_transpose2d_depthwise(isa_, p_, in[0].f32(), in[1].f32(), has_bias_ ? in[2].f32() : nullptr,
                                            out[0].f32(), planes * t / threads, planes * (t + 1) / threads,
                                            reinterpret_cast<float*>(workspace + static_cast<size_t>(t) * slot_bytes_));
    });
  }

 private:
  ConvTranspose2dParams p_;
  kernels::KernelIsa isa_;
  bool has_bias_;
  int max_threads_;
  size_t slot_bytes_ = 0;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const bool has_bias = ctx.inputs.size() > 2 && ctx.inputs[2].present();
  const ConvTranspose2dParams p = conv_transpose_params(ctx.node, ctx.inputs);
  const auto isa = kernel_isa(ctx.path);
  if (isa && kernels::conv_transpose2d_depthwise_supported(p))
    return std::make_unique<ConvTranspose2dDepthwiseKernel>(p, *isa, has_bias, ctx.max_threads);
  if (isa && ctx.constants[1] && ctx.constants[1]->dtype() == DType::F32)
    return std::make_unique<ConvTranspose2dPackedKernel>(p, *isa, ctx.constants[1]->f32(), has_bias, ctx.max_threads);
  return std::make_unique<ConvTranspose2dReferenceKernel>(p, has_bias);
}

// 2 * N * C * H * W * (M/group) * kh * kw: every input pixel times its kernel stamp (taps cropped away by the
// pads are counted too: the fast path computes them).
double flops(const Node&, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  const Shape& w = in[1].shape;
  return 2.0 * static_cast<double>(in[0].shape.numel()) * static_cast<double>(w[1] * w[2] * w[3]);
}

}  // namespace

const OpDef kConvTranspose2dOp{OpType::ConvTranspose2d, infer, bind, flops};

}  // namespace vigil::ops
