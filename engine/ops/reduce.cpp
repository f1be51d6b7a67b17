// ReduceMean, ReduceSum, ReduceProd, ReduceMax, ReduceMin, ReduceL1, ReduceL2, ReduceSumSquare,
// ReduceLogSum, ReduceLogSumExp (kernels/reduce), on f32; Sum, Prod, Max, Min, L1 and SumSquare also on i64 and
// i32 (wrapping on overflow, output of the input's dtype): the reduction over `axes` (ints, negative counts from the
// end, no duplicates; absent or empty = every axis unless noop_with_empty_axes = 1, which reduces none). keepdims
// (default 1) keeps the reduced axes as size 1; with keepdims = 0 they are removed (a full reduction gives a rank-0
// scalar).
#include "kernels/reduce/reduce.h"

#include <algorithm>
#include <vector>

#include "engine/error.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "engine/thread_pool.h"
#include "kernels/reduce/reduce_rows_fast.h"

namespace vigil::ops {

namespace {

kernels::ReduceOp reduce_op_of(const Node& node) {
  using kernels::ReduceOp;
  switch (node.op) {
    case OpType::ReduceMean:
      return ReduceOp::Mean;
    case OpType::ReduceSum:
      return ReduceOp::Sum;
    case OpType::ReduceProd:
      return ReduceOp::Prod;
    case OpType::ReduceMax:
      return ReduceOp::Max;
    case OpType::ReduceMin:
      return ReduceOp::Min;
    case OpType::ReduceL1:
      return ReduceOp::L1;
    case OpType::ReduceL2:
      return ReduceOp::L2;
    case OpType::ReduceSumSquare:
      return ReduceOp::SumSquare;
    case OpType::ReduceLogSum:
      return ReduceOp::LogSum;
    case OpType::ReduceLogSumExp:
      return ReduceOp::LogSumExp;
    default:
      fail_node(node, "is not a reduction");
  }
}

struct ReduceSetup {
  kernels::ReduceParams params;
  Shape output;
};

ReduceSetup reduce_setup(const Node& node, std::span<const TensorInfo> in) {
  const bool integer = in[0].dtype == DType::I64 || in[0].dtype == DType::I32;
  if (integer && !kernels::reduce_integer_supported(reduce_op_of(node)))
    fail_node(node,
              concat("input 0 is ", dtype_name(in[0].dtype),
                     ": integers take ReduceSum, ReduceProd, ReduceMax, ReduceMin, ReduceL1 and ReduceSumSquare"));
  if (!integer) expect_f32(node, in);
  const Shape& x = in[0].shape;
  static_assert(kMaxRank <= kernels::kReduceMaxRank);
  const std::vector<int64_t> axes = node.attrs.get_ints("axes", {}, node.label());
  const bool keepdims = flag_attr(node, "keepdims", 1);
  const bool noop = flag_attr(node, "noop_with_empty_axes", 0);

  ReduceSetup s;
  s.params.op = reduce_op_of(node);
  s.params.rank = x.rank;
  for (int a = 0; a < x.rank; ++a) {
    s.params.dims[a] = x[a];
    s.params.reduce[a] = axes.empty() && !noop;
  }
  for (int64_t axis : axes) {
    if (axis < -x.rank || axis >= x.rank)
      fail_node(node, concat("axis ", axis, " is out of range for input shape ", x.str()));
    const int a = static_cast<int>(axis < 0 ? axis + x.rank : axis);
    if (s.params.reduce[a]) fail_node(node, concat("axis ", axis, " is listed twice in axes (input ", x.str(), ")"));
    s.params.reduce[a] = true;
  }
  s.output.rank = 0;
  for (int a = 0; a < x.rank; ++a) {
    if (!s.params.reduce[a])
      s.output.dims[static_cast<size_t>(s.output.rank++)] = x[a];
    else if (keepdims)
      s.output.dims[static_cast<size_t>(s.output.rank++)] = 1;
  }
  return s;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  out[0] = {in[0].dtype, reduce_setup(node, in).output};
}

// i64 / i32 input (a mask's count: mask.sum(1)): the reference on every path.
class ReduceIntegerKernel final : public OpKernel {
 public:
  ReduceIntegerKernel(kernels::ReduceParams p, bool i32) : p_(p), i32_(i32) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::reduce_integer_reference(p_, i32_, in[0].data, out[0].data);
  }

 private:
  kernels::ReduceParams p_;
  bool i32_;
};

class ReduceKernel final : public OpKernel {
 public:
  explicit ReduceKernel(kernels::ReduceParams p) : p_(p) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::reduce_reference(p_, in[0].f32(), out[0].f32());
  }

 private:
  kernels::ReduceParams p_;
};

// On the optimised paths, when the reduced axes (size-1 axes aside) are adjacent, x is [outer, reduced, inner]:
// with inner = 1 every output reduces a contiguous row (reduce_rows_fast: double-lane partial sums, within 1 ulp);
// otherwise each output is a column of a [reduced, inner] slice (reduce_columns_fast: one double lane per column,
// summed in the reference's order: its bits). Mean, Sum, SumSquare, L1, L2; the work split over the threads from
// 16384 values on (rows; or outer slices; or, for one slice, its columns). PyTorch's decomposed LayerNorm takes two
// means over a 96-value last axis: 0.86 ms each for ConvNeXt-T's 3136 rows on the reference.
class ReduceBlockKernel final : public OpKernel {
 public:
  ReduceBlockKernel(kernels::ReduceOp op, kernels::KernelIsa isa, int64_t outer, int64_t reduced, int64_t inner)
      : op_(op), isa_(isa), outer_(outer), reduced_(reduced), inner_(inner) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* x = in[0].f32();
    float* y = out[0].f32();
    const bool large = outer_ * reduced_ * inner_ >= kMinParallelElements;
    if (inner_ == 1) {
      const int threads = large && outer_ > 1 ? rc.pool->size() : 1;
      rc.pool->parallel_for(threads, [&](int64_t t_begin, int64_t t_end) {
        for (int64_t t = t_begin; t < t_end; ++t)
          kernels::reduce_rows_fast(isa_, op_, x, reduced_, y, outer_ * t / threads, outer_ * (t + 1) / threads);
      });
      return;
    }
    auto slice = [&](int64_t o, int64_t col_begin, int64_t col_end) {
      kernels::reduce_columns_fast(isa_, op_, x + o * reduced_ * inner_, reduced_, inner_, y + o * inner_, col_begin,
                                   col_end);
    };
    if (outer_ > 1) {  // whole slices per thread
      const int threads = large ? rc.pool->size() : 1;
      rc.pool->parallel_for(threads, [&](int64_t t_begin, int64_t t_end) {
        for (int64_t t = t_begin; t < t_end; ++t)
          for (int64_t o = outer_ * t / threads; o < outer_ * (t + 1) / threads; ++o) slice(o, 0, inner_);
      });
      return;
    }
    // One slice: its columns split in whole chunks of 64 (vector tails only at the end).
    const int64_t chunks = (inner_ + 63) / 64;
    const int threads = large ? rc.pool->size() : 1;
    rc.pool->parallel_for(threads, [&](int64_t t_begin, int64_t t_end) {
      for (int64_t t = t_begin; t < t_end; ++t) {
        const int64_t begin = chunks * t / threads * 64, end = std::min(inner_, chunks * (t + 1) / threads * 64);
        if (begin < end) slice(0, begin, end);
      }
    });
  }

 private:
  kernels::ReduceOp op_;
  kernels::KernelIsa isa_;
  int64_t outer_, reduced_, inner_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const kernels::ReduceParams p = reduce_setup(ctx.node, ctx.inputs).params;
  if (ctx.inputs[0].dtype != DType::F32)
    return std::make_unique<ReduceIntegerKernel>(p, ctx.inputs[0].dtype == DType::I32);
  if (const auto isa = kernel_isa(ctx.path); isa && kernels::reduce_rows_fast_supports(p.op)) {
    // [outer, reduced, inner]: the kept axes before the first reduced axis, the reduced ones, the kept ones after
    // the last; adjacent when no kept axis of size > 1 lies between two reduced ones.
    int64_t outer = 1, reduced = 1, inner = 1;
    int stage = 0;  // 0: before the reduced block, 1: in it, 2: after it
    bool adjacent = true;
    for (int a = 0; a < p.rank; ++a) {
      if (p.dims[a] == 1) continue;
      if (p.reduce[a]) {
        adjacent &= stage != 2;
        stage = 1;
        reduced *= p.dims[a];
      } else if (stage == 0) {
        outer *= p.dims[a];
      } else {
        stage = 2;
        inner *= p.dims[a];
      }
    }
    if (adjacent) return std::make_unique<ReduceBlockKernel>(p.op, *isa, outer, reduced, inner);
  }
  return std::make_unique<ReduceKernel>(p);
}

double flops(const Node&, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  return static_cast<double>(in[0].shape.numel());
}

}  // namespace

const OpDef kReduceMeanOp{OpType::ReduceMean, infer, bind, flops};
const OpDef kReduceSumOp{OpType::ReduceSum, infer, bind, flops};
const OpDef kReduceProdOp{OpType::ReduceProd, infer, bind, flops};
const OpDef kReduceMaxOp{OpType::ReduceMax, infer, bind, flops};
const OpDef kReduceMinOp{OpType::ReduceMin, infer, bind, flops};
const OpDef kReduceL1Op{OpType::ReduceL1, infer, bind, flops};
const OpDef kReduceL2Op{OpType::ReduceL2, infer, bind, flops};
const OpDef kReduceSumSquareOp{OpType::ReduceSumSquare, infer, bind, flops};
const OpDef kReduceLogSumOp{OpType::ReduceLogSum, infer, bind, flops};
const OpDef kReduceLogSumExpOp{OpType::ReduceLogSumExp, infer, bind, flops};

}  // namespace vigil::ops
