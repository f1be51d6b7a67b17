// Importing darknet models: a .cfg network description plus its .weights file.
#pragma once

#include <string>

#include "engine/graph.h"

namespace vigil {

struct DarknetImportOptions {
  std::string names_path;        // optional class names file (one per line) -> metadata "class_names"
  float batch_norm_epsilon = 1e-5f;  // darknet's; OpenCV uses 1e-6
};

// Parses the cfg (unknown sections or keys are errors with line numbers), reads the weights (a size
// mismatch is an error saying how many floats were expected and found) and returns a validated graph
// with YOLO metadata. An empty weights_path gives zero weights (for cfg-only shape checks).
Graph import_darknet(const std::string& cfg_path, const std::string& weights_path,
                     const DarknetImportOptions& options = {});

}  // namespace vigil
