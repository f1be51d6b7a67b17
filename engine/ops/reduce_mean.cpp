// ReduceMean: the mean over `axes` (ints, negative counts from the end, no duplicates; absent or empty =
// every axis unless noop_with_empty_axes = 1, which makes the op an identity). keepdims (default 1) keeps
// the reduced axes as size 1; with keepdims = 0 they are removed (a full reduction gives a rank-0 scalar).
#include <vector>

#include "engine/error.h"
#include "engine/ops/op_defs.h"
#include "kernels/reduce_mean/reduce_mean.h"

namespace vigil::ops {

namespace {

struct ReduceMeanSetup {
  kernels::ReduceMeanParams params;
  Shape output;
};

ReduceMeanSetup reduce_mean_setup(const Node& node, std::span<const TensorInfo> in) {
  expect_f32(node, in);
  const Shape& x = in[0].shape;
  static_assert(kMaxRank <= kernels::kReduceMaxRank);
  const std::vector<int64_t> axes = node.attrs.get_ints("axes", {}, node.label());
  const int64_t keepdims = node.attrs.get_int("keepdims", 1, node.label());
  if (keepdims != 0 && keepdims != 1) fail_node(node, concat("keepdims must be 0 or 1, got ", keepdims));
  const int64_t noop = node.attrs.get_int("noop_with_empty_axes", 0, node.label());
  if (noop != 0 && noop != 1) fail_node(node, concat("noop_with_empty_axes must be 0 or 1, got ", noop));

  ReduceMeanSetup s;
  s.params.rank = x.rank;
  for (int a = 0; a < x.rank; ++a) {
    s.params.dims[a] = x[a];
    s.params.reduce[a] = axes.empty() && noop == 0;
  }
  for (int64_t axis : axes) {
    if (axis < -x.rank || axis >= x.rank)
      fail_node(node, concat("axis ", axis, " is out of range for input shape ", x.str()));
    const int a = static_cast<int>(axis < 0 ? axis + x.rank : axis);
    if (s.params.reduce[a]) fail_node(node, concat("axis ", axis, " is listed twice in axes (input ", x.str(), ")"));
    s.params.reduce[a] = true;
  }
  s.output.rank = 0;
  for (int a = 0; a < x.rank; ++a) {
    if (!s.params.reduce[a])
      s.output.dims[static_cast<size_t>(s.output.rank++)] = x[a];
    else if (keepdims)
      s.output.dims[static_cast<size_t>(s.output.rank++)] = 1;
  }
  return s;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  out[0] = {DType::F32, reduce_mean_setup(node, in).output};
}

class ReduceMeanKernel final : public OpKernel {
 public:
  explicit ReduceMeanKernel(kernels::ReduceMeanParams p) : p_(p) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::reduce_mean_reference(p_, in[0].f32(), out[0].f32());
  }

 private:
  kernels::ReduceMeanParams p_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  return std::make_unique<ReduceMeanKernel>(reduce_mean_setup(ctx.node, ctx.inputs).params);
}

double flops(const Node&, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  return static_cast<double>(in[0].shape.numel());
}

}  // namespace

const OpDef kReduceMeanOp{OpType::ReduceMean, infer, bind, flops};

}  // namespace vigil::ops
