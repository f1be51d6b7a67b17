// Importing darknet models: a .cfg network description plus its .weights file.
#pragma once

#include <string>

#include "engine/graph.h"

namespace vigil {

struct DarknetImportOptions {
  std::string names_path;            // optional class names file (one per line) -> metadata "class_names"
  float batch_norm_epsilon = 1e-5f;  // darknet's; OpenCV uses 1e-6
  // Fold each [convolutional] / [connected] layer's batch norm into its weights and bias (computed in double). With
  // false the graph keeps a BatchNorm node after a bias-free Conv2d (useful to test the fold itself).
  bool fold_batch_norm = true;
  // The YoloDetect node that decodes all [yolo] (or [region]) heads into boxes (darknet's thresholds by default).
  bool add_yolo_detect = true;
  float score_threshold = 0.25f;
  float nms_threshold = 0.45f;
  int max_detections = 100;
};

// Parses the cfg (unknown sections or keys are errors with line numbers), reads the weights (a size
// mismatch is an error saying how many floats were expected and found) and returns a validated graph
// with YOLO metadata. An empty weights_path gives zero weights (for cfg-only shape checks).
//
// The graph has one input "input" [1, channels, height, width] (RGB scaled to 0..1, plain resize) and as
// outputs first the raw output of every [yolo] / [region] layer's input, in cfg order, then "detections" and
// "detection_count" from a YoloDetect node. A cfg without such heads outputs its last layer (for a classifier
// ending in [softmax] + [cost]: the softmax).
Graph import_darknet(const std::string& cfg_path, const std::string& weights_path,
                     const DarknetImportOptions& options = {});

}  // namespace vigil
