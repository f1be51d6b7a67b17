// The standalone activation ops. All share one kernel (kernels/activation) and differ only in which
// Activation and parameters they pass it.
#include <limits>

#include "engine/error.h"
#include "engine/ops/activation_attrs.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "engine/thread_pool.h"
#include "kernels/gemm_packed/gemm_packed.h"

namespace vigil::ops {

using kernels::Activation;
using kernels::ActivationParams;

bool is_activation_op(OpType op) {
  switch (op) {
    case OpType::Relu:
    case OpType::LeakyRelu:
    case OpType::Sigmoid:
    case OpType::Tanh:
    case OpType::Silu:
    case OpType::Mish:
    case OpType::HardSwish:
    case OpType::HardSigmoid:
    case OpType::Clip:
      return true;
    default:
      return false;
  }
}

ActivationParams activation_of_op(const Node& node) {
  const auto& a = node.attrs;
  const std::string who = node.label();
  switch (node.op) {
    case OpType::Relu:
      return {Activation::Relu};
    case OpType::LeakyRelu:
      return {Activation::LeakyRelu, a.get_float("alpha", 0.01f, who)};
    case OpType::Sigmoid:
      return {Activation::Sigmoid};
    case OpType::Tanh:
      return {Activation::Tanh};
    case OpType::Silu:
      return {Activation::Silu};
    case OpType::Mish:
      return {Activation::Mish};
    case OpType::HardSwish:
      return {Activation::HardSwish};
    case OpType::HardSigmoid:
      return {Activation::HardSigmoid, a.get_float("alpha", 0.2f, who), a.get_float("beta", 0.5f, who)};
    case OpType::Clip:
      return {Activation::Clip, a.get_float("min", -std::numeric_limits<float>::infinity(), who),
              a.get_float("max", std::numeric_limits<float>::infinity(), who)};
    default:
      fail_node(node, "is not an activation op");
  }
}

ActivationParams fused_activation(const Node& node) {
  const std::string who = node.label();
  std::string name = node.attrs.get_string("activation", "none", who);
  auto kind = kernels::activation_from_name(name);
  if (!kind) fail_node(node, concat("unknown fused activation '", name, "'"));
  return {*kind, node.attrs.get_float("activation_alpha", 0.0f, who),
          node.attrs.get_float("activation_beta", 0.0f, who)};
}

void set_fused_activation(Attributes& attrs, const ActivationParams& act) {
  attrs.set("activation", std::string(kernels::activation_name(act.kind)));
  if (act.alpha != 0.0f) attrs.set("activation_alpha", act.alpha);
  if (act.beta != 0.0f) attrs.set("activation_beta", act.beta);
}

namespace {

void infer_same_shape(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  expect_f32(node, in);
  activation_of_op(node);  // validates the attributes now rather than at bind time
  out[0] = in[0];
}

class ActivationKernel final : public OpKernel {
 public:
  explicit ActivationKernel(ActivationParams p) : p_(p) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::activation_reference(p_, in[0].f32(), out[0].f32(), in[0].numel());
  }

 private:
  ActivationParams p_;
};

// On the optimised paths: the vector activations of the conv epilogues (gemm_packed_activation: bit-identical
// to the reference for the piecewise-linear kinds, within the ulp bounds of docs/KERNELS.md for sigmoid,
// tanh, silu and mish), split over the threads in whole 64-float chunks. The reference, a double-precision
// call per element, took ~5 ns per element for Sigmoid (2.2 ms on 64x80x80): standalone Sigmoid + Mul is
// how many exports write SiLU.
class ActivationFastKernel final : public OpKernel {
 public:
  ActivationFastKernel(ActivationParams p, kernels::KernelIsa isa) : p_(p), isa_(isa) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* x = in[0].f32();
    float* y = out[0].f32();
    parallel_elements(*rc.pool, in[0].numel(), [&](int64_t begin, int64_t end) {
      kernels::gemm_packed_activation(isa_, p_, x + begin, y + begin, end - begin);
    });
  }

 private:
  ActivationParams p_;
  kernels::KernelIsa isa_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const ActivationParams p = activation_of_op(ctx.node);
  if (const auto isa = kernel_isa(ctx.path)) return std::make_unique<ActivationFastKernel>(p, *isa);
  return std::make_unique<ActivationKernel>(p);
}

double flops(const Node&, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  return static_cast<double>(in[0].shape.numel());
}

}  // namespace

const OpDef kReluOp{OpType::Relu, infer_same_shape, bind, flops};
const OpDef kLeakyReluOp{OpType::LeakyRelu, infer_same_shape, bind, flops};
const OpDef kSigmoidOp{OpType::Sigmoid, infer_same_shape, bind, flops};
const OpDef kTanhOp{OpType::Tanh, infer_same_shape, bind, flops};
const OpDef kSiluOp{OpType::Silu, infer_same_shape, bind, flops};
const OpDef kMishOp{OpType::Mish, infer_same_shape, bind, flops};
const OpDef kHardSwishOp{OpType::HardSwish, infer_same_shape, bind, flops};
const OpDef kHardSigmoidOp{OpType::HardSigmoid, infer_same_shape, bind, flops};
const OpDef kClipOp{OpType::Clip, infer_same_shape, bind, flops};

}  // namespace vigil::ops
