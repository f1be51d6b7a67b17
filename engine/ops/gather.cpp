// Gather with run-time indices (kernels/gather): data (any dtype), indices (i64 or i32, computed at run time or
// fed by the user, e.g. an Embedding's token ids); attribute axis (default 0, negative counting from the end).
// Output: data's dims before the axis, then indices' dims, then data's dims after the axis; data's dtype. An
// index outside [-d, d) on an axis of size d gives a slice of zeros (never a read outside data). Gathers with
// constant indices never reach this op: the importer turns them into Slices and checks them at load.
#include "kernels/gather/gather.h"

#include "engine/error.h"
#include "engine/ops/op_defs.h"

namespace vigil::ops {

namespace {

struct Plan {
  kernels::GatherParams params;
  Shape out;
};

Plan plan(const Node& node, std::span<const TensorInfo> in) {
  if (in[1].dtype != DType::I64 && in[1].dtype != DType::I32)
    fail_node(node, concat("indices are ", dtype_name(in[1].dtype), ", expected i64 or i32"));
  const Shape &x = in[0].shape, &idx = in[1].shape;
  if (x.rank < 1) fail_node(node, "cannot gather from a scalar");
  const int64_t axis = node.attrs.get_int("axis", 0, node.label());
  if (axis < -x.rank || axis >= x.rank) fail_node(node, concat("axis ", axis, " is out of range for data ", x.str()));
  const int a = static_cast<int>(axis < 0 ? axis + x.rank : axis);
  if (x.rank - 1 + idx.rank > kMaxRank)
    fail_node(node, concat("data ", x.str(), " and indices ", idx.str(), " would give an output of rank > ", kMaxRank));
  Plan p;
  p.params.outer = x.numel(0, a);
  p.params.axis_size = x[a];
  p.params.inner = x.numel(a + 1, x.rank);
  p.params.count = idx.numel();
  p.params.elem_bytes = dtype_size(in[0].dtype);
  p.params.indices_i32 = in[1].dtype == DType::I32;
  for (int d = 0; d < a; ++d) p.out.dims[size_t(p.out.rank++)] = x[d];
  for (int d = 0; d < idx.rank; ++d) p.out.dims[size_t(p.out.rank++)] = idx[d];
  for (int d = a + 1; d < x.rank; ++d) p.out.dims[size_t(p.out.rank++)] = x[d];
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  out[0] = {in[0].dtype, plan(node, in).out};
}

class GatherKernel final : public OpKernel {
 public:
  explicit GatherKernel(const kernels::GatherParams& p) : p_(p) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::gather_reference(p_, in[0].data, in[1].data, out[0].data);
  }

 private:
  kernels::GatherParams p_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  return std::make_unique<GatherKernel>(plan(ctx.node, ctx.inputs).params);
}

}  // namespace

const OpDef kGatherOp{OpType::Gather, infer, bind, nullptr};

}  // namespace vigil::ops
