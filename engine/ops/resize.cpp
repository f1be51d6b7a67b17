// Resize (ONNX semantics, f32): mode "nearest" (any rank, any dim may scale), "linear" (bilinear over the
// last two dims; every leading dim must keep its size) or "cubic" (bicubic, likewise; attributes cubic_coeff_a,
// exclude_outside). The output size comes from exactly one of
// `scales` (floats, one per dim, > 0; out = floor(in * scale)) or `sizes` (ints, one per dim, > 0). The
// coordinate mapping and rounding are documented in kernels/resize/resize.h.
#include "kernels/resize/resize.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "engine/thread_pool.h"
#include "kernels/resize/resize_separable.h"

namespace vigil::ops {

using kernels::ResizeCoordMode;
using kernels::ResizeMode;
using kernels::ResizeNearestMode;

namespace {

static_assert(kernels::kResizeMaxRank == kMaxRank);

kernels::ResizeParams resize_params(const Node& node, const TensorInfo& input) {
  const std::string who = node.label();
  const Attributes& a = node.attrs;
  const Shape& in = input.shape;
  kernels::ResizeParams p;

  const std::string mode = a.get_string("mode", "nearest", who);
  if (mode == "nearest")
    p.mode = ResizeMode::Nearest;
  else if (mode == "linear")
    p.mode = ResizeMode::Linear;
  else if (mode == "cubic")
    p.mode = ResizeMode::Cubic;
  else
    fail_node(node, concat("mode '", mode, "' is not supported (nearest, linear, cubic)"));
  p.cubic_coeff_a = a.get_float("cubic_coeff_a", -0.75f, who);
  if (!std::isfinite(p.cubic_coeff_a)) fail_node(node, concat("cubic_coeff_a must be finite, got ", p.cubic_coeff_a));
  p.exclude_outside = flag_attr(node, "exclude_outside", 0);

  const std::string coord = a.get_string("coordinate_transformation_mode", "half_pixel", who);
  if (coord == "half_pixel")
    p.coord = ResizeCoordMode::HalfPixel;
  else if (coord == "asymmetric")
    p.coord = ResizeCoordMode::Asymmetric;
  else if (coord == "align_corners")
    p.coord = ResizeCoordMode::AlignCorners;
  else if (coord == "pytorch_half_pixel")
    p.coord = ResizeCoordMode::PytorchHalfPixel;
  else if (coord == "tf_half_pixel_for_nn")
    p.coord = ResizeCoordMode::TfHalfPixelForNn;
  else if (coord == "half_pixel_symmetric")
    p.coord = ResizeCoordMode::HalfPixelSymmetric;
  else
    fail_node(node, concat("coordinate_transformation_mode '", coord, "' is not supported (half_pixel, asymmetric, ",
                           "align_corners, pytorch_half_pixel, tf_half_pixel_for_nn, half_pixel_symmetric)"));

  const std::string nearest = a.get_string("nearest_mode", "round_prefer_floor", who);
  if (nearest == "round_prefer_floor")
    p.nearest = ResizeNearestMode::RoundPreferFloor;
  else if (nearest == "round_prefer_ceil")
    p.nearest = ResizeNearestMode::RoundPreferCeil;
  else if (nearest == "floor")
    p.nearest = ResizeNearestMode::Floor;
  else if (nearest == "ceil")
    p.nearest = ResizeNearestMode::Ceil;
  else
    fail_node(node, concat("nearest_mode '", nearest, "' is not supported (round_prefer_floor, round_prefer_ceil, ",
                           "floor, ceil)"));

  if (a.get_int("antialias", 0, who) != 0) fail_node(node, "antialias=1 is not supported");

  const bool has_scales = a.has("scales"), has_sizes = a.has("sizes");
  if (has_scales == has_sizes) fail_node(node, "exactly one of the attributes 'scales' and 'sizes' must be given");
  p.rank = in.rank;
  for (int d = 0; d < in.rank; ++d) p.in_dims[d] = in[d];
  if (has_scales) {
    const std::vector<float> scales = a.get_floats("scales", {}, who);
    if (scales.size() != static_cast<size_t>(in.rank))
      fail_node(node, concat("'scales' has ", scales.size(), " entries but the input shape ", in.str(), " has rank ",
                             in.rank));
    for (int d = 0; d < in.rank; ++d) {
      const double scale = scales[static_cast<size_t>(d)];
      if (!(scale > 0) || !std::isfinite(scale))
        fail_node(node, concat("scale ", scale, " for dim ", d, " is not positive"));
      const double out = std::floor(static_cast<double>(in[d]) * scale);
      if (out < 1 || out > static_cast<double>(kMaxElements))
        fail_node(node, concat("scale ", scale, " turns dim ", d, " of input shape ", in.str(), " into ", out));
      p.scales[d] = scale;
      p.out_dims[d] = static_cast<int64_t>(out);
    }
  } else {
    const std::vector<int64_t> sizes = a.get_ints("sizes", {}, who);
    if (sizes.size() != static_cast<size_t>(in.rank))
      fail_node(node,
                concat("'sizes' has ", sizes.size(), " entries but the input shape ", in.str(), " has rank ", in.rank));
    for (int d = 0; d < in.rank; ++d) {
      const int64_t size = sizes[static_cast<size_t>(d)];
      if (size <= 0 || size > kMaxElements) fail_node(node, concat("size ", size, " for dim ", d, " is not positive"));
      p.out_dims[d] = size;
      p.scales[d] = static_cast<double>(size) / static_cast<double>(in[d]);
    }
  }

  if (p.mode != ResizeMode::Nearest) {
    if (in.rank < 2) fail_node(node, concat(mode, " mode needs rank >= 2, got input shape ", in.str()));
    for (int d = 0; d < in.rank - 2; ++d)
      if (p.out_dims[d] != in[d] || p.scales[d] != 1.0)
        fail_node(node, concat(mode, " mode resizes only the last two dims, but dim ", d, " of input shape ", in.str(),
                               " has scale ", p.scales[d]));
  }
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  expect_f32(node, in);
  const kernels::ResizeParams p = resize_params(node, in[0]);
  Shape s;
  s.rank = p.rank;
  for (int d = 0; d < p.rank; ++d) s[d] = p.out_dims[d];
  out[0] = {DType::F32, s};
}

class ResizeKernel final : public OpKernel {
 public:
  explicit ResizeKernel(const kernels::ResizeParams& p) : p_(p) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::resize_reference(p_, in[0].f32(), out[0].f32());
  }

 private:
  kernels::ResizeParams p_;
};

// Nearest mode on the optimised paths: the table-driven gather, output rows split over the threads.
class ResizeNearestKernel final : public OpKernel {
 public:
  explicit ResizeNearestKernel(const kernels::ResizeParams& p)
      : p_(p), table_(static_cast<size_t>(kernels::resize_nearest_table_size(p))) {
    kernels::resize_nearest_build_table(p_, table_.data());
  }
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* x = in[0].f32();
    float* y = out[0].f32();
    const int64_t rows = kernels::resize_nearest_rows(p_);
    if (out[0].shape.numel() < kMinParallelElements)
      kernels::resize_nearest_fast(p_, table_.data(), x, y, 0, rows);
    else
      rc.pool->parallel_for(
          rows, [&](int64_t begin, int64_t end) { kernels::resize_nearest_fast(p_, table_.data(), x, y, begin, end); });
  }

 private:
  kernels::ResizeParams p_;
  std::vector<int64_t> table_;
};

// Linear and cubic modes on the optimised paths (kernels/resize/resize_separable.h): taps built at load,
// each input row filtered across once into a small row cache, output rows vectorised over columns;
// bit-identical to the reference. Output rows (over all planes) split over the threads, each with its own
// cache slot.
template <int Taps>
class ResizeSeparableKernel final : public OpKernel {
 public:
  ResizeSeparableKernel(const kernels::ResizeParams& p, kernels::KernelIsa isa, int max_threads)
      : p_(p), isa_(isa), max_threads_(max_threads) {
    if constexpr (Taps == 2)
      kernels::resize_linear_build_plan(p_, plan_);
    else
      kernels::resize_cubic_build_plan(p_, plan_);
    slot_bytes_ =
        (static_cast<size_t>(kernels::resize_separable_workspace_doubles(p_)) * sizeof(double) + 63) / 64 * 64;
  }
  size_t workspace_bytes() const override { return slot_bytes_ * static_cast<size_t>(max_threads_); }
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* x = in[0].f32();
    float* y = out[0].f32();
    const int64_t rows = kernels::resize_separable_rows(p_);
    const int threads = out[0].shape.numel() >= kMinParallelElements ? std::min(rc.pool->size(), max_threads_) : 1;
    auto* workspace = static_cast<std::byte*>(rc.workspace);
    rc.pool->parallel_for(threads, [&](int64_t t_begin, int64_t t_end) {
      for (int64_t t = t_begin; t < t_end; ++t) {
        auto* work = reinterpret_cast<double*>(workspace + static_cast<size_t>(t) * slot_bytes_);
        const int64_t begin = rows * t / threads, end = rows * (t + 1) / threads;
        if constexpr (Taps == 2)
          kernels::resize_linear_fast(isa_, p_, plan_, x, y, begin, end, work);
        else
          kernels::resize_cubic_fast(isa_, p_, plan_, x, y, begin, end, work);
      }
    });
  }

 private:
  kernels::ResizeParams p_;
  kernels::KernelIsa isa_;
  int max_threads_;
  kernels::ResizeSeparablePlan<Taps> plan_;
  size_t slot_bytes_ = 0;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const kernels::ResizeParams p = resize_params(ctx.node, ctx.inputs[0]);
  if (ctx.path != KernelPath::Reference && p.mode == ResizeMode::Nearest && p.rank >= 1)
    return std::make_unique<ResizeNearestKernel>(p);
  if (const auto isa = kernel_isa(ctx.path); isa && kernels::resize_separable_supported(p)) {
    if (p.mode == ResizeMode::Linear) return std::make_unique<ResizeSeparableKernel<2>>(p, *isa, ctx.max_threads);
    return std::make_unique<ResizeSeparableKernel<4>>(p, *isa, ctx.max_threads);
  }
  return std::make_unique<ResizeKernel>(p);
}

// Linear: 4 taps, ~3 multiply-adds per output element; cubic: 16 taps + 4 row sums; nearest is a gather.
double flops(const Node& node, std::span<const TensorInfo>, std::span<const TensorInfo> out) {
  const std::string mode = node.attrs.get_string("mode", "nearest");
  const double per_output = mode == "linear" ? 6.0 : mode == "cubic" ? 40.0 : 0.0;
  return per_output * static_cast<double>(out[0].shape.numel());
}

}  // namespace

const OpDef kResizeOp{OpType::Resize, infer, bind, flops};

}  // namespace vigil::ops
