// The model `vigil detect` runs, loaded and checked before any frame is read.
//
// A plain detector (any darknet YOLO from `vigil convert`): one image input and a YoloDetect node whose two
// outputs are graph outputs. An action model (docs/FORMAT.md, "Action models"): the same, plus the
// action_* metadata naming an embedding output and a window input/scores output; it runs as two engines
// built from the one graph, the frame part (image -> boxes + embedding) once per frame and the window
// part (T embeddings -> T x K probabilities) once per temporal window.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apps/vigil/preprocess.h"
#include "engine/executor.h"
#include "loaders/vgl/metadata_keys.h"

namespace vigil::cli {

struct DetectModel {
  std::unique_ptr<Engine> frame;   // image input -> detections, count (and the embedding)
  std::unique_ptr<Engine> window;  // action models only: window input -> scores
  Preprocessing prep;
  std::string image_input;                      // names, valid in both engines
  std::string detections, count;                // YoloDetect outputs: [max, 6] rows and [1] count
  std::vector<std::string> class_names;         // box classes (metadata class_names; may be empty)
  std::optional<meta::ActionModelInfo> action;  // set for action models
  std::string embedding, window_input, scores;  // action models: value names
};

// Throws vigil::Error naming the model file and what is missing or inconsistent.
DetectModel load_detect_model(const std::string& path, const EngineOptions& options);

}  // namespace vigil::cli
