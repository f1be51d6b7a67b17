// Where: condition (bool or u8, one byte per element), X, Y (one dtype: f32, i64, i32, i8, u8 or bool); numpy
// broadcasting of all three (dims aligned at the right, each equal or 1). Output of X's dtype and the broadcast
// shape: condition ? X : Y, a copy of the selected value. The condition may be a constant or computed at run
// time (a comparison's bool output). The optimised paths split large outputs between the threads.
#include "kernels/where/where.h"

#include "engine/error.h"
#include "engine/ops/elem_type_of.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "kernels/binary/binary.h"

namespace vigil::ops {

namespace {

static_assert(kernels::kWhereMaxRank == kMaxRank);

Shape broadcast3(const Node& node, std::span<const TensorInfo> in) {
  Shape out;
  for (const TensorInfo& t : in) out.rank = std::max(out.rank, t.shape.rank);
  for (int i = 0; i < out.rank; ++i) {  // i counts from the right
    int64_t dim = 1;
    for (const TensorInfo& t : in) {
      const int d = t.shape.rank - 1 - i;
      const int64_t v = d >= 0 ? t.shape[d] : 1;
      if (v != 1 && dim != 1 && v != dim)
        fail_node(node, concat("cannot broadcast input shapes ", in[0].shape.str(), ", ", in[1].shape.str(), " and ",
                               in[2].shape.str(), " (dim ", dim, " vs ", v, " at position ", i, " from the right)"));
      if (v != 1) dim = v;
    }
    out[out.rank - 1 - i] = dim;
  }
  return out;
}

Shape check(const Node& node, std::span<const TensorInfo> in) {
  for (size_t i = 0; i < 3; ++i)
    if (!in[i].present()) fail_node(node, "all three inputs (condition, X, Y) are required");
  if (in[0].dtype != DType::Bool && in[0].dtype != DType::U8)
    fail_node(node, concat("the condition must be bool or u8, got ", dtype_name(in[0].dtype)));
  if (in[1].dtype != in[2].dtype)
    fail_node(node,
              concat("X and Y must have one dtype, got ", dtype_name(in[1].dtype), " and ", dtype_name(in[2].dtype)));
  if (!elem_type_of(in[1].dtype))
    fail_node(node,
              concat("cannot select ", dtype_name(in[1].dtype), " values (f32, i64, i32, i8, u8 or bool expected)"));
  return broadcast3(node, in);
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  out[0] = {in[1].dtype, check(node, in)};
}

class WhereKernel final : public OpKernel {
 public:
  WhereKernel(const kernels::WhereParams& p, bool threaded) : p_(p), threaded_(threaded) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const auto* cond = static_cast<const uint8_t*>(in[0].data);
    const int64_t n = out[0].numel();
    if (!threaded_) return kernels::where_reference(p_, cond, in[1].data, in[2].data, out[0].data, 0, n);
    parallel_elements(*rc.pool, n, [&](int64_t begin, int64_t end) {
      kernels::where_reference(p_, cond, in[1].data, in[2].data, out[0].data, begin, end);
    });
  }

 private:
  kernels::WhereParams p_;
  bool threaded_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const Shape out = check(ctx.node, ctx.inputs);
  kernels::WhereParams p;
  p.rank = out.rank;
  p.elem_bytes = static_cast<int>(dtype_size(ctx.inputs[1].dtype));
  for (int d = 0; d < out.rank; ++d) p.out_dims[d] = out[d];
  kernels::broadcast_strides(ctx.inputs[0].shape.span(), out.rank, p.cond_strides);
  kernels::broadcast_strides(ctx.inputs[1].shape.span(), out.rank, p.x_strides);
  kernels::broadcast_strides(ctx.inputs[2].shape.span(), out.rank, p.else_strides);
  return std::make_unique<WhereKernel>(p, ctx.path != KernelPath::Reference);
}

double flops(const Node&, std::span<const TensorInfo>, std::span<const TensorInfo> out) {
  return static_cast<double>(out[0].shape.numel());
}

}  // namespace

const OpDef kWhereOp{OpType::Where, infer, bind, flops};

}  // namespace vigil::ops
