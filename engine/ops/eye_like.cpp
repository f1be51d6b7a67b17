// EyeLike: X [rows, cols] (any dtype; only its shape is used) -> a [rows, cols] matrix of dtype `dtype` (an
// engine/dtype.h code: f32, i64, i32, i8, u8 or bool; default X's dtype) with ones on diagonal k (attribute,
// default 0: element (i, i + k)) and zeros elsewhere (kernels/eye_like).
#include "kernels/eye_like/eye_like.h"

#include "engine/error.h"
#include "engine/ops/elem_type_of.h"
#include "engine/ops/op_defs.h"

namespace vigil::ops {

namespace {

struct Plan {
  DType dtype;
  kernels::ElemType type;
  int64_t k;
};

Plan plan(const Node& node, std::span<const TensorInfo> in) {
  if (in[0].shape.rank != 2) fail_node(node, concat("input ", in[0].shape.str(), " must have rank 2"));
  const int64_t code = node.attrs.get_int("dtype", static_cast<int64_t>(in[0].dtype), node.label());
  const auto dtype = static_cast<DType>(code);
  const auto type = code >= 0 && code <= 255 ? elem_type_of(dtype) : std::nullopt;
  if (!type) fail_node(node, concat("dtype ", code, " is not one of f32, i64, i32, i8, u8, bool"));
  return {dtype, *type, node.attrs.get_int("k", 0, node.label())};
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  out[0] = {plan(node, in).dtype, in[0].shape};
}

class EyeLikeKernel final : public OpKernel {
 public:
  EyeLikeKernel(const Plan& p, int64_t rows, int64_t cols) : p_(p), rows_(rows), cols_(cols) {}
  void run(std::span<const TensorView>, std::span<const TensorView> out, const RunContext&) const override {
    kernels::eye_like_reference(rows_, cols_, p_.k, p_.type, out[0].data);
  }

 private:
  Plan p_;
  int64_t rows_, cols_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const Shape& x = ctx.inputs[0].shape;
  return std::make_unique<EyeLikeKernel>(plan(ctx.node, ctx.inputs), x[0], x[1]);
}

double flops(const Node&, std::span<const TensorInfo>, std::span<const TensorInfo> out) {
  return static_cast<double>(out[0].shape.numel());
}

}  // namespace

const OpDef kEyeLikeOp{OpType::EyeLike, infer, bind, flops};

}  // namespace vigil::ops
