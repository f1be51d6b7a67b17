// LpNormalization, MeanVarianceNormalization and RMSNormalization: each group of X's elements along the
// normalised axes scaled as kernels/axis_normalization/axis_normalization.h defines. Output: X's shape.
//   LpNormalization:           X; attributes axes (one axis) and p (1 or 2, default 2).
//   MeanVarianceNormalization: X; attribute axes (any set of axes).
//   RMSNormalization:          X, scale; attributes axis (default -1: the dims from `axis` on are normalised)
//                              and epsilon (default 1e-5, > 0). scale broadcasts to those dims (numpy rules,
//                              aligned at the right: each of its dims 1 or the dim's size).
#include "kernels/axis_normalization/axis_normalization.h"

#include <cmath>

#include "engine/error.h"
#include "engine/ops/grouped_axes.h"
#include "engine/ops/op_defs.h"

namespace vigil::ops {

namespace {

struct Plan {
  kernels::AxisGroups groups;
  int p = 2;                         // LpNormalization
  float epsilon = 1e-5f;             // RMSNormalization
  std::vector<int64_t> scale_index;  // RMSNormalization: member -> scale element
};

// RMSNormalization's normalised dims (from `axis` on) and scale's index for each member (row-major over them).
std::vector<int64_t> scale_indices(const Node& node, const Shape& x, int axis, const Shape& scale) {
  const int normalised = x.rank - axis;
  if (scale.rank > normalised)
    fail_node(node, concat("scale shape ", scale.str(), " has more dims than the normalised dims of X ", x.str(),
                           " from axis ", axis, " on"));
  std::vector<int64_t> stride(static_cast<size_t>(normalised), 0);  // scale's stride per normalised dim, 0: broadcast
  int64_t s = 1;
  for (int k = 0; k < scale.rank; ++k) {
    const int sd = scale.rank - 1 - k, xd = x.rank - 1 - k;
    if (scale[sd] != 1 && scale[sd] != x[xd])
      fail_node(node, concat("scale shape ", scale.str(), " does not broadcast to the normalised dims of X ", x.str(),
                             " from axis ", axis, " on"));
    stride[static_cast<size_t>(normalised - 1 - k)] = scale[sd] == 1 ? 0 : s;
    s *= scale[sd];
  }
  std::vector<int64_t> index{0};
  for (int d = 0; d < normalised; ++d) {
    std::vector<int64_t> next;
    next.reserve(index.size() * static_cast<size_t>(x[axis + d]));
    for (int64_t base : index)
      for (int64_t i = 0; i < x[axis + d]; ++i) next.push_back(base + i * stride[static_cast<size_t>(d)]);
    index.swap(next);
  }
  return index;
}

Plan plan(const Node& node, std::span<const TensorInfo> in, bool build) {
  expect_f32(node, in);
  const Shape& x = in[0].shape;
  Plan plan;
  std::vector<bool> mask;
  if (node.op == OpType::RmsNormalization) {
    if (x.rank == 0) fail_node(node, "X is a scalar");
    const int axis = axis_attr(node, x);
    mask.assign(static_cast<size_t>(x.rank), false);
    for (int d = axis; d < x.rank; ++d) mask[static_cast<size_t>(d)] = true;
    plan.epsilon = node.attrs.get_float("epsilon", 1e-5f, node.label());
    if (!(plan.epsilon > 0.0f) || !std::isfinite(plan.epsilon))
      fail_node(node, concat("epsilon must be finite and > 0, got ", plan.epsilon));
    if (in.size() < 2 || !in[1].present()) fail_node(node, "the scale input is required");
    const std::vector<int64_t> index = scale_indices(node, x, axis, in[1].shape);
    if (build) plan.scale_index = index;
  } else {
    mask = grouped::axes_mask(node, "axes", x.rank);
    if (node.op == OpType::LpNormalization) {
      const int64_t p = node.attrs.get_int("p", 2, node.label());
      if (p != 1 && p != 2) fail_node(node, concat("p must be 1 or 2, got ", p));
      plan.p = static_cast<int>(p);
    }
  }
  if (build) plan.groups = grouped::groups_of(x, mask);
  return plan;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  plan(node, in, false);
  out[0] = in[0];
}

class AxisNormalizationKernel final : public OpKernel {
 public:
  AxisNormalizationKernel(OpType op, Plan plan) : op_(op), plan_(std::move(plan)) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    switch (op_) {
      case OpType::LpNormalization:
        kernels::lp_normalization_reference(plan_.groups, plan_.p, in[0].f32(), out[0].f32());
        return;
      case OpType::MeanVarianceNormalization:
        kernels::mean_variance_normalization_reference(plan_.groups, in[0].f32(), out[0].f32());
        return;
      default:
        kernels::rms_normalization_reference(plan_.groups, plan_.epsilon, in[1].f32(), plan_.scale_index.data(),
                                             in[0].f32(), out[0].f32());
    }
  }

 private:
  OpType op_;
  Plan plan_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  return std::make_unique<AxisNormalizationKernel>(ctx.node.op, plan(ctx.node, ctx.inputs, true));
}

double flops(const Node&, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  return 4.0 * static_cast<double>(in[0].shape.numel());
}

}  // namespace

const OpDef kLpNormalizationOp{OpType::LpNormalization, infer, bind, flops};
const OpDef kMeanVarianceNormalizationOp{OpType::MeanVarianceNormalization, infer, bind, flops};
const OpDef kRmsNormalizationOp{OpType::RmsNormalization, infer, bind, flops};

}  // namespace vigil::ops
