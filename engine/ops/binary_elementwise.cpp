// Add, Sub, Mul, Div, PRelu, Pow, Max, Min: numpy broadcasting of both inputs (ranks may differ; dims aligned at the
// right; each pair equal or one of them 1), optional fused activation. Broadcast strides are computed once in bind().
// Add, Sub, Mul, Div, Max and Min also take two integer inputs of one type (i64, i32, i8, u8: position ids,
// lengths + 1, a clamp of indices), without a fused activation: kernels/binary's integer reference on every path.
#include <algorithm>
#include <iterator>
#include <optional>

#include "engine/error.h"
#include "engine/ops/activation_attrs.h"
#include "engine/ops/elem_type_of.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "engine/thread_pool.h"
#include "kernels/binary/binary.h"
#include "kernels/gemm_packed/gemm_packed.h"

namespace vigil::ops {

using kernels::BinaryOp;
using kernels::BinaryParams;

namespace {

static_assert(kernels::kBinaryMaxRank == kMaxRank);

BinaryOp binary_op_of(const Node& node) {
  switch (node.op) {
    case OpType::Add:
      return BinaryOp::Add;
    case OpType::Sub:
      return BinaryOp::Sub;
    case OpType::Mul:
      return BinaryOp::Mul;
    case OpType::Div:
      return BinaryOp::Div;
    case OpType::PRelu:
      return BinaryOp::PRelu;
    case OpType::Pow:
      return BinaryOp::Pow;
    case OpType::Max:
      return BinaryOp::Max;
    case OpType::Min:
      return BinaryOp::Min;
    default:
      fail_node(node, "is not a binary elementwise op");
  }
}

// The integer type both inputs share, if they are integers (else f32 is required).
std::optional<kernels::ElemType> integer_type(const Node& node, std::span<const TensorInfo> in) {
  const DType t = in[0].dtype;
  if (t != DType::I64 && t != DType::I32 && t != DType::I8 && t != DType::U8) return std::nullopt;
  if (in[1].dtype != t)
    fail_node(node, concat("input 0 is ", dtype_name(t), " but input 1 is ", dtype_name(in[1].dtype),
                           "; integer inputs must have one dtype"));
  if (!kernels::binary_integer_supported(binary_op_of(node)))
    fail_node(node, concat("input 0 is ", dtype_name(t), ": integers take Add, Sub, Mul, Div, Max and Min"));
  if (fused_activation(node).kind != kernels::Activation::None) fail_node(node, "a fused activation needs f32 inputs");
  return elem_type_of(t);
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  if (!in[0].present() || !in[1].present()) fail_node(node, "both inputs are required");
  if (integer_type(node, in)) {
    out[0] = {in[0].dtype, broadcast_shape(node, in[0].shape, in[1].shape)};
    return;
  }
  expect_f32(node, in);
  fused_activation(node);  // rejects unknown activations at load
  const Shape shape = broadcast_shape(node, in[0].shape, in[1].shape);
  // ONNX broadcasts PRelu's slope to X one way only: the output has X's shape.
  if (node.op == OpType::PRelu && shape != in[0].shape)
    fail_node(node, concat("the slope's shape ", in[1].shape.str(), " must broadcast to X's shape ", in[0].shape.str(),
                           " without enlarging it"));
  out[0] = {DType::F32, shape};
}

class BinaryIntegerKernel final : public OpKernel {
 public:
  BinaryIntegerKernel(const BinaryParams& p, kernels::ElemType type) : p_(p), type_(type) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::binary_integer_reference(p_, type_, in[0].data, in[1].data, out[0].data);
  }

 private:
  BinaryParams p_;
  kernels::ElemType type_;
};

class BinaryKernel final : public OpKernel {
 public:
  explicit BinaryKernel(const BinaryParams& p) : p_(p) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::binary_reference(p_, in[0].f32(), in[1].f32(), out[0].f32());
  }

 private:
  BinaryParams p_;
};

// On the optimised paths: binary_rows (vectorised loops, the same float results) over row ranges split
// between the threads, then the fused activation, if any, with gemm_packed_activation on each range
// (bit-identical to the reference for the piecewise kinds, ulp-bounded for sigmoid/tanh/silu/mish). The
// reference called a function per element: 0.46 ms for an Add of two 64x80x80 tensors.
class BinaryFastKernel final : public OpKernel {
 public:
  BinaryFastKernel(const BinaryParams& p, kernels::KernelIsa isa, bool square_a = false)
      : p_(kernels::binary_coalesced(p, kMaxRow)), isa_(isa), rows_(kernels::binary_rows_count(p_)),
        square_a_(square_a) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* a = in[0].f32();
    const float* b = square_a_ ? a : in[1].f32();
    float* y = out[0].f32();
    const int64_t row_len = p_.rank == 0 ? 1 : p_.out_dims[p_.rank - 1];
    const int threads = rows_ * row_len >= kMinParallelElements && rows_ > 1 ? rc.pool->size() : 1;
    rc.pool->parallel_for(threads, [&](int64_t t_begin, int64_t t_end) {
      for (int64_t t = t_begin; t < t_end; ++t) {
        const int64_t begin = rows_ * t / threads, end = rows_ * (t + 1) / threads;
        if (begin == end) continue;
        kernels::binary_rows(isa_, p_, a, b, y, begin, end);
        if (p_.act.kind != kernels::Activation::None)
          kernels::gemm_packed_activation(isa_, p_.act, y + begin * row_len, y + begin * row_len,
                                          (end - begin) * row_len);
      }
    });
  }

 private:
  // Rows are merged up to this length (binary_coalesced): long enough for the vector loops to amortise a row's
  // setup (a per-channel Mul over 7x7 maps ran 7-element rows at 1 GFLOP/s), short enough to split over threads.
  static constexpr int64_t kMaxRow = 4096;
  BinaryParams p_;
  kernels::KernelIsa isa_;
  int64_t rows_;
  bool square_a_;  // Pow by a constant 2 run as Mul(a, a): b is a, read with a's strides
};

// True when `t` is a constant whose every element is exactly `v`.
bool constant_all(const Tensor* t, float v) {
  if (!t || t->dtype() != DType::F32) return false;
  const float* x = t->f32();
  for (int64_t i = 0; i < t->numel(); ++i)
    if (x[i] != v) return false;
  return true;
}

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const Node& node = ctx.node;
  const Shape out = broadcast_shape(node, ctx.inputs[0].shape, ctx.inputs[1].shape);
  BinaryParams p;
  p.op = binary_op_of(node);
  p.act = fused_activation(node);
  p.rank = out.rank;
  for (int d = 0; d < out.rank; ++d) p.out_dims[d] = out[d];
  kernels::broadcast_strides(ctx.inputs[0].shape.span(), out.rank, p.a_strides);
  kernels::broadcast_strides(ctx.inputs[1].shape.span(), out.rank, p.b_strides);
  if (const auto type = integer_type(node, ctx.inputs)) return std::make_unique<BinaryIntegerKernel>(p, *type);
  if (const auto isa = kernel_isa(ctx.path)) {
    // Pow by a constant exponent of exactly 2 (LayerNorm decompositions square x - mean this way) or 1. The
    // reference computes pow in double and rounds once; x * x in double is exact (24-bit significands), so
    // the float product x * x (one rounding) gives the same bits, specials included (NaN, inf, -0 -> +0,
    // overflow, subnormals); likewise x * 1 = x = pow(x, 1). Both become the vectorised Mul. Other exponents
    // (0.5 is not sqrt at -0 and -inf; 3 is not exact in two float products) keep the call per element.
    if (p.op == BinaryOp::Pow && constant_all(ctx.constants[1], 2.0f)) {
      p.op = BinaryOp::Mul;
      std::copy(std::begin(p.a_strides), std::end(p.a_strides), std::begin(p.b_strides));
      return std::make_unique<BinaryFastKernel>(p, *isa, true);
    }
    if (p.op == BinaryOp::Pow && constant_all(ctx.constants[1], 1.0f)) p.op = BinaryOp::Mul;
    return std::make_unique<BinaryFastKernel>(p, *isa);
  }
  return std::make_unique<BinaryKernel>(p);
}

double flops(const Node& node, std::span<const TensorInfo>, std::span<const TensorInfo> out) {
  const double n = static_cast<double>(out[0].shape.numel());
  return fused_activation(node).kind == kernels::Activation::None ? n : 2 * n;
}

}  // namespace

const OpDef kAddOp{OpType::Add, infer, bind, flops};
const OpDef kSubOp{OpType::Sub, infer, bind, flops};
const OpDef kMulOp{OpType::Mul, infer, bind, flops};
const OpDef kDivOp{OpType::Div, infer, bind, flops};
const OpDef kPReluOp{OpType::PRelu, infer, bind, flops};
const OpDef kPowOp{OpType::Pow, infer, bind, flops};
const OpDef kMaxOp{OpType::Max, infer, bind, flops};
const OpDef kMinOp{OpType::Min, infer, bind, flops};

}  // namespace vigil::ops
