// TopK (kernels/topk): the k largest (largest = 1, default) or smallest elements (f32, i64, i32, i8 or u8) along
// `axis` (default -1, negative counts from the end) and their i64 indices: outputs values (the input's dtype) and
// indices (i64), the input's shape
// with the axis shortened to k. k is an attribute (1 <= k <= the axis' length: vigil's shapes are static, so the
// importer requires a constant K). Sorted best first, ties to the lower index, NaN the greatest value (as
// onnxruntime); sorted = 0 allows any order and gets this one. One thread (a selection per line); exact.
#include "kernels/topk/topk.h"

#include "engine/error.h"
#include "engine/ops/elem_type_of.h"
#include "engine/ops/op_defs.h"

namespace vigil::ops {

namespace {

struct Setup {
  kernels::TopKParams params;
  Shape output;
};

Setup setup(const Node& node, std::span<const TensorInfo> in) {
  const kernels::ElemType type = number_input_type(node, in);
  const Shape& x = in[0].shape;
  const int axis = axis_attr(node, x);
  const int64_t k = node.attrs.get_int("k", 0, node.label());
  if (k < 1 || k > x[axis])
    fail_node(node, concat("k = ", k, " must lie in [1, ", x[axis], "] (the length of axis ", axis, " of input shape ",
                           x.str(), ")"));
  Setup s;
  s.params.largest = flag_attr(node, "largest", 1);
  flag_attr(node, "sorted", 1);  // checked only: with 0 any order is allowed, and the sorted one is one of them
  s.params.k = k;
  s.params.type = type;
  for (int d = 0; d < axis; ++d) s.params.outer *= x[d];
  s.params.axis_len = x[axis];
  for (int d = axis + 1; d < x.rank; ++d) s.params.inner *= x[d];
  s.output = x;
  s.output[axis] = k;
  return s;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  const Shape shape = setup(node, in).output;
  out[0] = {in[0].dtype, shape};
  out[1] = {DType::I64, shape};
}

class TopKKernel final : public OpKernel {
 public:
  explicit TopKKernel(const kernels::TopKParams& p) : p_(p) {}
  size_t workspace_bytes() const override { return static_cast<size_t>(p_.axis_len) * sizeof(int64_t); }
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    kernels::topk_reference(p_, in[0].data, out[0].data, static_cast<int64_t*>(out[1].data),
                            static_cast<int64_t*>(rc.workspace));
  }

 private:
  kernels::TopKParams p_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  return std::make_unique<TopKKernel>(setup(ctx.node, ctx.inputs).params);
}

double flops(const Node&, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  return static_cast<double>(in[0].shape.numel());
}

}  // namespace

const OpDef kTopKOp{OpType::TopK, infer, bind, flops};

}  // namespace vigil::ops
