#include "apps/vigil/detect/annotate.h"

#include <algorithm>
#include <filesystem>

#include "apps/vigil/detect/segment_tracker.h"
#include "apps/vigil/draw.h"
#include "apps/vigil/json.h"
#include "engine/error.h"

namespace vigil::cli {

void prepare_annotate_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail(dir, ": cannot create the directory: ", ec.message());
}

void write_annotated(const std::string& dir, const std::string& extension, const std::string& name, Image& image, const std::vector<Box>& boxes,
                     const std::vector<std::string>& class_names, std::span<const double> probs,
                     const std::vector<std::string>& action_labels) {
  for (const Box& d : boxes) {
    const Color c = class_color(d.cls);
    draw_rect(image, static_cast<int>(d.x1), static_cast<int>(d.y1), static_cast<int>(d.x2), static_cast<int>(d.y2), c);
    draw_label(image, static_cast<int>(d.x1), std::max(0, static_cast<int>(d.y1) - 20),
               concat(class_label(class_names, d.cls), " ", json_number(d.score, 2)), c);
  }
  if (!probs.empty()) {
    const int64_t best = top1(probs);
    draw_label(image, 2, 2,
               concat(action_labels[static_cast<size_t>(best)], " ", json_number(probs[static_cast<size_t>(best)], 2)),
               Color{0, 0, 0});
  }
  const std::string stem = std::filesystem::path(name).stem().string();
  write_image((std::filesystem::path(dir) / (stem + extension)).string(), image);
}

}  // namespace vigil::cli
