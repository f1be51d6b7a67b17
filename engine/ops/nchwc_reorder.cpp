// ToNchwc and FromNchwc: the conversions at the edges of a run of nodes that use_nchwc_layout moved into the
// blocked channel layout (kernels/nchwc/nchwc_layout.h).
//   ToNchwc   (block b):      X [N,C,H,W]          -> Y [N,ceil(C/b),H,W,b], padding lanes 0
//   FromNchwc (channels C):   X [N,ceil(C/b),H,W,b] -> Y [N,C,H,W]
// A copy on every path (the same bits), channel blocks split over the threads.
#include <algorithm>

#include "engine/error.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "engine/thread_pool.h"
#include "kernels/nchwc/nchwc_layout.h"

namespace vigil::ops {

namespace {

int64_t block_attr(const Node& node) {
  const int64_t b = node.attrs.get_int("block", 0, node.label());
  if (b < 1 || b > kernels::kNchwcMaxBlock)
    fail_node(node, concat("block ", b, " must be in 1..", kernels::kNchwcMaxBlock));
  return b;
}

void infer_to(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  expect_f32(node, in);
  expect_rank(node, in[0], 4, "input X");
  const Shape& x = in[0].shape;
  const int64_t b = block_attr(node);
  out[0] = {DType::F32, Shape{x[0], kernels::nchwc_blocks(x[1], b), x[2], x[3], b}};
}

void infer_from(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  expect_f32(node, in);
  expect_rank(node, in[0], 5, "input X");
  const Shape& x = in[0].shape;
  const int64_t c = node.attrs.get_int("channels", 0, node.label());
  if (c < 1) fail_node(node, concat("channels ", c, " must be at least 1"));
  if (x[4] < 1 || x[4] > kernels::kNchwcMaxBlock || kernels::nchwc_blocks(c, x[4]) != x[1])
    fail_node(node, concat("input X ", x.str(), " is not ", c, " channels in blocks of ", x[4]));
  out[0] = {DType::F32, Shape{x[0], c, x[2], x[3]}};
}

class ReorderKernel final : public OpKernel {
 public:
  ReorderKernel(bool to_blocked, kernels::NchwcShape s, kernels::KernelIsa isa)
      : to_blocked_(to_blocked), s_(s), isa_(isa) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* x = in[0].f32();
    float* y = out[0].f32();
    const int64_t blocks = kernels::nchwc_blocks(s_.channels, s_.block);
    parallel_planes(*rc.pool, blocks, s_.images * blocks * s_.pixels * s_.block, [&](int64_t b0, int64_t b1) {
      if (to_blocked_)
        kernels::nchwc_from_nchw(isa_, s_, x, y, b0, b1);
      else
        kernels::nchw_from_nchwc(isa_, s_, x, y, b0, b1);
    });
  }

 private:
  bool to_blocked_;
  kernels::NchwcShape s_;
  kernels::KernelIsa isa_;
};

// The isa's vector reorders for its own block, the plain loops for any other (nchwc_layout.h).
kernels::KernelIsa isa_of(const BindContext& ctx) { return kernel_isa(ctx.path).value_or(kernels::KernelIsa::Scalar); }

std::unique_ptr<OpKernel> bind_to(const BindContext& ctx) {
  const Shape& x = ctx.inputs[0].shape;
  const int64_t b = block_attr(ctx.node);
  return std::make_unique<ReorderKernel>(true, kernels::NchwcShape{x[0], x[1], x[2] * x[3], b}, isa_of(ctx));
}

std::unique_ptr<OpKernel> bind_from(const BindContext& ctx) {
  const Shape& y = ctx.outputs[0].shape;
  const int64_t b = ctx.inputs[0].shape[4];
  return std::make_unique<ReorderKernel>(false, kernels::NchwcShape{y[0], y[1], y[2] * y[3], b}, isa_of(ctx));
}

}  // namespace

const OpDef kToNchwcOp{OpType::ToNchwc, infer_to, bind_to, nullptr};
const OpDef kFromNchwcOp{OpType::FromNchwc, infer_from, bind_from, nullptr};

}  // namespace vigil::ops
