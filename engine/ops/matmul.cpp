// MatMul: numpy matmul semantics. A 1-D first operand [K] is promoted to [1,K] and a 1-D second operand
// [K] to [K,1], the promoted dimension being removed from the result; dimensions before the last two are
// batch dimensions, broadcast numpy-style (right-aligned, equal or 1).
#include "kernels/matmul/matmul.h"

#include <algorithm>

#include "engine/error.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/row_times_constant.h"
#include "engine/ops/rows_times_constant.h"
#include "engine/ops/rows_times_matrix.h"

namespace vigil::ops {

namespace {

struct MatMulPlan {
  Shape output;
  kernels::MatMulParams params;
};

MatMulPlan plan_matmul(const Node& node, const Shape& a, const Shape& b) {
  if (a.rank < 1 || b.rank < 1)
    fail_node(node, concat("operands must have rank >= 1, got ", a.str(), " and ", b.str()));
  kernels::MatMulParams p;
  const bool a_vector = a.rank == 1, b_vector = b.rank == 1;
  p.m = a_vector ? 1 : a[a.rank - 2];
  const int64_t ka = a[a.rank - 1];
  const int64_t kb = b_vector ? b[0] : b[b.rank - 2];
  p.n = b_vector ? 1 : b[b.rank - 1];
  if (ka != kb)
    fail_node(node, concat("inner dimensions differ: A ", a.str(), " has K=", ka, ", B ", b.str(), " has K=", kb));
  p.k = ka;

  // Batch dimensions of each operand (everything before its matrix dims), right-aligned for broadcasting.
  const int a_batch = a_vector ? 0 : a.rank - 2, b_batch = b_vector ? 0 : b.rank - 2;
  p.batch_rank = std::max(a_batch, b_batch);
  if (p.batch_rank > kernels::kMatMulMaxBatchRank)
    fail_node(node, concat("too many batch dimensions in ", a.str(), " x ", b.str()));
  int64_t a_stride = p.m * p.k, b_stride = p.k * p.n;  // elements per matrix, then per batch block
  for (int d = p.batch_rank - 1; d >= 0; --d) {
    const int ai = d - (p.batch_rank - a_batch), bi = d - (p.batch_rank - b_batch);
    const int64_t ad = ai >= 0 ? a[ai] : 1, bd = bi >= 0 ? b[bi] : 1;
    if (ad != bd && ad != 1 && bd != 1)
      fail_node(node, concat("batch dimensions of A ", a.str(), " and B ", b.str(), " do not broadcast"));
    p.batch_dims[d] = std::max(ad, bd);
    p.a_batch_stride[d] = ad == 1 ? 0 : a_stride;
    p.b_batch_stride[d] = bd == 1 ? 0 : b_stride;
    a_stride *= ad;
    b_stride *= bd;
  }

  MatMulPlan plan{{}, p};
  plan.output.rank = 0;
  for (int d = 0; d < p.batch_rank; ++d) plan.output.dims[static_cast<size_t>(plan.output.rank++)] = p.batch_dims[d];
  if (!a_vector) plan.output.dims[static_cast<size_t>(plan.output.rank++)] = p.m;
  if (!b_vector) plan.output.dims[static_cast<size_t>(plan.output.rank++)] = p.n;
  return plan;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  expect_f32(node, in);
  out[0] = {DType::F32, plan_matmul(node, in[0].shape, in[1].shape).output};
}

class MatMulKernel final : public OpKernel {
 public:
  explicit MatMulKernel(const kernels::MatMulParams& p) : p_(p) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::matmul_reference(p_, in[0].f32(), in[1].f32(), out[0].f32());
  }

 private:
  kernels::MatMulParams p_;
};

// On the optimised paths, when B is one matrix for every batch entry (a classifier's weights, the
// temporal head's Linear) and A is not broadcast: all of A's rows form one [batch*M x K] product with B,
// run on the packed GEMM. A holds activations here, so it is packed per run into the workspace; B is
// the GEMM's dense B operand. Float accumulation (audit tolerance of MatMul) instead of the reference's
// double: the reference took 47 us of actdet temporal's 0.41 ms for 65 k multiply-adds.
// A constant B (a Linear layer's weights) is packed once at load instead (rows_times_matrix.h).
class MatMulPackedKernel final : public OpKernel {
 public:
  MatMulPackedKernel(const kernels::MatMulParams& p, int64_t rows, kernels::KernelIsa isa, int max_threads)
      : product_(isa, rows, p.k, p.n, max_threads), n_(p.n) {}
  MatMulPackedKernel(const kernels::MatMulParams& p, int64_t rows, kernels::KernelIsa isa, const float* constant_b,
                     int max_threads)
      : product_(isa, rows, p.k, p.n, constant_b, p.n, max_threads), n_(p.n) {}
  size_t workspace_bytes() const override { return product_.workspace_bytes(); }
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    if (product_.has_constant_b())
      product_.run(in[0].f32(), nullptr, 0, out[0].f32(), rc);
    else
      product_.run(in[0].f32(), in[1].f32(), n_, nullptr, 0, out[0].f32(), rc);
  }

 private:
  RowsTimesMatrix product_;
  int64_t n_;
};

// The same with a constant B and a few rows (a Linear layer over a short sequence, written as MatMul):
// B packed once at load (rows_times_constant.h).
class MatMulFewRowsKernel final : public OpKernel {
 public:
  MatMulFewRowsKernel(const kernels::MatMulParams& p, int64_t rows, kernels::KernelIsa isa, const float* b,
                      int max_threads)
      : product_(isa, rows, p.k, p.n, b, false, max_threads) {}
  size_t workspace_bytes() const override { return product_.workspace_bytes(); }
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    product_.run(in[0].f32(), nullptr, 0, out[0].f32(), rc);
  }

 private:
  RowsTimesConstant product_;
};

// The same with a constant B and one row (a batch-1 Linear layer written as MatMul): gemv over B stored in
// column blocks at load (row_times_constant.h); the packed GEMM re-packed B on every run (a 1280 -> 1000
// head: 0.48 ms, onnxruntime 0.21).
class MatMulOneRowKernel final : public OpKernel {
 public:
  MatMulOneRowKernel(const kernels::MatMulParams& p, kernels::KernelIsa isa, const float* b)
      : product_(isa, p.k, p.n, b, false) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    product_.run(in[0].f32(), nullptr, out[0].f32(), rc);
  }

 private:
  RowTimesConstant product_;
};

// On the optimised paths, every other MatMul (both operands computed at run time, as attention's Q K^T and
// softmax(.) V, or B batched): one packed-GEMM product per batch entry, in turn, each over the threads
// when it is large enough. The reference's double dot products took 46 us for the 4 x [16x64] x [64x16]
// of a transformer head's attention (2.8 GFLOP/s).
class MatMulBatchedKernel final : public OpKernel {
 public:
  MatMulBatchedKernel(const kernels::MatMulParams& p, kernels::KernelIsa isa, int max_threads)
      : p_(p), product_(isa, p.m, p.k, p.n, max_threads) {}
  size_t workspace_bytes() const override { return product_.workspace_bytes(); }
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* a = in[0].f32();
    const float* b = in[1].f32();
    float* y = out[0].f32();
    int64_t index[kernels::kMatMulMaxBatchRank] = {};
    int64_t a_offset = 0, b_offset = 0;
    int64_t batch = 1;
    for (int d = 0; d < p_.batch_rank; ++d) batch *= p_.batch_dims[d];
    for (int64_t i = 0; i < batch; ++i) {
      product_.run(a + a_offset, b + b_offset, p_.n, nullptr, 0, y + i * p_.m * p_.n, rc);
      for (int d = p_.batch_rank - 1; d >= 0; --d) {  // odometer over the batch dims
        a_offset += p_.a_batch_stride[d];
        b_offset += p_.b_batch_stride[d];
        if (++index[d] < p_.batch_dims[d]) break;
        a_offset -= p_.a_batch_stride[d] * p_.batch_dims[d];
        b_offset -= p_.b_batch_stride[d] * p_.batch_dims[d];
        index[d] = 0;
      }
    }
  }

 private:
  kernels::MatMulParams p_;
  RowsTimesMatrix product_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const kernels::MatMulParams p = plan_matmul(ctx.node, ctx.inputs[0].shape, ctx.inputs[1].shape).params;
  if (const auto isa = kernel_isa(ctx.path)) {
    // B shared by every batch entry, A's matrices dense one after the other (no broadcast of A).
    bool b_shared = true;
    int64_t batch = 1;
    for (int d = 0; d < p.batch_rank; ++d) {
      batch *= p.batch_dims[d];
      b_shared &= p.b_batch_stride[d] == 0 || p.batch_dims[d] == 1;
    }
    const bool a_dense = ctx.inputs[0].shape.numel() == batch * p.m * p.k;
    if (b_shared && a_dense) {
      const Tensor* b = ctx.constants[1];
      const int64_t rows = batch * p.m;
      if (b && b->dtype() == DType::F32 && rows == 1) return std::make_unique<MatMulOneRowKernel>(p, *isa, b->f32());
      if (b && b->dtype() == DType::F32 && rows > 1 && rows <= kRowsTimesConstantMaxRows &&
          *isa != kernels::KernelIsa::Scalar)
        return std::make_unique<MatMulFewRowsKernel>(p, rows, *isa, b->f32(), ctx.max_threads);
      if (b && b->dtype() == DType::F32)
        return std::make_unique<MatMulPackedKernel>(p, rows, *isa, b->f32(), ctx.max_threads);
      return std::make_unique<MatMulPackedKernel>(p, rows, *isa, ctx.max_threads);
    }
    return std::make_unique<MatMulBatchedKernel>(p, *isa, ctx.max_threads);
  }
  return std::make_unique<MatMulKernel>(p);
}

double flops(const Node&, std::span<const TensorInfo> in, std::span<const TensorInfo> out) {
  // 2 per multiply-add: every output element is a K-long dot product.
  const Shape& a = in[0].shape;
  return 2.0 * static_cast<double>(out[0].shape.numel()) * static_cast<double>(a[a.rank - 1]);
}

}  // namespace

const OpDef kMatMulOp{OpType::MatMul, infer, bind, flops};

}  // namespace vigil::ops
