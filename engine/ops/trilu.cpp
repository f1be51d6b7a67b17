// Trilu: X [..., rows, cols] of any run-time dtype -> X's shape and dtype, the upper (upper = 1, the default) or
// lower (upper = 0) triangle of every matrix kept and the rest zeroed (kernels/trilu). Attribute k (default 0):
// the bounding diagonal, positive above the main one; any value (a diagonal outside the matrix keeps all or
// nothing). ONNX's optional k input is folded into the attribute by the importer.
#include "kernels/trilu/trilu.h"

#include "engine/error.h"
#include "engine/ops/elem_type_of.h"
#include "engine/ops/op_defs.h"

namespace vigil::ops {

namespace {

kernels::TriluParams params(const Node& node, std::span<const TensorInfo> in) {
  if (!elem_type_of(in[0].dtype))
    fail_node(node, concat("input is ", dtype_name(in[0].dtype), ", expected f32, i64, i32, i8, u8 or bool"));
  const Shape& x = in[0].shape;
  if (x.rank < 2) fail_node(node, concat("input ", x.str(), " must have rank >= 2 (a batch of matrices)"));
  kernels::TriluParams p;
  p.rows = x[x.rank - 2];
  p.cols = x[x.rank - 1];
  p.batch = x.numel(0, x.rank - 2);
  p.k = node.attrs.get_int("k", 0, node.label());
  p.upper = flag_attr(node, "upper", 1);
  p.elem_bytes = dtype_size(in[0].dtype);
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  params(node, in);
  out[0] = in[0];
}

class TriluKernel final : public OpKernel {
 public:
  explicit TriluKernel(const kernels::TriluParams& p) : p_(p) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::trilu_reference(p_, in[0].data, out[0].data);
  }

 private:
  kernels::TriluParams p_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  return std::make_unique<TriluKernel>(params(ctx.node, ctx.inputs));
}

double flops(const Node&, std::span<const TensorInfo>, std::span<const TensorInfo> out) {
  return static_cast<double>(out[0].shape.numel());
}

}  // namespace

const OpDef kTriluOp{OpType::Trilu, infer, bind, flops};

}  // namespace vigil::ops
