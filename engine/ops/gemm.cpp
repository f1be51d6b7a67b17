// Gemm: Y = alpha * A' * B' + beta * C with ONNX semantics. A and B are 2-D (A' = transpose(A) when
// transA != 0, same for B); the optional C is unidirectionally broadcast to [M,N] (scalar, [N], [1],
// [M,1], [1,N], [M,N]...).
#include "kernels/gemm/gemm.h"

#include "engine/error.h"
#include "engine/ops/op_defs.h"

namespace vigil::ops {

namespace {

kernels::GemmParams plan_gemm(const Node& node, std::span<const TensorInfo> in) {
  const std::string who = node.label();
  expect_rank(node, in[0], 2, "A");
  expect_rank(node, in[1], 2, "B");
  kernels::GemmParams p;
  p.trans_a = node.attrs.get_int("transA", 0, who) != 0;
  p.trans_b = node.attrs.get_int("transB", 0, who) != 0;
  p.alpha = node.attrs.get_float("alpha", 1.0f, who);
  p.beta = node.attrs.get_float("beta", 1.0f, who);
  const Shape& a = in[0].shape;
  const Shape& b = in[1].shape;
  p.m = p.trans_a ? a[1] : a[0];
  const int64_t ka = p.trans_a ? a[0] : a[1];
  const int64_t kb = p.trans_b ? b[1] : b[0];
  p.n = p.trans_b ? b[0] : b[1];
  if (ka != kb)
    fail_node(node, concat("inner dimensions differ: A ", a.str(), (p.trans_a ? " (transposed)" : ""), " has K=", ka,
                           ", B ", b.str(), (p.trans_b ? " (transposed)" : ""), " has K=", kb));
  p.k = ka;

  if (in.size() > 2 && in[2].present()) {
    const Shape& c = in[2].shape;
    // Right-align C against [M,N]; each of its dims must equal the target or be 1 (then broadcast).
    int64_t rows = 1, cols = 1;
    if (c.rank == 1)
      cols = c[0];
    else if (c.rank == 2)
      rows = c[0], cols = c[1];
    else if (c.rank > 2)
      fail_node(node, concat("C must have rank <= 2, got shape ", c.str()));
    if ((rows != 1 && rows != p.m) || (cols != 1 && cols != p.n))
      fail_node(node, concat("C of shape ", c.str(), " does not broadcast to [", p.m, ",", p.n, "]"));
    p.c_row_stride = rows == 1 ? 0 : cols;
    p.c_col_stride = cols == 1 ? 0 : 1;
  }
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  expect_f32(node, in);
  kernels::GemmParams p = plan_gemm(node, in);
  out[0] = {DType::F32, Shape{p.m, p.n}};
}

class GemmKernel final : public OpKernel {
 public:
  explicit GemmKernel(const kernels::GemmParams& p) : p_(p) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    const float* c = in.size() > 2 ? in[2].f32() : nullptr;  // null when the optional C is absent
    kernels::gemm_reference(p_, in[0].f32(), in[1].f32(), c, out[0].f32());
  }

 private:
  kernels::GemmParams p_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  return std::make_unique<GemmKernel>(plan_gemm(ctx.node, ctx.inputs));
}

double flops(const Node& node, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  kernels::GemmParams p = plan_gemm(node, in);
  return 2.0 * static_cast<double>(p.m) * static_cast<double>(p.n) * static_cast<double>(p.k);
}

}  // namespace

const OpDef kGemmOp{OpType::Gemm, infer, bind, flops};

}  // namespace vigil::ops
