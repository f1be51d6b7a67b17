// RoiAlign: X [N, C, H, W] f32, rois [R, 4] f32, batch_indices [R] i64 (rois and indices may be computed at run
// time; their shapes are static) -> [R, C, output_height, output_width]. Attributes: mode (avg | max, default
// avg), output_height, output_width (>= 1, default 1), sampling_ratio (0 = adaptive .. 4096, default 0),
// spatial_scale (finite, default 1), coordinate_transformation_mode (half_pixel | output_half_pixel, default
// half_pixel; importers of opset-10 models set output_half_pixel). Semantics, and what a batch index outside
// [0, N) or a non-finite roi gives: kernels/roi_align/roi_align.h. One kernel on every path (the reference, in
// double); the optimised paths split the rois over the threads.
#include "kernels/roi_align/roi_align.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/error.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "engine/thread_pool.h"

namespace vigil::ops {

namespace {

kernels::RoiAlignParams setup(const Node& node, std::span<const TensorInfo> in) {
  if (in[0].dtype != DType::F32 || in[1].dtype != DType::F32)
    fail_node(node, concat("X and rois must be f32, got ", dtype_name(in[0].dtype), " and ", dtype_name(in[1].dtype)));
  if (in[2].dtype != DType::I64) fail_node(node, concat("batch_indices must be i64, got ", dtype_name(in[2].dtype)));
  const Shape &x = in[0].shape, &rois = in[1].shape, &indices = in[2].shape;
  if (x.rank != 4) fail_node(node, concat("X must have shape [N, C, H, W], got ", x.str()));
  if (rois.rank != 2 || rois[1] != 4) fail_node(node, concat("rois must have shape [num_rois, 4], got ", rois.str()));
  if (indices.rank != 1 || indices[0] != rois[0])
    fail_node(node, concat("batch_indices must have shape [", rois[0], "] (one per roi of ", rois.str(), "), got ",
                           indices.str()));
  kernels::RoiAlignParams p;
  p.batch = x[0];
  p.channels = x[1];
  p.height = x[2];
  p.width = x[3];
  p.rois = rois[0];
  const std::string who = node.label();
  p.out_height = node.attrs.get_int("output_height", 1, who);
  p.out_width = node.attrs.get_int("output_width", 1, who);
  if (p.out_height < 1 || p.out_width < 1 || p.out_height > kMaxElements || p.out_width > kMaxElements)
    fail_node(node,
              concat("output_height and output_width must be in [1, 2^32], got ", p.out_height, " and ", p.out_width));
  p.sampling_ratio = node.attrs.get_int("sampling_ratio", 0, who);
  if (p.sampling_ratio < 0 || p.sampling_ratio > kernels::kRoiAlignMaxSamplingRatio)
    fail_node(node, concat("sampling_ratio must be in [0, ", kernels::kRoiAlignMaxSamplingRatio,
                           "] (0: adaptive), got ", p.sampling_ratio));
  const float scale = node.attrs.get_float("spatial_scale", 1.0f, who);
  if (!std::isfinite(scale)) fail_node(node, concat("spatial_scale must be finite, got ", scale));
  p.spatial_scale = scale;
  const std::string mode = node.attrs.get_string("mode", "avg", who);
  if (mode != "avg" && mode != "max") fail_node(node, concat("mode '", mode, "' is not one of avg, max"));
  p.mode = mode == "avg" ? kernels::RoiAlignMode::Avg : kernels::RoiAlignMode::Max;
  const std::string coords = node.attrs.get_string("coordinate_transformation_mode", "half_pixel", who);
  if (coords != "half_pixel" && coords != "output_half_pixel")
    fail_node(node,
              concat("coordinate_transformation_mode '", coords, "' is not one of half_pixel, output_half_pixel"));
  p.half_pixel = coords == "half_pixel";
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  const kernels::RoiAlignParams p = setup(node, in);
  Shape s;
  s.rank = 4;
  s[0] = p.rois;
  s[1] = p.channels;
  s[2] = p.out_height;
  s[3] = p.out_width;
  out[0] = {DType::F32, s};
}

class RoiAlignKernel final : public OpKernel {
 public:
  RoiAlignKernel(const kernels::RoiAlignParams& p, bool threaded) : p_(p), threaded_(threaded) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const int64_t rois = p_.rois;
    const int threads = threaded_ && out[0].numel() >= kMinParallelElements
                            ? static_cast<int>(std::min<int64_t>(rc.pool->size(), rois))
                            : 1;
    rc.pool->parallel_for(threads, [&](int64_t t_begin, int64_t t_end) {
      for (int64_t t = t_begin; t < t_end; ++t)
        kernels::roi_align_reference(p_, in[0].f32(), in[1].f32(), in[2].i64(), out[0].f32(), rois * t / threads,
                                     rois * (t + 1) / threads);
    });
  }

 private:
  kernels::RoiAlignParams p_;
  bool threaded_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  return std::make_unique<RoiAlignKernel>(setup(ctx.node, ctx.inputs), ctx.path != KernelPath::Reference);
}

}  // namespace

const OpDef kRoiAlignOp{OpType::RoiAlign, infer, bind, nullptr};

}  // namespace vigil::ops
