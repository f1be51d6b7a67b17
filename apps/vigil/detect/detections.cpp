#include "apps/vigil/detect/detections.h"

#include <algorithm>

#include "engine/error.h"

namespace vigil::cli {

std::vector<Box> read_boxes(const TensorView& rows, const TensorView& count, int input_w, int input_h, int frame_w,
                            int frame_h, float min_score) {
  const int64_t max_rows = rows.shape[0];
  // The count is a float written by the kernel; clamping keeps a corrupt value from reading past the table.
  const int64_t n = std::clamp<int64_t>(static_cast<int64_t>(count.f32()[0]), 0, max_rows);
  const float sx = static_cast<float>(frame_w) / static_cast<float>(input_w);
  const float sy = static_cast<float>(frame_h) / static_cast<float>(input_h);
  const float fw = static_cast<float>(frame_w), fh = static_cast<float>(frame_h);
  std::vector<Box> out;
  for (int64_t i = 0; i < n; ++i) {
    const float* r = rows.f32() + i * 6;
    if (r[4] < min_score) continue;
    out.push_back({std::clamp(r[0] * sx, 0.0f, fw), std::clamp(r[1] * sy, 0.0f, fh), std::clamp(r[2] * sx, 0.0f, fw),
                   std::clamp(r[3] * sy, 0.0f, fh), r[4], static_cast<int>(r[5])});
  }
  return out;
}

std::string class_label(const std::vector<std::string>& names, int cls) {
  return cls >= 0 && static_cast<size_t>(cls) < names.size() ? names[static_cast<size_t>(cls)] : concat("class", cls);
}

}  // namespace vigil::cli
