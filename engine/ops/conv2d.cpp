// Conv2d: X[N,C,H,W] * W[M,C/group,kh,kw] (+ B[M]) -> Y[N,M,OH,OW], with an optional fused activation and an
// optional residual R (Y's shape) added after it: Y = act(conv(X) + B) + R, or before it with
// residual_before_activation = 1: Y = act(conv(X) + B + R) (fuse_residual_add makes these).
// Attributes: strides[2] (default 1,1), dilations[2] (default 1,1), pads[4] = top,left,bottom,right
// (default 0), group (default 1), kernel_shape[2] (optional; must match W), activation/activation_alpha/
// activation_beta (see activation_attrs.h).
#include "kernels/conv2d/conv2d.h"

#include <vector>

#include "engine/error.h"
#include "engine/ops/activation_attrs.h"
#include "engine/ops/conv2d_fast.h"
#include "engine/ops/op_defs.h"

namespace vigil::ops {

kernels::Conv2dParams conv2d_node_params(const Node& node, std::span<const TensorInfo> in) {
  expect_f32(node, in);
  const TensorInfo& x = in[0];
  const TensorInfo& w = in[1];
  expect_rank(node, x, 4, "input X");
  expect_rank(node, w, 4, "weight W");
  expect_explicit_pads(node);

  const auto strides = ints_attr(node, "strides", {1, 1}, 2, 1);
  const auto dilations = ints_attr(node, "dilations", {1, 1}, 2, 1);
  const auto pads = ints_attr(node, "pads", {0, 0, 0, 0}, 4, 0);
  const int64_t group = node.attrs.get_int("group", 1, node.label());

  kernels::Conv2dParams p;
  p.batch = x.shape[0];
  p.in_channels = x.shape[1];
  p.in_h = x.shape[2];
  p.in_w = x.shape[3];
  p.out_channels = w.shape[0];
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

  if (w.shape.numel() == 0) fail_node(node, concat("weight W has an empty shape ", w.shape.str()));
  expect_grouped_channels(node, x.shape, w.shape, group);
  if (node.attrs.has("kernel_shape")) {
    const auto ks = ints_attr(node, "kernel_shape", {}, 2, 1);
    if (ks[0] != p.kernel_h || ks[1] != p.kernel_w)
      fail_node(node, concat("kernel_shape [", ks[0], ",", ks[1], "] does not match weight W ", w.shape.str()));
  }
  if (in.size() > 2 && in[2].present()) {
    const TensorInfo& b = in[2];
    if (b.shape.rank != 1 || b.shape[0] != p.out_channels)
      fail_node(node, concat("bias B ", b.shape.str(), " must have shape [", p.out_channels, "]"));
  }
  p.out_h = kernels::conv_output_size(p.in_h, p.kernel_h, p.stride_h, p.dilation_h, pads[0], pads[2]);
  p.out_w = kernels::conv_output_size(p.in_w, p.kernel_w, p.stride_w, p.dilation_w, pads[1], pads[3]);
  if (p.out_h < 1 || p.out_w < 1)
    fail_node(node,
              concat("dilated kernel ", (p.kernel_h - 1) * p.dilation_h + 1, "x", (p.kernel_w - 1) * p.dilation_w + 1,
                     " is larger than the padded input ", p.in_h + pads[0] + pads[2], "x", p.in_w + pads[1] + pads[3],
                     " (X ", x.shape.str(), ", pads [", pads[0], ",", pads[1], ",", pads[2], ",", pads[3], "])"));
  const bool has_residual = in.size() > 3 && in[3].present();
  if (has_residual) {
    const Shape y{p.batch, p.out_channels, p.out_h, p.out_w};
    if (!(in[3].shape == y))
      fail_node(node, concat("residual R ", in[3].shape.str(), " must have the output's shape ", y.str()));
  }
  const int64_t before = node.attrs.get_int("residual_before_activation", 0, node.label());
  if (before != 0 && before != 1)
    fail_node(node, concat("residual_before_activation must be 0 or 1, got ", before));
  if (before && !has_residual) fail_node(node, "residual_before_activation = 1 needs the residual input R");
  p.residual_before_activation = before == 1;
  return p;
}

namespace {

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  const kernels::Conv2dParams p = conv2d_node_params(node, in);
  out[0] = {DType::F32, Shape{p.batch, p.out_channels, p.out_h, p.out_w}};
}

class Conv2dKernel final : public OpKernel {
 public:
  Conv2dKernel(kernels::Conv2dParams p, bool has_bias) : p_(p), has_bias_(has_bias) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::conv2d_reference(kernel_params(p_), in[0].f32(), in[1].f32(), has_bias_ ? in[2].f32() : nullptr,
                              out[0].f32());
    finish_conv_residual(p_, std::nullopt, in, out[0]);
  }

 private:
  kernels::Conv2dParams p_;
  bool has_bias_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const bool has_bias = ctx.inputs.size() > 2 && ctx.inputs[2].present();
  const kernels::Conv2dParams p = conv2d_node_params(ctx.node, ctx.inputs);
  if (auto fast = make_conv2d_fast(ctx, p)) return fast;
  return std::make_unique<Conv2dKernel>(p, has_bias);
}

// 2 * N * M * OH * OW * (C/group) * kh * kw.
double flops(const Node&, std::span<const TensorInfo> in, std::span<const TensorInfo> out) {
  const Shape& w = in[1].shape;
  return 2.0 * static_cast<double>(out[0].shape.numel()) * static_cast<double>(w[1] * w[2] * w[3]);
}

}  // namespace

const OpDef kConv2dOp{OpType::Conv2d, infer, bind, flops};

}  // namespace vigil::ops
