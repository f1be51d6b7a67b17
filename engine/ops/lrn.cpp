// LRN: X [N, C, D1...] (rank >= 3, as ONNX), attributes size (required, >= 1), alpha (default 1e-4), beta
// (0.75), bias (1.0), all finite; output X's shape. Local response normalisation across channels
// (kernels/lrn/lrn.h). The optimised paths run lrn_fast (double vectors, within 1 float ulp of the reference)
// when bias > 0 and beta != 0, planes split over the threads; otherwise the reference kernel.
#include "kernels/lrn/lrn.h"

#include <algorithm>
#include <cmath>

#include "engine/error.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "engine/thread_pool.h"
#include "kernels/lrn/lrn_fast.h"

namespace vigil::ops {

namespace {

kernels::LrnParams setup(const Node& node, std::span<const TensorInfo> in) {
  expect_f32(node, in);
  const Shape& x = in[0].shape;
  if (x.rank < 3) fail_node(node, concat("input must have rank >= 3 ([N, C, D1, ...]), got shape ", x.str()));
  kernels::LrnParams p;
  p.batch = x[0];
  p.channels = x[1];
  p.spatial = x.numel(2, x.rank);
  const std::string who = node.label();
  if (!node.attrs.has("size")) fail_node(node, "attribute 'size' is required");
  p.size = node.attrs.get_int("size", 1, who);
  if (p.size < 1 || p.size > (int64_t{1} << 30)) fail_node(node, concat("size must be >= 1, got ", p.size));
  p.alpha = node.attrs.get_float("alpha", 1e-4f, who);
  p.beta = node.attrs.get_float("beta", 0.75f, who);
  p.bias = node.attrs.get_float("bias", 1.0f, who);
  if (!std::isfinite(p.alpha) || !std::isfinite(p.beta) || !std::isfinite(p.bias))
    fail_node(node, concat("alpha, beta and bias must be finite, got ", p.alpha, ", ", p.beta, ", ", p.bias));
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  setup(node, in);
  out[0] = in[0];
}

class LrnKernel final : public OpKernel {
 public:
  explicit LrnKernel(const kernels::LrnParams& p) : p_(p) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::lrn_reference(p_, in[0].f32(), out[0].f32());
  }

 private:
  kernels::LrnParams p_;
};

class LrnFastKernel final : public OpKernel {
 public:
  LrnFastKernel(const kernels::LrnParams& p, kernels::KernelIsa isa) : p_(p), isa_(isa) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    parallel_planes(*rc.pool, p_.batch * p_.channels, out[0].shape.numel(), [&](int64_t begin, int64_t end) {
      kernels::lrn_fast(isa_, p_, in[0].f32(), out[0].f32(), begin, end);
    });
  }

 private:
  kernels::LrnParams p_;
  kernels::KernelIsa isa_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const kernels::LrnParams p = setup(ctx.node, ctx.inputs);
  if (const auto isa = kernel_isa(ctx.path); isa && kernels::lrn_fast_supported(p))
    return std::make_unique<LrnFastKernel>(p, *isa);
  return std::make_unique<LrnKernel>(p);
}

// Per output: `size` squares and sums, a power and a division.
double flops(const Node& node, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  return static_cast<double>(in[0].shape.numel()) * (2.0 * static_cast<double>(node.attrs.get_int("size", 1)) + 3.0);
}

}  // namespace

const OpDef kLrnOp{OpType::Lrn, infer, bind, flops};

}  // namespace vigil::ops
