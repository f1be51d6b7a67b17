// GridSample: X [N, C, d_1..d_r] and a run-time grid [N, D_1..D_r, r] (both f32, r = 1..4) -> [N, C, D_1..D_r].
// Attributes: mode (linear | nearest | cubic, default linear), padding_mode (zeros | border | reflection,
// default zeros), align_corners (0 | 1, default 0). Semantics: kernels/grid_sample/grid_sample.h. One
// kernel on every path (the reference, accumulating in double); the optimised paths split the output points
// over the threads.
#include "kernels/grid_sample/grid_sample.h"

#include <string>

#include "engine/error.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "engine/thread_pool.h"

namespace vigil::ops {

namespace {

static_assert(kernels::kGridSampleMaxSpatial + 2 >= kMaxRank);

kernels::GridSampleParams setup(const Node& node, std::span<const TensorInfo> in) {
  expect_f32(node, in);
  const Shape &x = in[0].shape, &grid = in[1].shape;
  if (x.rank < 3)
    fail_node(node, concat("X must have rank >= 3 ([N, C, d1, ...], one or more spatial dims), got ", x.str()));
  const int r = x.rank - 2;
  if (grid.rank != x.rank || grid[0] != x[0] || grid[grid.rank - 1] != r)
    fail_node(node,
              concat("grid must have shape [", x[0], ", D1..D", r, ", ", r, "] for X ", x.str(), ", got ", grid.str()));
  kernels::GridSampleParams p;
  p.spatial = r;
  p.batch = x[0];
  p.channels = x[1];
  for (int d = 0; d < r; ++d) {
    p.in_dims[d] = x[d + 2];
    p.out_dims[d] = grid[d + 1];
  }
  const std::string who = node.label();
  const std::string mode = node.attrs.get_string("mode", "linear", who);
  if (mode == "linear")
    p.mode = kernels::GridSampleMode::Linear;
  else if (mode == "nearest")
    p.mode = kernels::GridSampleMode::Nearest;
  else if (mode == "cubic")
    p.mode = kernels::GridSampleMode::Cubic;
  else
    fail_node(node, concat("mode '", mode, "' is not one of linear, nearest, cubic"));
  const std::string padding = node.attrs.get_string("padding_mode", "zeros", who);
  if (padding == "zeros")
    p.padding = kernels::GridSamplePadding::Zeros;
  else if (padding == "border")
    p.padding = kernels::GridSamplePadding::Border;
  else if (padding == "reflection")
    p.padding = kernels::GridSamplePadding::Reflection;
  else
    fail_node(node, concat("padding_mode '", padding, "' is not one of zeros, border, reflection"));
  p.align_corners = flag_attr(node, "align_corners", 0);
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  const kernels::GridSampleParams p = setup(node, in);
  Shape s = in[0].shape;
  for (int d = 0; d < p.spatial; ++d) s[d + 2] = p.out_dims[d];
  out[0] = {DType::F32, s};
}

class GridSampleKernel final : public OpKernel {
 public:
  GridSampleKernel(const kernels::GridSampleParams& p, bool threaded) : p_(p), threaded_(threaded) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const int64_t points = p_.batch * kernels::grid_sample_points(p_);
    const int threads = threaded_ && out[0].numel() >= kMinParallelElements ? rc.pool->size() : 1;
    rc.pool->parallel_for(threads, [&](int64_t t_begin, int64_t t_end) {
      for (int64_t t = t_begin; t < t_end; ++t)
        kernels::grid_sample_reference(p_, in[0].f32(), in[1].f32(), out[0].f32(), points * t / threads,
                                       points * (t + 1) / threads);
    });
  }

 private:
  kernels::GridSampleParams p_;
  bool threaded_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  return std::make_unique<GridSampleKernel>(setup(ctx.node, ctx.inputs), ctx.path != KernelPath::Reference);
}

// Per output value: the products of the taps (2^r linear, 4^r cubic, 1 nearest), a multiply-add each.
double flops(const Node& node, std::span<const TensorInfo> in, std::span<const TensorInfo> out) {
  const kernels::GridSampleParams p = setup(node, in);
  double taps = 1;
  for (int d = 0; d < p.spatial; ++d)
    taps *= p.mode == kernels::GridSampleMode::Cubic ? 4 : p.mode == kernels::GridSampleMode::Linear ? 2 : 1;
  return 2 * taps * static_cast<double>(out[0].shape.numel());
}

}  // namespace

const OpDef kGridSampleOp{OpType::GridSample, infer, bind, flops};

}  // namespace vigil::ops
