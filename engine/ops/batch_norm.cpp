// BatchNorm (inference mode): X[N,C,...], scale[C], bias[C], mean[C], var[C] -> Y (shape of X).
// Attributes: epsilon (default 1e-5), optional fused activation (see activation_attrs.h). ONNX's momentum
// is ignored (it only matters in training); training_mode = 1 is rejected. The optimised paths run
// batch_norm_fast (the reference's double formula on vectors) over the threads.
#include <algorithm>

#include "engine/error.h"
#include "engine/ops/activation_attrs.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/parallel_for_adapter.h"
#include "kernels/batch_norm/batch_norm.h"
#include "kernels/batch_norm/batch_norm_fast.h"

namespace vigil::ops {

namespace {

kernels::BatchNormParams batch_norm_params(const Node& node, std::span<const TensorInfo> in) {
  expect_f32(node, in);
  const Shape& x = in[0].shape;
  if (x.rank < 2) fail_node(node, concat("input X must have rank >= 2 ([N,C,...]), got shape ", x.str()));
  static const char* const kParamNames[] = {"scale", "bias", "mean", "var"};
  for (int i = 1; i <= 4; ++i) {
    if (!in[static_cast<size_t>(i)].present()) fail_node(node, concat("input ", kParamNames[i - 1], " is required"));
    const Shape& s = in[static_cast<size_t>(i)].shape;
    if (s.rank != 1 || s[0] != x[1])
      fail_node(node, concat("input ", kParamNames[i - 1], " has shape ", s.str(), ", expected [", x[1], "] for X ",
                             x.str()));
  }
  if (node.attrs.get_int("training_mode", 0, node.label()) != 0)
    fail_node(node, "training_mode = 1 is not supported (inference only)");
  kernels::BatchNormParams p;
  p.batch = x[0];
  p.channels = x[1];
  p.spatial = x.numel(2, x.rank);
  p.epsilon = node.attrs.get_float("epsilon", 1e-5f, node.label());
  if (!(p.epsilon >= 0.0f)) fail_node(node, concat("epsilon must be >= 0, got ", p.epsilon));
  p.activation = fused_activation(node);
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  batch_norm_params(node, in);
  out[0] = in[0];
}

class BatchNormKernel final : public OpKernel {
 public:
  explicit BatchNormKernel(kernels::BatchNormParams p) : p_(p) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::batch_norm_reference(p_, in[0].f32(), in[1].f32(), in[2].f32(), in[3].f32(), in[4].f32(), out[0].f32());
  }

 private:
  kernels::BatchNormParams p_;
};

class BatchNormFastKernel final : public OpKernel {
 public:
  BatchNormFastKernel(kernels::BatchNormParams p, kernels::KernelIsa isa) : p_(p), isa_(isa) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    parallel_planes(*rc.pool, p_.batch * p_.channels, out[0].shape.numel(), [&](int64_t begin, int64_t end) {
      kernels::batch_norm_fast(isa_, p_, in[0].f32(), in[1].f32(), in[2].f32(), in[3].f32(), in[4].f32(),
                               out[0].f32(), begin, end);
    });
  }

 private:
  kernels::BatchNormParams p_;
  kernels::KernelIsa isa_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const kernels::BatchNormParams p = batch_norm_params(ctx.node, ctx.inputs);
  if (const auto isa = kernel_isa(ctx.path)) return std::make_unique<BatchNormFastKernel>(p, *isa);
  return std::make_unique<BatchNormKernel>(p);
}

// A multiply and an add per element once the per-channel factors are known.
double flops(const Node&, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  return 2.0 * static_cast<double>(in[0].shape.numel());
}

}  // namespace

const OpDef kBatchNormOp{OpType::BatchNorm, infer, bind, flops};

}  // namespace vigil::ops
