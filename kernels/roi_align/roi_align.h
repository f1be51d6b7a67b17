// RoiAlign (ONNX opset 10/16/22; Mask R-CNN, torchvision.ops.roi_align): X [N, C, H, W], rois [R, 4] as
// (x1, y1, x2, y2) in image coordinates, batch_indices [R] (the image of each roi); output [R, C, oh, ow].
// Per roi, in double, as the ONNX reference implementation:
//   start = (x1, y1) * spatial_scale - offset, end = (x2, y2) * spatial_scale - offset,
//     offset 0.5 (half_pixel) or 0 (output_half_pixel; the roi's width and height are then at least 1)
//   bin = (end - start) / (ow, oh); each bin samples a grid of gh x gw points: sampling_ratio per axis, or when
//     it is 0 ceil(roi_height / oh) x ceil(roi_width / ow) (adaptive; may be 0 for a reversed half_pixel roi)
//   sample (iy, ix) of bin (ph, pw): y = start_y + ph * bin_h + (iy + 0.5) * bin_h / gh, x likewise;
//     a sample with y < -1, y > H, x < -1 or x > W is outside and its four weights are 0; otherwise y and x
//     are raised to >= 0, y_low = floor(y), y_high = y_low + 1, and when y_low >= H - 1 both are H - 1 and
//     y = H - 1 (x likewise); weights (1-ly)(1-lx), (1-ly)lx, ly(1-lx), ly lx with ly = y - y_low, lx = x - x_low
//   avg: the sum over the samples of the bilinear value, divided by gh * gw (1 if that is 0)
//   max: the maximum over the samples of max(w1 v1, w2 v2, w3 v3, w4 v4): the largest WEIGHTED corner, not
//     the largest interpolated value (ONNX's reference and onnxruntime; an outside sample counts as 0)
//   a bin with no samples is 0.
// Run-time values the kernel defines (it never reads outside X and never loops over the samples outside the
// feature map, so any roi costs at most about (2H + 5) (2W + 5) samples per bin):
//   a batch index outside [0, N) -> that roi's output is all 0;
//   a roi coordinate that becomes NaN, +-inf or larger than 2^24 in magnitude (after spatial_scale and the
//   offset) -> that roi's output is all NaN.
// sampling_ratio is at most kRoiAlignMaxSamplingRatio (checked at load), so a bin has at most its square of
// samples.
#pragma once

#include <cstdint>

namespace vigil::kernels {

inline constexpr int64_t kRoiAlignMaxSamplingRatio = 4096;

enum class RoiAlignMode : uint8_t { Avg, Max };

struct RoiAlignParams {
  int64_t batch = 1, channels = 1, height = 1, width = 1;
  int64_t rois = 1, out_height = 1, out_width = 1;
  int64_t sampling_ratio = 0;  // >= 0; 0 = adaptive
  double spatial_scale = 1;    // finite
  bool half_pixel = true;
  RoiAlignMode mode = RoiAlignMode::Avg;
};

// Computes the rois [roi_begin, roi_end) (every channel). Callers may split the rois over threads.
void roi_align_reference(const RoiAlignParams& p, const float* x, const float* rois, const int64_t* batch_indices,
                         float* y, int64_t roi_begin, int64_t roi_end);

}  // namespace vigil::kernels
