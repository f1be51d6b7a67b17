// Hardmax: X -> one 1 per group of elements along `axes` (the first largest), 0 elsewhere; X's shape.
// Attribute axes: ONNX Hardmax-13's one axis, or, for opsets 1-11 (which coerce X to 2-D at `axis`), every
// axis from `axis` on (the importer writes them).
#include "kernels/hardmax/hardmax.h"

#include "engine/error.h"
#include "engine/ops/grouped_axes.h"
#include "engine/ops/op_defs.h"

namespace vigil::ops {

namespace {

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  expect_f32(node, in);
  grouped::axes_mask(node, "axes", in[0].shape.rank);
  out[0] = in[0];
}

class HardmaxKernel final : public OpKernel {
 public:
  explicit HardmaxKernel(kernels::AxisGroups groups) : groups_(std::move(groups)) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::hardmax_reference(groups_, in[0].f32(), out[0].f32());
  }

 private:
  kernels::AxisGroups groups_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const Shape& x = ctx.inputs[0].shape;
  return std::make_unique<HardmaxKernel>(grouped::groups_of(x, grouped::axes_mask(ctx.node, "axes", x.rank)));
}

double flops(const Node&, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  return static_cast<double>(in[0].shape.numel());
}

}  // namespace

const OpDef kHardmaxOp{OpType::Hardmax, infer, bind, flops};

}  // namespace vigil::ops
