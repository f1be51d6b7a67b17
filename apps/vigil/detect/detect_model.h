// The model `vigil detect` runs, loaded and checked before any frame is read.
//
// A plain detector (any darknet YOLO from `vigil convert`, or an ONNX detector given YoloDetect or BoxNms by
// `vigil convert --yolo-heads / --decoded-boxes`): one image input and that node, whose two outputs are
// graph outputs. An action model (docs/FORMAT.md, "Action models"): the same, plus the
// action_* metadata naming an embedding output and a window input/scores output; it runs as two engines
// built from the one graph, the frame part (image -> boxes + embedding) once per frame and the window
// part (T embeddings -> T x K probabilities) once per temporal window.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apps/vigil/detect/recurrent_state.h"
#include "apps/vigil/preprocess.h"
#include "engine/executor.h"
#include "loaders/vgl/metadata_keys.h"

namespace vigil::cli {

struct DetectModel {
  std::unique_ptr<Engine> frame;   // image input -> detections, count (and the embedding)
  std::unique_ptr<Engine> window;  // action models only: window input -> scores
  Preprocessing prep;
  std::string image_input;                      // names, valid in both engines
  std::string detections, count;                // YoloDetect/BoxNms outputs: [max, 6] rows, [1] count
  std::vector<std::string> class_names;         // box classes (metadata class_names; may be empty)
  std::vector<StatePair> state;                 // recurrent state of the frame engine, carried across frames
  std::optional<meta::ActionModelInfo> action;  // set for action models
  std::string embedding, window_input, scores;  // action models: value names
  // What the windows are made of: per frame, `frame_feature` (a [1, feature_size] output of the frame
  // engine) goes into the ring, and T of them into `window_input`. The embedding itself, or, when the
  // window input feeds one LSTM directly, that LSTM's input projection: computed once per frame instead of
  // once in every window containing the frame (engine/passes/hoist_lstm_input_projection.h).
  std::string frame_feature;
  int64_t feature_size = 0;
  bool reuses_projections = false;
};

// Throws vigil::Error naming the model file and what is missing or inconsistent.
DetectModel load_detect_model(const std::string& path, const EngineOptions& options);

}  // namespace vigil::cli
