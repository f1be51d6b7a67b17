// CumSum: X (f32, or i64 / i32 summed with wrap-around: position ids) -> running sums along `axis`
// (kernels/cumsum/cumsum.h); X's shape and dtype. Attributes axis (required; negative counts from the end; ONNX's
// axis input, folded by the importer), exclusive (0|1), reverse (0|1).
#include "kernels/cumsum/cumsum.h"

#include "engine/error.h"
#include "engine/ops/grouped_axes.h"
#include "engine/ops/op_defs.h"

namespace vigil::ops {

namespace {

struct Plan {
  int axis;
  bool exclusive, reverse;
};

Plan plan(const Node& node, std::span<const TensorInfo> in) {
  if (in[0].dtype != DType::I64 && in[0].dtype != DType::I32) expect_f32(node, in);
  if (!node.attrs.has("axis")) fail_node(node, "the axis attribute is required");
  Plan p{axis_attr(node, in[0].shape), false, false};
  p.exclusive = flag_attr(node, "exclusive", 0);
  p.reverse = flag_attr(node, "reverse", 0);
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  plan(node, in);
  out[0] = in[0];
}

class CumSumKernel final : public OpKernel {
 public:
  CumSumKernel(kernels::AxisGroups groups, const Plan& p) : groups_(std::move(groups)), p_(p) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    if (in[0].dtype == DType::F32)
      kernels::cumsum_reference(groups_, p_.exclusive, p_.reverse, in[0].f32(), out[0].f32());
    else
      kernels::cumsum_integer_reference(groups_, p_.exclusive, p_.reverse, in[0].dtype == DType::I32, in[0].data,
                                        out[0].data);
  }

 private:
  kernels::AxisGroups groups_;
  Plan p_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const Plan p = plan(ctx.node, ctx.inputs);
  const Shape& x = ctx.inputs[0].shape;
  std::vector<bool> mask(static_cast<size_t>(x.rank), false);
  mask[static_cast<size_t>(p.axis)] = true;
  return std::make_unique<CumSumKernel>(grouped::groups_of(x, mask), p);
}

double flops(const Node&, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  return static_cast<double>(in[0].shape.numel());
}

}  // namespace

const OpDef kCumSumOp{OpType::CumSum, infer, bind, flops};

}  // namespace vigil::ops
