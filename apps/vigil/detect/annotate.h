// --annotate DIR: each frame written as DIR/<frame>.png (or .jpg, --annotate-format) with its boxes and, for action models, the
// current action (the frame's top-1 label and probability) in a banner at the top left.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "apps/vigil/detect/detections.h"
#include "loaders/image/image.h"

namespace vigil::cli {

// Creates the directory; throws naming it if that fails.
void prepare_annotate_dir(const std::string& dir);

// Draws on `image` (it is the caller's copy) and writes it as DIR/<stem of name><extension>, where
// `extension` is ".png" or ".jpg" (JPEG quality 90) and `name` is the frame's source name.
void write_annotated(const std::string& dir, const std::string& extension, const std::string& name, Image& image, const std::vector<Box>& boxes,
                     const std::vector<std::string>& class_names, std::span<const double> probs,
                     const std::vector<std::string>& action_labels);

}  // namespace vigil::cli
