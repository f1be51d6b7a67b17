// Abs, Neg, Sqrt, Reciprocal, Exp, Log, Erf, Floor, Ceil, Softplus, Softsign, Gelu, Elu, Selu, Celu,
// ThresholdedRelu, Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Asinh, Acosh, Atanh, Round, Sign, Shrink: one f32 input, the output of its shape; no attributes but Gelu's `approximate` (none | tanh) and
// the exponential-linear family's `alpha` (and Selu's `gamma`), with ONNX's defaults. One binding for all of them;
// the kernel is kernels/unary: each formula in double, rounded once. The reference path calls libm per element
// (GELU's erf took ~5 ns a value); the AVX2 / AVX-512 paths evaluate the same formulas on double vectors
// (kernels/unary/unary_fast.h) and split large tensors over the threads.
#include <cmath>

#include "engine/error.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "kernels/unary/unary_fast.h"

namespace vigil::ops {

namespace {

using kernels::UnaryOp;
using kernels::UnaryParams;

// A finite float attribute, or an error naming the node (an infinite or NaN alpha makes every output NaN or
// infinite, which is never what an exporter meant).
float finite_attr(const Node& node, const char* name, float fallback) {
  const float v = node.attrs.get_float(name, fallback, node.label());
  if (!std::isfinite(v)) fail_node(node, concat(name, " must be finite, got ", v));
  return v;
}

UnaryOp unary_op_of(const Node& node) {
  switch (node.op) {
    case OpType::Abs:
      return UnaryOp::Abs;
    case OpType::Neg:
      return UnaryOp::Neg;
    case OpType::Sqrt:
      return UnaryOp::Sqrt;
    case OpType::Reciprocal:
      return UnaryOp::Reciprocal;
    case OpType::Exp:
      return UnaryOp::Exp;
    case OpType::Log:
      return UnaryOp::Log;
    case OpType::Erf:
      return UnaryOp::Erf;
    case OpType::Floor:
      return UnaryOp::Floor;
    case OpType::Ceil:
      return UnaryOp::Ceil;
    case OpType::Softplus:
      return UnaryOp::Softplus;
    case OpType::Softsign:
      return UnaryOp::Softsign;
    case OpType::Gelu: {
      const std::string approximate = node.attrs.get_string("approximate", "none", node.label());
      if (approximate == "none") return UnaryOp::Gelu;
      if (approximate == "tanh") return UnaryOp::GeluTanh;
      fail_node(node, concat("approximate '", approximate, "' is not none or tanh"));
    }
    case OpType::Elu:
      return UnaryOp::Elu;
    case OpType::Selu:
      return UnaryOp::Selu;
    case OpType::Celu:
      return UnaryOp::Celu;
    case OpType::ThresholdedRelu:
      return UnaryOp::ThresholdedRelu;
    case OpType::Sin:
      return UnaryOp::Sin;
    case OpType::Cos:
      return UnaryOp::Cos;
    case OpType::Tan:
      return UnaryOp::Tan;
    case OpType::Asin:
      return UnaryOp::Asin;
    case OpType::Acos:
      return UnaryOp::Acos;
    case OpType::Atan:
      return UnaryOp::Atan;
    case OpType::Sinh:
      return UnaryOp::Sinh;
    case OpType::Cosh:
      return UnaryOp::Cosh;
    case OpType::Asinh:
      return UnaryOp::Asinh;
    case OpType::Acosh:
      return UnaryOp::Acosh;
    case OpType::Atanh:
      return UnaryOp::Atanh;
    case OpType::Round:
      return UnaryOp::Round;
    case OpType::Sign:
      return UnaryOp::Sign;
    case OpType::Shrink:
      return UnaryOp::Shrink;
    default:
      fail_node(node, "is not a unary math op");
  }
}

// The op with its attributes; defaults are ONNX's (Selu's are the float values of the constants of Klambauer
// et al., as the ONNX spec writes them).
UnaryParams unary_params_of(const Node& node) {
  UnaryParams p{unary_op_of(node)};
  switch (p.op) {
    case UnaryOp::Elu:
    case UnaryOp::ThresholdedRelu:
      p.alpha = finite_attr(node, "alpha", 1.0f);
      break;
    case UnaryOp::Selu:
      p.alpha = finite_attr(node, "alpha", 1.67326319217681884765625f);
      p.gamma = finite_attr(node, "gamma", 1.05070102214813232421875f);
      break;
    case UnaryOp::Celu:
      p.alpha = finite_attr(node, "alpha", 1.0f);
      if (p.alpha == 0.0f) fail_node(node, "alpha must not be 0 (Celu divides by it)");
      break;
    case UnaryOp::Shrink:
      p.alpha = finite_attr(node, "lambd", 0.5f);
      p.gamma = finite_attr(node, "bias", 0.0f);
      break;
    default:
      break;
  }
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  expect_f32(node, in);
  unary_params_of(node);
  out[0] = in[0];
}

class UnaryKernel final : public OpKernel {
 public:
  explicit UnaryKernel(const UnaryParams& p) : p_(p) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::unary_reference(p_, in[0].f32(), out[0].f32(), in[0].numel());
  }

 private:
  UnaryParams p_;
};

class UnaryFastKernel final : public OpKernel {
 public:
  UnaryFastKernel(const UnaryParams& p, kernels::KernelIsa isa) : p_(p), isa_(isa) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* x = in[0].f32();
    float* y = out[0].f32();
    parallel_elements(*rc.pool, in[0].numel(), [&](int64_t begin, int64_t end) {
      kernels::unary_fast(isa_, p_, x + begin, y + begin, end - begin);
    });
  }

 private:
  UnaryParams p_;
  kernels::KernelIsa isa_;
};

// The scalar path has no vector code to offer: it runs the reference, like the reference path.
std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const UnaryParams p = unary_params_of(ctx.node);
  const auto isa = kernel_isa(ctx.path);
  if (isa && *isa != kernels::KernelIsa::Scalar) return std::make_unique<UnaryFastKernel>(p, *isa);
  return std::make_unique<UnaryKernel>(p);
}

double flops(const Node&, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  return static_cast<double>(in[0].shape.numel());
}

}  // namespace

const OpDef kAbsOp{OpType::Abs, infer, bind, flops};
const OpDef kNegOp{OpType::Neg, infer, bind, flops};
const OpDef kSqrtOp{OpType::Sqrt, infer, bind, flops};
const OpDef kReciprocalOp{OpType::Reciprocal, infer, bind, flops};
const OpDef kExpOp{OpType::Exp, infer, bind, flops};
const OpDef kLogOp{OpType::Log, infer, bind, flops};
const OpDef kErfOp{OpType::Erf, infer, bind, flops};
const OpDef kFloorOp{OpType::Floor, infer, bind, flops};
const OpDef kCeilOp{OpType::Ceil, infer, bind, flops};
const OpDef kSoftplusOp{OpType::Softplus, infer, bind, flops};
const OpDef kSoftsignOp{OpType::Softsign, infer, bind, flops};
const OpDef kGeluOp{OpType::Gelu, infer, bind, flops};
const OpDef kEluOp{OpType::Elu, infer, bind, flops};
const OpDef kSeluOp{OpType::Selu, infer, bind, flops};
const OpDef kCeluOp{OpType::Celu, infer, bind, flops};
const OpDef kThresholdedReluOp{OpType::ThresholdedRelu, infer, bind, flops};
const OpDef kSinOp{OpType::Sin, infer, bind, flops};
const OpDef kCosOp{OpType::Cos, infer, bind, flops};
const OpDef kTanOp{OpType::Tan, infer, bind, flops};
const OpDef kAsinOp{OpType::Asin, infer, bind, flops};
const OpDef kAcosOp{OpType::Acos, infer, bind, flops};
const OpDef kAtanOp{OpType::Atan, infer, bind, flops};
const OpDef kSinhOp{OpType::Sinh, infer, bind, flops};
const OpDef kCoshOp{OpType::Cosh, infer, bind, flops};
const OpDef kAsinhOp{OpType::Asinh, infer, bind, flops};
const OpDef kAcoshOp{OpType::Acosh, infer, bind, flops};
const OpDef kAtanhOp{OpType::Atanh, infer, bind, flops};
const OpDef kRoundOp{OpType::Round, infer, bind, flops};
const OpDef kSignOp{OpType::Sign, infer, bind, flops};
const OpDef kShrinkOp{OpType::Shrink, infer, bind, flops};

}  // namespace vigil::ops
