// Cast: converts its input to the dtype of attribute `to` (a code of engine/dtype.h), element by element, with
// the semantics of kernels/cast (float -> integer truncates toward zero; out-of-range and NaN give the x86
// "integer indefinite"; integer narrowing wraps; anything -> bool is != 0). From and to any of f32, i64, i32,
// i8, u8, bool; a Cast to the input's own dtype is a copy. Exact on every path; the optimised paths split large
// tensors between the threads.
#include "kernels/cast/cast.h"

#include "engine/error.h"
#include "engine/ops/elem_type_of.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"

namespace vigil::ops {

namespace {

DType target_of(const Node& node) {
  const int64_t to = node.attrs.get_int("to", 0, node.label());
  if (to < 0 || to > 255 || !dtype_is_known(static_cast<uint32_t>(to)) ||
      !elem_type_of(static_cast<DType>(to)).has_value())
    fail_node(node, concat("cannot cast to dtype code ", to,
                           " (vigil computes f32, i64, i32, i8, u8 and bool: codes 1, 7, 6, 4, 5, 8)"));
  return static_cast<DType>(to);
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  if (!in[0].present()) fail_node(node, "the input is required");
  if (!elem_type_of(in[0].dtype))
    fail_node(node,
              concat("cannot cast from ", dtype_name(in[0].dtype), " (vigil computes f32, i64, i32, i8, u8 and bool)"));
  out[0] = {target_of(node), in[0].shape};
}

class CastKernel final : public OpKernel {
 public:
  CastKernel(kernels::ElemType from, kernels::ElemType to, bool threaded) : from_(from), to_(to), threaded_(threaded) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const int64_t n = out[0].numel();
    if (!threaded_) return kernels::cast_reference(from_, to_, in[0].data, out[0].data, 0, n);
    parallel_elements(*rc.pool, n, [&](int64_t begin, int64_t end) {
      kernels::cast_reference(from_, to_, in[0].data, out[0].data, begin, end);
    });
  }

 private:
  kernels::ElemType from_, to_;
  bool threaded_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  return std::make_unique<CastKernel>(*elem_type_of(ctx.inputs[0].dtype), *elem_type_of(target_of(ctx.node)),
                                      ctx.path != KernelPath::Reference);
}

double flops(const Node&, std::span<const TensorInfo>, std::span<const TensorInfo> out) {
  return static_cast<double>(out[0].shape.numel());
}

}  // namespace

const OpDef kCastOp{OpType::Cast, infer, bind, flops};

}  // namespace vigil::ops
