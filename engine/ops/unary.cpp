// Abs, Neg, Sqrt, Reciprocal, Exp, Log, Erf, Floor, Ceil, Softplus, Softsign, Gelu: one f32 input, the
// output of its shape; no attributes but Gelu's `approximate` (none | tanh). One binding for all of them; the kernel is
// kernels/unary: each formula in double, rounded once. The reference path calls libm per element (GELU's erf took
// ~5 ns a value); the AVX2 / AVX-512 paths evaluate the same formulas on double vectors (kernels/unary/unary_fast.h)
// and split large tensors over the threads.
#include <algorithm>

#include "engine/error.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "kernels/unary/unary_fast.h"

namespace vigil::ops {

namespace {

using kernels::UnaryOp;

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
    default:
      fail_node(node, "is not a unary math op");
  }
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  expect_f32(node, in);
  unary_op_of(node);
  out[0] = in[0];
}

class UnaryKernel final : public OpKernel {
 public:
  explicit UnaryKernel(UnaryOp op) : op_(op) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::unary_reference(op_, in[0].f32(), out[0].f32(), in[0].numel());
  }

 private:
  UnaryOp op_;
};

class UnaryFastKernel final : public OpKernel {
 public:
  UnaryFastKernel(UnaryOp op, kernels::KernelIsa isa) : op_(op), isa_(isa) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* x = in[0].f32();
    float* y = out[0].f32();
    const int64_t n = in[0].numel(), chunks = (n + 63) / 64;
    const int threads = n >= kMinParallelElements ? rc.pool->size() : 1;
    rc.pool->parallel_for(threads, [&](int64_t t_begin, int64_t t_end) {
      for (int64_t t = t_begin; t < t_end; ++t) {
        const int64_t begin = chunks * t / threads * 64, end = std::min(n, chunks * (t + 1) / threads * 64);
        if (begin < end) kernels::unary_fast(isa_, op_, x + begin, y + begin, end - begin);
      }
    });
  }

 private:
  UnaryOp op_;
  kernels::KernelIsa isa_;
};

// The scalar path has no vector code to offer: it runs the reference, like the reference path.
std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const UnaryOp op = unary_op_of(ctx.node);
  const auto isa = kernel_isa(ctx.path);
  if (isa && *isa != kernels::KernelIsa::Scalar) return std::make_unique<UnaryFastKernel>(op, *isa);
  return std::make_unique<UnaryKernel>(op);
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

}  // namespace vigil::ops
