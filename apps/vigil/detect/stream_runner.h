// The processing loop of `vigil detect`: every frame through the frame engine, boxes read back, and for
// action models the per-frame feature (embedding or its LSTM input projection) kept in a ring, the temporal head run
// over windows as window_average.h schedules them, each frame's line printed once its probabilities are final (so lines
// trail the input by up to T frames), segments printed as they close.
#pragma once

#include <string>

#include "apps/vigil/detect/detect_model.h"
#include "apps/vigil/detect/frame_feed.h"
#include "apps/vigil/detect/json_lines.h"
#include "apps/vigil/detect/segment_tracker.h"

namespace vigil::cli {

struct StreamOptions {
  float min_score = 0;   // boxes below are left out
  std::string annotate;  // directory for annotated frames, or empty
  std::string annotate_extension = ".png";  // ".png" or ".jpg": the annotated frames' format
  int64_t stride = 1;    // action models: windows start every `stride` frames (1..T)
  SegmentThresholds thresholds;
  double fps = 30;  // frame rate for segment times
  int threads = 1;
};

// Prints the frame and segment lines on stdout and returns what the summary reports.
Summary run_stream(const DetectModel& model, FrameFeed& feed, const StreamOptions& options);

}  // namespace vigil::cli
