// GlobalAveragePoolNchwc: X [N,CB,H,W,b] (the blocked channel layout, kernels/nchwc/nchwc_layout.h) ->
// Y [N,CB,1,1,b], the mean of each lane over the H*W pixels; the reference's bits per real channel. Channel
// blocks split over the threads.
#include "engine/error.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "engine/thread_pool.h"
#include "kernels/nchwc/nchwc_layout.h"

namespace vigil::ops {

namespace {

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  expect_f32(node, in);
  expect_rank(node, in[0], 5, "input X");
  const Shape& x = in[0].shape;
  if (x[2] < 1 || x[3] < 1 || x[4] < 1) fail_node(node, concat("input X ", x.str(), " has no pixels"));
  out[0] = {DType::F32, Shape{x[0], x[1], 1, 1, x[4]}};
}

class GlobalAveragePoolNchwcKernel final : public OpKernel {
 public:
  GlobalAveragePoolNchwcKernel(kernels::NchwcShape s, kernels::KernelIsa isa) : s_(s), isa_(isa) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const int64_t blocks = s_.channels / s_.block;  // s_.channels holds CB * b
    parallel_planes(*rc.pool, blocks, s_.images * s_.channels * s_.pixels, [&](int64_t b0, int64_t b1) {
      kernels::global_average_pool_nchwc(isa_, s_, in[0].f32(), out[0].f32(), b0, b1);
    });
  }

 private:
  kernels::NchwcShape s_;
  kernels::KernelIsa isa_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const Shape& x = ctx.inputs[0].shape;
  const auto isa = kernel_isa(ctx.path).value_or(kernels::KernelIsa::Scalar);
  // Every lane is pooled (padding lanes too, harmlessly), so the channel count is CB * b.
  const kernels::NchwcShape s{x[0], x[1] * x[4], x[2] * x[3], x[4]};
  return std::make_unique<GlobalAveragePoolNchwcKernel>(s, isa);  // plain loops for a block not its own
}

// One add per input element.
double flops(const Node&, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  return static_cast<double>(in[0].shape.numel());
}

}  // namespace

const OpDef kGlobalAveragePoolNchwcOp{OpType::GlobalAveragePoolNchwc, infer, bind, flops};

}  // namespace vigil::ops
