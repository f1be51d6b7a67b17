// LayerNorm: X, scale, [bias]; attributes axis (default -1: the rows are the dims from `axis` on) and
// epsilon (default 1e-5). Output: X's shape; optional outputs mean and inv_std (1 / sqrt(var + epsilon))
// of each row, shaped like X with the normalised dims set to 1. scale and bias hold either one value per position of
// the normalised block (their shape, leading 1s aside, equals X's dims from `axis` on) or a single value.
#include "engine/error.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "kernels/layer_norm/layer_norm_fast.h"

namespace vigil::ops {

namespace {

// True when `p` is one value; false when it matches the normalised dims; an error otherwise.
bool shared_param(const Node& node, const char* what, const Shape& p, const Shape& x, int axis) {
  if (p.numel() == 1) return true;
  int lead = 0;  // leading 1s
  while (lead < p.rank && p[lead] == 1 && p.rank - lead > x.rank - axis) ++lead;
  bool same = p.rank - lead == x.rank - axis;
  for (int d = 0; same && d < x.rank - axis; ++d) same = p[lead + d] == x[axis + d];
  if (!same)
    fail_node(node, concat(what, " shape ", p.str(), " must equal the normalised dims of X ", x.str(), " from axis ",
                           axis, " on, or hold one value"));
  return false;
}

kernels::LayerNormParams setup(const Node& node, std::span<const TensorInfo> in) {
  expect_f32(node, in);
  const Shape& x = in[0].shape;
  const int axis = axis_attr(node, x);
  kernels::LayerNormParams p;
  p.rows = x.numel(0, axis);
  p.row_len = x.numel(axis, x.rank);
  p.epsilon = node.attrs.get_float("epsilon", 1e-5f, node.label());
  if (!(p.epsilon >= 0.0f)) fail_node(node, concat("epsilon must be >= 0, got ", p.epsilon));
  if (!in[1].present()) fail_node(node, "the scale input is required");
  p.scale_shared = shared_param(node, "scale", in[1].shape, x, axis);
  if (in.size() > 2 && in[2].present()) p.bias_shared = shared_param(node, "bias", in[2].shape, x, axis);
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  setup(node, in);
  out[0] = in[0];
  Shape stats = in[0].shape;
  for (int d = axis_attr(node, stats); d < stats.rank; ++d) stats[d] = 1;
  for (size_t k = 1; k < out.size(); ++k) out[k] = {DType::F32, stats};
}

// The reference path runs layer_norm_reference; the AVX2 / AVX-512 paths the same double arithmetic on
// vectors (kernels/layer_norm/layer_norm_fast.h), rows split over the threads when the tensor is large.
class LayerNormKernel final : public OpKernel {
 public:
  LayerNormKernel(const kernels::LayerNormParams& p, std::optional<kernels::KernelIsa> isa) : p_(p), isa_(isa) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* bias = in.size() > 2 && in[2].present() ? in[2].f32() : nullptr;
    float* mean = out.size() > 1 && out[1].present() ? out[1].f32() : nullptr;
    float* inv_std = out.size() > 2 && out[2].present() ? out[2].f32() : nullptr;
    if (!isa_) {
      kernels::layer_norm_reference(p_, in[0].f32(), in[1].f32(), bias, out[0].f32(), mean, inv_std);
      return;
    }
    const int threads = p_.rows * p_.row_len >= kMinParallelElements ? rc.pool->size() : 1;
    rc.pool->parallel_for(threads, [&](int64_t t_begin, int64_t t_end) {
      for (int64_t t = t_begin; t < t_end; ++t)
        kernels::layer_norm_fast(*isa_, p_, in[0].f32(), in[1].f32(), bias, out[0].f32(), mean, inv_std,
                                 p_.rows * t / threads, p_.rows * (t + 1) / threads);
    });
  }

 private:
  kernels::LayerNormParams p_;
  std::optional<kernels::KernelIsa> isa_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  return std::make_unique<LayerNormKernel>(setup(ctx.node, ctx.inputs), kernel_isa(ctx.path));
}

// Sum, subtract, square, sum, scale, shift: about 8 operations per element.
double flops(const Node&, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  return 8.0 * static_cast<double>(in[0].shape.numel());
}

}  // namespace

const OpDef kLayerNormOp{OpType::LayerNorm, infer, bind, flops};

}  // namespace vigil::ops
