// ArgMax, ArgMin (kernels/arg_reduce): the i64 index of the largest / smallest element (f32, i64, i32, i8 or u8)
// along `axis` (default
// 0, negative counts from the end). keepdims (default 1) keeps the axis as size 1, 0 removes it;
// select_last_index (default 0) picks the last of equal extremes instead of the first. NaN as onnxruntime (see
// the kernel). Exact on every path; the optimised paths split the outer lines between the threads.
#include "kernels/arg_reduce/arg_reduce.h"

#include "engine/error.h"
#include "engine/ops/elem_type_of.h"
#include "engine/ops/op_defs.h"
#include "engine/thread_pool.h"

namespace vigil::ops {

namespace {

struct Setup {
  kernels::ArgReduceParams params;
  Shape output;
};

Setup setup(const Node& node, std::span<const TensorInfo> in) {
  const kernels::ElemType type = number_input_type(node, in);
  const Shape& x = in[0].shape;
  if (x.rank < 1) fail_node(node, concat("the input must have rank >= 1, got shape ", x.str()));
  const int64_t axis_raw = node.attrs.get_int("axis", 0, node.label());
  if (axis_raw < -x.rank || axis_raw >= x.rank)
    fail_node(node, concat("axis ", axis_raw, " is out of range for input shape ", x.str()));
  const int axis = static_cast<int>(axis_raw < 0 ? axis_raw + x.rank : axis_raw);
  const bool keepdims = flag_attr(node, "keepdims", 1);
  Setup s;
  s.params.max = node.op == OpType::ArgMax;
  s.params.type = type;
  s.params.select_last_index = flag_attr(node, "select_last_index", 0);
  for (int d = 0; d < axis; ++d) s.params.outer *= x[d];
  s.params.axis_len = x[axis];
  for (int d = axis + 1; d < x.rank; ++d) s.params.inner *= x[d];
  for (int d = 0; d < x.rank; ++d) {
    if (d != axis)
      s.output[s.output.rank++] = x[d];
    else if (keepdims)
      s.output[s.output.rank++] = 1;
  }
  return s;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  out[0] = {DType::I64, setup(node, in).output};
}

class ArgReduceKernel final : public OpKernel {
 public:
  ArgReduceKernel(const kernels::ArgReduceParams& p, bool threaded) : p_(p), threaded_(threaded) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const void* x = in[0].data;
    auto* y = static_cast<int64_t*>(out[0].data);
    if (!threaded_ || p_.outer < 2 || p_.outer * p_.axis_len * p_.inner < 16384)
      return kernels::arg_reduce_reference(p_, x, y, 0, p_.outer);
    rc.pool->parallel_for(p_.outer,
                          [&](int64_t begin, int64_t end) { kernels::arg_reduce_reference(p_, x, y, begin, end); });
  }

 private:
  kernels::ArgReduceParams p_;
  bool threaded_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  return std::make_unique<ArgReduceKernel>(setup(ctx.node, ctx.inputs).params, ctx.path != KernelPath::Reference);
}

double flops(const Node&, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  return static_cast<double>(in[0].shape.numel());
}

}  // namespace

const OpDef kArgMaxOp{OpType::ArgMax, infer, bind, flops};
const OpDef kArgMinOp{OpType::ArgMin, infer, bind, flops};

}  // namespace vigil::ops
