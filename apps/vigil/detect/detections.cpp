#include "apps/vigil/detect/detections.h"

#include <algorithm>

#include "engine/error.h"

namespace vigil::cli {

std::vector<Box> read_boxes(const TensorView& rows, const TensorView& count, const InputPlacement& place, int frame_w,
                            int frame_h, float min_score) {
  const int64_t max_rows = rows.shape[0];
  // The count is a float written by the kernel; clamping keeps a corrupt value from reading past the table.
  const int64_t n = std::clamp<int64_t>(static_cast<int64_t>(count.f32()[0]), 0, max_rows);
  const float fw = static_cast<float>(frame_w), fh = static_cast<float>(frame_h);
  auto x = [&](float v) { return std::clamp(input_to_frame_x(place, v, frame_w), 0.0f, fw); };
  auto y = [&](float v) { return std::clamp(input_to_frame_y(place, v, frame_h), 0.0f, fh); };
  std::vector<Box> out;
  for (int64_t i = 0; i < n; ++i) {
    const float* r = rows.f32() + i * 6;
    if (r[4] < min_score) continue;
    out.push_back({x(r[0]), y(r[1]), x(r[2]), y(r[3]), r[4], static_cast<int>(r[5])});
  }
  return out;
}

std::string class_label(const std::vector<std::string>& names, int cls) {
  return cls >= 0 && static_cast<size_t>(cls) < names.size() ? names[static_cast<size_t>(cls)] : concat("class", cls);
}

}  // namespace vigil::cli
