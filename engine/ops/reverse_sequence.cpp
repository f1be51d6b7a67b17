// ReverseSequence: X (rank >= 2, any run-time dtype), sequence_lens (i64, one per batch entry; constant or
// computed at run time) -> X's shape and dtype with, for each batch entry b, its first sequence_lens[b] time steps
// reversed and the rest copied (kernels/reverse_sequence). Attributes time_axis (default 0) and batch_axis
// (default 1): 0 and 1 in either order. Constant lengths must lie in [0, time] (an error naming the node
// otherwise); run-time ones are clamped into it, since run() cannot fail.
#include "kernels/reverse_sequence/reverse_sequence.h"

#include "engine/error.h"
#include "engine/ops/elem_type_of.h"
#include "engine/ops/op_defs.h"

namespace vigil::ops {

namespace {

kernels::ReverseSequenceParams params(const Node& node, std::span<const TensorInfo> in) {
  if (!elem_type_of(in[0].dtype))
    fail_node(node, concat("input is ", dtype_name(in[0].dtype), ", expected f32, i64, i32, i8, u8 or bool"));
  const Shape& x = in[0].shape;
  if (x.rank < 2) fail_node(node, concat("input ", x.str(), " must have rank >= 2"));
  const int64_t time_axis = node.attrs.get_int("time_axis", 0, node.label());
  const int64_t batch_axis = node.attrs.get_int("batch_axis", 1, node.label());
  if ((time_axis != 0 && time_axis != 1) || (batch_axis != 0 && batch_axis != 1) || time_axis == batch_axis)
    fail_node(node,
              concat("time_axis and batch_axis must be 0 and 1 in either order, got ", time_axis, " and ", batch_axis));
  kernels::ReverseSequenceParams p;
  p.time_major = time_axis == 0;
  p.time = x[static_cast<int>(time_axis)];
  p.batch = x[static_cast<int>(batch_axis)];
  p.inner = x.numel(2, x.rank);
  p.elem_bytes = dtype_size(in[0].dtype);
  if (in[1].dtype != DType::I64)
    fail_node(node, concat("sequence_lens are ", dtype_name(in[1].dtype), ", expected i64"));
  if (!(in[1].shape == Shape{p.batch}))
    fail_node(node, concat("sequence_lens ", in[1].shape.str(), " must have shape [", p.batch, "] (input ", x.str(),
                           ", batch_axis ", batch_axis, ")"));
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  params(node, in);
  out[0] = in[0];
}

class ReverseSequenceKernel final : public OpKernel {
 public:
  explicit ReverseSequenceKernel(const kernels::ReverseSequenceParams& p) : p_(p) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::reverse_sequence_reference(p_, in[0].data, in[1].i64(), out[0].data);
  }

 private:
  kernels::ReverseSequenceParams p_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const kernels::ReverseSequenceParams p = params(ctx.node, ctx.inputs);
  if (const Tensor* lens = ctx.constants[1])
    for (int64_t b = 0; b < p.batch; ++b)
      if (lens->i64()[b] < 0 || lens->i64()[b] > p.time)
        fail_node(ctx.node, concat("sequence_lens[", b, "] = ", lens->i64()[b], " is outside [0, ", p.time, "]"));
  return std::make_unique<ReverseSequenceKernel>(p);
}

double flops(const Node&, std::span<const TensorInfo>, std::span<const TensorInfo> out) {
  return static_cast<double>(out[0].shape.numel());
}

}  // namespace

const OpDef kReverseSequenceOp{OpType::ReverseSequence, infer, bind, flops};

}  // namespace vigil::ops
