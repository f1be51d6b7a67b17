// Mod: A, B of one dtype (f32, i64, i32, i8 or u8) with numpy broadcasting -> the remainder of A / B, of that
// dtype and the broadcast shape (kernels/mod). Attribute fmod: 0 (default) takes the divisor's sign, 1 the
// dividend's. A remainder by an integer 0 is 0, never a trap (kernels/mod/mod.h).
#include "kernels/mod/mod.h"

#include "engine/error.h"
#include "engine/ops/elem_type_of.h"
#include "engine/ops/op_defs.h"
#include "kernels/binary/binary.h"

namespace vigil::ops {

namespace {

static_assert(kernels::kModMaxRank == kMaxRank);

struct Plan {
  kernels::ElemType type;
  bool fmod;
  Shape out;
};

Plan plan(const Node& node, std::span<const TensorInfo> in) {
  if (!in[0].present() || !in[1].present()) fail_node(node, "both inputs (A, B) are required");
  if (in[0].dtype != in[1].dtype)
    fail_node(node,
              concat("A and B must have one dtype, got ", dtype_name(in[0].dtype), " and ", dtype_name(in[1].dtype)));
  const auto type = elem_type_of(in[0].dtype);
  if (!type || *type == kernels::ElemType::Bool)
    fail_node(node,
              concat("cannot take remainders of ", dtype_name(in[0].dtype), " (f32, i64, i32, i8 or u8 expected)"));
  return {*type, flag_attr(node, "fmod", 0), broadcast_shape(node, in[0].shape, in[1].shape)};
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  const Plan p = plan(node, in);
  out[0] = {in[0].dtype, p.out};
}

class ModKernel final : public OpKernel {
 public:
  explicit ModKernel(const kernels::ModParams& p) : p_(p) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::mod_reference(p_, in[0].data, in[1].data, out[0].data);
  }

 private:
  kernels::ModParams p_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const Plan p = plan(ctx.node, ctx.inputs);
  kernels::ModParams k;
  k.type = p.type;
  k.fmod = p.fmod;
  k.rank = p.out.rank;
  for (int d = 0; d < p.out.rank; ++d) k.out_dims[d] = p.out[d];
  kernels::broadcast_strides(ctx.inputs[0].shape.span(), p.out.rank, k.a_strides);
  kernels::broadcast_strides(ctx.inputs[1].shape.span(), p.out.rank, k.b_strides);
  return std::make_unique<ModKernel>(k);
}

double flops(const Node&, std::span<const TensorInfo>, std::span<const TensorInfo> out) {
  return static_cast<double>(out[0].shape.numel());
}

}  // namespace

const OpDef kModOp{OpType::Mod, infer, bind, flops};

}  // namespace vigil::ops
