// Ops that read their input at positions computed at run time.
// GridSample (opset 16: 4-D X, modes bilinear | nearest | bicubic; opset 20 and 22: X of rank 3..6 in vigil,
// modes linear | nearest | cubic): PyTorch's F.grid_sample, spatial transformers, optical-flow warping. The
// grid is a run-time input like X.
// RoiAlign (opset 10, 16, 22): torchvision.ops.roi_align in two-stage detectors. Opset 10 has no
// coordinate_transformation_mode and behaves as output_half_pixel; 16 adds it with default half_pixel. rois
// and batch_indices may be computed at run time; their shapes (the number of rois) must be static.
#include <string>

#include "engine/error.h"
#include "loaders/onnx/op_mapping.h"

namespace vigil::onnx {

void map_grid_sample(Importer& im, const NodeInfo& n) {
  n.check_attributes({"align_corners", "mode", "padding_mode"});
  n.expect_inputs(2, 2);
  for (int i = 0; i < 2; ++i)
    if (!n.has_input(i)) n.fail(concat("input ", i, " (X, grid) is required"));
  const bool opset16 = n.opset() < 20;
  // Opset 20 renamed the modes (and made the op N-dimensional); vigil's op uses the new names.
  std::string mode = n.get_string("mode", opset16 ? "bilinear" : "linear");
  if (opset16) {
    if (mode == "bilinear")
      mode = "linear";
    else if (mode == "bicubic")
      mode = "cubic";
    else if (mode != "nearest")
      n.fail(concat("mode '", mode, "' is not one of bilinear, nearest, bicubic (opset ", n.opset(), ")"));
  } else if (mode != "linear" && mode != "nearest" && mode != "cubic") {
    n.fail(concat("mode '", mode, "' is not one of linear, nearest, cubic (opset ", n.opset(), ")"));
  }
  const Shape x = im.shape_of(n, 0);
  if (opset16 && x.rank != 4)
    n.fail(concat("X has rank ", x.rank, " ", x.str(), "; GridSample before opset 20 takes 4-D input [N, C, H, W]"));
  if (x.rank < 3 || x.rank > 6)
    n.fail(concat("X has rank ", x.rank, " ", x.str(), "; vigil's GridSample takes 1 to 4 spatial dims (rank 3..6)"));
  Attributes a;
  a.set("mode", mode);
  a.set("padding_mode", n.get_string("padding_mode", "zeros"));
  a.set("align_corners", n.get_int("align_corners", 0));
  im.emit1(n, OpType::GridSample, n.name(), {im.value(n, 0), im.value(n, 1)}, n.output(0), std::move(a));
}

void map_roi_align(Importer& im, const NodeInfo& n) {
  const bool opset10 = n.opset() < 16;
  if (opset10)
    n.check_attributes({"mode", "output_height", "output_width", "sampling_ratio", "spatial_scale"});
  else
    n.check_attributes(
        {"coordinate_transformation_mode", "mode", "output_height", "output_width", "sampling_ratio", "spatial_scale"});
  n.expect_inputs(3, 3);
  for (int i = 0; i < 3; ++i)
    if (!n.has_input(i)) n.fail(concat("input ", i, " (X, rois, batch_indices) is required"));
  Attributes a;
  a.set("coordinate_transformation_mode",
        opset10 ? std::string("output_half_pixel") : n.get_string("coordinate_transformation_mode", "half_pixel"));
  a.set("mode", n.get_string("mode", "avg"));
  a.set("output_height", n.get_int("output_height", 1));
  a.set("output_width", n.get_int("output_width", 1));
  a.set("sampling_ratio", n.get_int("sampling_ratio", 0));
  a.set("spatial_scale", n.get_float("spatial_scale", 1.0f));
  im.emit1(n, OpType::RoiAlign, n.name(), {im.value(n, 0), im.value(n, 1), im.value(n, 2)}, n.output(0), std::move(a));
}

}  // namespace vigil::onnx
