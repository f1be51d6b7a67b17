// Gemm: Y = alpha * A' * B' + beta * C with ONNX semantics. A and B are 2-D (A' = transpose(A) when
// transA != 0, same for B); the optional C is unidirectionally broadcast to [M,N] (scalar, [N], [1],
// [M,1], [1,N], [M,N]...). Optimised paths: GemmPackedKernel below, for the Linear-layer form.
#include "kernels/gemm/gemm.h"

#include <optional>
#include <vector>

#include "engine/error.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/row_times_constant.h"
#include "engine/ops/rows_times_constant.h"
#include "engine/ops/rows_times_matrix.h"
#include "engine/thread_pool.h"

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

// On the optimised paths, a Linear layer's Gemm (alpha = 1, A not transposed, B a constant f32 matrix, C
// absent or, with beta = 1, one value per output column: [N], [1,N], or per element: [M,N]) runs on the
// packed GEMM: B packed once at load (transposed first when transB, PyTorch's layout), A packed per run, C
// added in the epilogue as the residual (row stride 0 when one row serves all); a single row (batch 1) goes
// to gemv instead. Float accumulation
// (audit tolerance of Gemm) instead of the reference's double: the reference took 85 us of MobileNetV2's
// 1.6 ms for its 1280 -> 100 classifier.
class GemmPackedKernel final : public OpKernel {
 public:
  GemmPackedKernel(const kernels::GemmParams& p, kernels::KernelIsa isa, const float* b, int max_threads) : p_(p) {
    if (p.m > 1 && p.m <= kRowsTimesConstantMaxRows && isa != kernels::KernelIsa::Scalar) {
      few_rows_.emplace(isa, p.m, p.k, p.n, b, p.trans_b, max_threads);  // a few rows: B packed once, its own way
      return;
    }
    if (p.m == 1) {
      one_row_.emplace(isa, p.k, p.n, b, p.trans_b);  // batch 1: gemv over B stored in column blocks
      return;
    }
    if (!p.trans_b) {
      product_.emplace(isa, p.m, p.k, p.n, b, p.n, max_threads);
      return;
    }
    std::vector<float> b_kn(static_cast<size_t>(p.k * p.n));  // B' [K,N] row-major, only until it is packed
    for (int64_t q = 0; q < p.k; ++q)
      for (int64_t j = 0; j < p.n; ++j) b_kn[static_cast<size_t>(q * p.n + j)] = b[j * p.k + q];
    product_.emplace(isa, p.m, p.k, p.n, b_kn.data(), p.n, max_threads);
  }
  size_t workspace_bytes() const override {
    return one_row_ ? 0 : few_rows_ ? few_rows_->workspace_bytes() : product_->workspace_bytes();
  }
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* c = in.size() > 2 && in[2].present() ? in[2].f32() : nullptr;
    if (one_row_) {
      one_row_->run(in[0].f32(), c, out[0].f32(), rc);
      return;
    }
    if (few_rows_) {
      few_rows_->run(in[0].f32(), c, p_.c_row_stride, out[0].f32(), rc);
      return;
    }
    product_->run(in[0].f32(), c, p_.c_row_stride, out[0].f32(), rc);
  }

 private:
  kernels::GemmParams p_;
  // Exactly one of them holds B.
  std::optional<RowsTimesMatrix> product_;
  std::optional<RowsTimesConstant> few_rows_;
  std::optional<RowTimesConstant> one_row_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const kernels::GemmParams p = plan_gemm(ctx.node, ctx.inputs);
  const bool has_c = ctx.inputs.size() > 2 && ctx.inputs[2].present();
  const Tensor* b = ctx.constants[1];
  const auto isa = kernel_isa(ctx.path);
  const bool c_fits =
      !has_c || (p.beta == 1.0f && p.c_col_stride == 1 && (p.c_row_stride == 0 || p.c_row_stride == p.n));
  if (isa && b && b->dtype() == DType::F32 && p.alpha == 1.0f && !p.trans_a && c_fits)
    return std::make_unique<GemmPackedKernel>(p, *isa, b->f32(), ctx.max_threads);
  return std::make_unique<GemmKernel>(p);
}

double flops(const Node& node, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  kernels::GemmParams p = plan_gemm(node, in);
  return 2.0 * static_cast<double>(p.m) * static_cast<double>(p.n) * static_cast<double>(p.k);
}

}  // namespace

const OpDef kGemmOp{OpType::Gemm, infer, bind, flops};

}  // namespace vigil::ops
