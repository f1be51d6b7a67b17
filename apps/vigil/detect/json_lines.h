// The JSON lines `vigil detect` prints (README.md, "vigil detect output"):
//   {"type":"frame","frame":N,"source":S,"width":W,"height":H,"latency_ms":L,"boxes":[{"class_id":C,
//    "label":S,"score":P,"box":[x1,y1,x2,y2]},...]}             (plain detectors)
//   the same with ,"action":LABEL,"actions":[p0,...,pK-1]} before the closing brace (action models)
//   {"type":"segment","label":S,"label_id":K,"start_frame":A,"end_frame":B,"start_time":T0,"end_time":T1,
//    "confidence":P}
//   {"type":"summary","frames":N,"bad_frames":B,"dropped_frames":D,["segments":S,"window":T,"stride":D,
//    "reuses_projections":true|false,]"fps":F,"latency_ms":{"p50":..,"p90":..,"p99":..}}
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "apps/vigil/detect/detections.h"
#include "apps/vigil/detect/segment_tracker.h"

namespace vigil::cli {

struct FrameInfo {
  int64_t index = 0;
  std::string source;
  int width = 0, height = 0;
  double latency_ms = 0;
};

// Without action probabilities (empty `probs`) the line is a plain detector's.
std::string frame_line(const FrameInfo& f, const std::vector<Box>& boxes, const std::vector<std::string>& class_names,
                       std::span<const double> probs, const std::vector<std::string>& action_labels);

// Times: a segment covering frames A..B spans [A / fps, (B + 1) / fps) seconds.
std::string segment_line(const Segment& s, const std::vector<std::string>& action_labels, double fps);

struct Summary {
  int64_t frames = 0, bad_frames = 0, dropped_frames = 0;
  int64_t segments = -1;  // -1: not an action model: no "segments", "window", "stride", "reuses_projections"
  int64_t window = 0, stride = 0;
  bool reuses_projections = false;
  double seconds = 0;
  std::vector<double> latencies_ms;
};
std::string summary_line(const Summary& s);

// Nearest-rank percentile (0 for an empty list).
double percentile(std::vector<double> values, double p);

}  // namespace vigil::cli
