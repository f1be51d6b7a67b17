// OneHot: indices (f32, i64, i32, i8 or u8; computed at run time or constant), values [off_value, on_value] (two
// elements of any run-time dtype) -> the indices' shape with a dim of `depth` inserted at `axis`, of values' dtype
// (kernels/one_hot). Attributes: depth (>= 1; ONNX's depth input, folded by the importer: the output shape must be
// known at load), axis (default -1, in [-rank - 1, rank], negative counting from the end of the output's dims).
// Indices outside [-depth, depth - 1] give rows of off_value: any run-time index is safe.
#include "kernels/one_hot/one_hot.h"

#include "engine/error.h"
#include "engine/ops/elem_type_of.h"
#include "engine/ops/op_defs.h"

namespace vigil::ops {

namespace {

struct Plan {
  kernels::OneHotParams params;
  Shape out;
};

Plan plan(const Node& node, std::span<const TensorInfo> in) {
  const auto index_type = elem_type_of(in[0].dtype);
  if (!index_type || *index_type == kernels::ElemType::Bool)
    fail_node(node, concat("indices are ", dtype_name(in[0].dtype), ", expected f32, i64, i32, i8 or u8"));
  if (!elem_type_of(in[1].dtype))
    fail_node(node, concat("values are ", dtype_name(in[1].dtype), ", expected f32, i64, i32, i8, u8 or bool"));
  if (in[1].shape.numel() != 2 || in[1].shape.rank != 1)
    fail_node(node, concat("values must be [off_value, on_value] (shape [2]), got ", in[1].shape.str()));
  const Shape& x = in[0].shape;
  if (x.rank + 1 > kMaxRank) fail_node(node, concat("indices ", x.str(), " would give an output of rank > ", kMaxRank));
  const int64_t depth = node.attrs.get_int("depth", 0, node.label());
  if (depth < 1) fail_node(node, concat("depth must be >= 1, got ", depth));
  const int64_t axis = node.attrs.get_int("axis", -1, node.label());
  if (axis < -x.rank - 1 || axis > x.rank)
    fail_node(node, concat("axis ", axis, " is out of range [", -x.rank - 1, ", ", x.rank, "] for indices ", x.str()));
  const int a = static_cast<int>(axis < 0 ? axis + x.rank + 1 : axis);
  Plan p;
  p.params.index_type = *index_type;
  p.params.outer = x.numel(0, a);
  p.params.depth = depth;
  p.params.inner = x.numel(a, x.rank);
  p.params.value_bytes = dtype_size(in[1].dtype);
  for (int d = 0; d < a; ++d) p.out.dims[size_t(p.out.rank++)] = x[d];
  p.out.dims[size_t(p.out.rank++)] = depth;
  for (int d = a; d < x.rank; ++d) p.out.dims[size_t(p.out.rank++)] = x[d];
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  out[0] = {in[1].dtype, plan(node, in).out};
}

class OneHotKernel final : public OpKernel {
 public:
  explicit OneHotKernel(const kernels::OneHotParams& p) : p_(p) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::one_hot_reference(p_, in[0].data, in[1].data, out[0].data);
  }

 private:
  kernels::OneHotParams p_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  return std::make_unique<OneHotKernel>(plan(ctx.node, ctx.inputs).params);
}

double flops(const Node&, std::span<const TensorInfo>, std::span<const TensorInfo> out) {
  return static_cast<double>(out[0].shape.numel());
}

}  // namespace

const OpDef kOneHotOp{OpType::OneHot, infer, bind, flops};

}  // namespace vigil::ops
