// Equal, Less, Greater, LessOrEqual, GreaterOrEqual, And, Or, Xor (kernels/predicate): two inputs of one dtype
// with numpy broadcasting, a bool output of the broadcast shape. The comparisons take f32, i64, i32, i8 or u8
// (Equal also bool); And, Or and Xor take bool. Exact on every path; the optimised paths split large outputs
// between the threads.
#include "kernels/predicate/predicate.h"

#include "engine/error.h"
#include "engine/ops/elem_type_of.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "kernels/binary/binary.h"

namespace vigil::ops {

namespace {

using kernels::PredicateOp;

static_assert(kernels::kPredicateMaxRank == kMaxRank);

PredicateOp predicate_op_of(const Node& node) {
  switch (node.op) {
    case OpType::Equal:
      return PredicateOp::Equal;
    case OpType::Less:
      return PredicateOp::Less;
    case OpType::Greater:
      return PredicateOp::Greater;
    case OpType::LessOrEqual:
      return PredicateOp::LessOrEqual;
    case OpType::GreaterOrEqual:
      return PredicateOp::GreaterOrEqual;
    case OpType::And:
      return PredicateOp::And;
    case OpType::Or:
      return PredicateOp::Or;
    case OpType::Xor:
      return PredicateOp::Xor;
    default:
      fail_node(node, "is not a comparison or logical op");
  }
}

bool is_logical(PredicateOp op) { return op == PredicateOp::And || op == PredicateOp::Or || op == PredicateOp::Xor; }

// The inputs' dtype, checked: both present and alike, and one the op computes.
DType checked_dtype(const Node& node, std::span<const TensorInfo> in) {
  if (!in[0].present() || !in[1].present()) fail_node(node, "both inputs are required");
  if (in[0].dtype != in[1].dtype)
    fail_node(node, concat("the inputs must have one dtype, got ", dtype_name(in[0].dtype), " and ",
                           dtype_name(in[1].dtype)));
  const DType t = in[0].dtype;
  const PredicateOp op = predicate_op_of(node);
  if (is_logical(op)) {
    if (t != DType::Bool) fail_node(node, concat("the inputs must be bool, got ", dtype_name(t)));
  } else if (!elem_type_of(t) || (t == DType::Bool && op != PredicateOp::Equal)) {
    fail_node(node, concat("cannot compare ", dtype_name(t), " values (",
                           op == PredicateOp::Equal ? "f32, i64, i32, i8, u8 or bool" : "f32, i64, i32, i8 or u8",
                           " expected)"));
  }
  return t;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  checked_dtype(node, in);
  out[0] = {DType::Bool, broadcast_shape(node, in[0].shape, in[1].shape)};
}

class PredicateKernel final : public OpKernel {
 public:
  PredicateKernel(const kernels::PredicateParams& p, bool threaded) : p_(p), threaded_(threaded) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    auto* y = static_cast<uint8_t*>(out[0].data);
    const int64_t n = out[0].numel();
    if (!threaded_) return kernels::predicate_reference(p_, in[0].data, in[1].data, y, 0, n);
    parallel_elements(*rc.pool, n, [&](int64_t begin, int64_t end) {
      kernels::predicate_reference(p_, in[0].data, in[1].data, y, begin, end);
    });
  }

 private:
  kernels::PredicateParams p_;
  bool threaded_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const Shape out = broadcast_shape(ctx.node, ctx.inputs[0].shape, ctx.inputs[1].shape);
  kernels::PredicateParams p;
  p.op = predicate_op_of(ctx.node);
  p.type = *elem_type_of(checked_dtype(ctx.node, ctx.inputs));
  p.rank = out.rank;
  for (int d = 0; d < out.rank; ++d) p.out_dims[d] = out[d];
  kernels::broadcast_strides(ctx.inputs[0].shape.span(), out.rank, p.a_strides);
  kernels::broadcast_strides(ctx.inputs[1].shape.span(), out.rank, p.b_strides);
  return std::make_unique<PredicateKernel>(p, ctx.path != KernelPath::Reference);
}

double flops(const Node&, std::span<const TensorInfo>, std::span<const TensorInfo> out) {
  return static_cast<double>(out[0].shape.numel());
}

}  // namespace

const OpDef kEqualOp{OpType::Equal, infer, bind, flops};
const OpDef kLessOp{OpType::Less, infer, bind, flops};
const OpDef kGreaterOp{OpType::Greater, infer, bind, flops};
const OpDef kLessOrEqualOp{OpType::LessOrEqual, infer, bind, flops};
const OpDef kGreaterOrEqualOp{OpType::GreaterOrEqual, infer, bind, flops};
const OpDef kAndOp{OpType::And, infer, bind, flops};
const OpDef kOrOp{OpType::Or, infer, bind, flops};
const OpDef kXorOp{OpType::Xor, infer, bind, flops};

}  // namespace vigil::ops
