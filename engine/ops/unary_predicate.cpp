// Not (bool -> bool), IsNaN and IsInf (f32 -> bool; IsInf's detect_positive / detect_negative, 0 or 1, default
// 1, choose which infinities count): the output has the input's shape (kernels/predicate). Exact on every
// path; the optimised paths split large tensors between the threads.
#include "engine/error.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "kernels/predicate/predicate.h"

namespace vigil::ops {

namespace {

using kernels::UnaryPredicateOp;

kernels::UnaryPredicateParams params_of(const Node& node) {
  kernels::UnaryPredicateParams p;
  switch (node.op) {
    case OpType::Not:
      p.op = UnaryPredicateOp::Not;
      break;
    case OpType::IsNaN:
      p.op = UnaryPredicateOp::IsNaN;
      break;
    case OpType::IsInf:
      p.op = UnaryPredicateOp::IsInf;
      p.detect_positive = flag_attr(node, "detect_positive", 1);
      p.detect_negative = flag_attr(node, "detect_negative", 1);
      break;
    default:
      fail_node(node, "is not Not, IsNaN or IsInf");
  }
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  if (!in[0].present()) fail_node(node, "the input is required");
  const kernels::UnaryPredicateParams p = params_of(node);
  const DType want = p.op == UnaryPredicateOp::Not ? DType::Bool : DType::F32;
  if (in[0].dtype != want)
    fail_node(node, concat("the input must be ", dtype_name(want), ", got ", dtype_name(in[0].dtype)));
  out[0] = {DType::Bool, in[0].shape};
}

class UnaryPredicateKernel final : public OpKernel {
 public:
  UnaryPredicateKernel(const kernels::UnaryPredicateParams& p, bool threaded) : p_(p), threaded_(threaded) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    auto* y = static_cast<uint8_t*>(out[0].data);
    const int64_t n = out[0].numel();
    if (!threaded_) return kernels::unary_predicate_reference(p_, in[0].data, y, 0, n);
    parallel_elements(*rc.pool, n, [&](int64_t begin, int64_t end) {
      kernels::unary_predicate_reference(p_, in[0].data, y, begin, end);
    });
  }

 private:
  kernels::UnaryPredicateParams p_;
  bool threaded_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  return std::make_unique<UnaryPredicateKernel>(params_of(ctx.node), ctx.path != KernelPath::Reference);
}

double flops(const Node&, std::span<const TensorInfo>, std::span<const TensorInfo> out) {
  return static_cast<double>(out[0].shape.numel());
}

}  // namespace

const OpDef kNotOp{OpType::Not, infer, bind, flops};
const OpDef kIsNaNOp{OpType::IsNaN, infer, bind, flops};
const OpDef kIsInfOp{OpType::IsInf, infer, bind, flops};

}  // namespace vigil::ops
