#include "apps/vigil/detect/json_lines.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "apps/vigil/json.h"
#include "engine/error.h"

namespace vigil::cli {

namespace {

// 17 significant digits read back as the same double: a comparison tool recomputing top-1 from these sees
// exactly the order vigil saw, even between two labels closer than float precision.
std::string prob_text(double p) {
  if (!std::isfinite(p)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", p);
  return buf;
}

}  // namespace

std::string frame_line(const FrameInfo& f, const std::vector<Box>& boxes, const std::vector<std::string>& class_names,
                       std::span<const double> probs, const std::vector<std::string>& action_labels) {
  std::string line =
      concat("{\"type\":\"frame\",\"frame\":", f.index, ",\"source\":", json_string(f.source), ",\"width\":", f.width,
             ",\"height\":", f.height, ",\"latency_ms\":", json_number(f.latency_ms), ",\"boxes\":[");
  for (size_t i = 0; i < boxes.size(); ++i) {
    const Box& d = boxes[i];
    line += concat(i ? "," : "", "{\"class_id\":", d.cls, ",\"label\":", json_string(class_label(class_names, d.cls)),
                   ",\"score\":", json_number(d.score, 4), ",\"box\":[", json_number(d.x1, 1), ",",
                   json_number(d.y1, 1), ",", json_number(d.x2, 1), ",", json_number(d.y2, 1), "]}");
  }
  line += "]";
  if (!probs.empty()) {
    const int64_t best = top1(probs);
    line += concat(",\"action\":", json_string(action_labels[static_cast<size_t>(best)]), ",\"actions\":[");
    for (size_t k = 0; k < probs.size(); ++k) line += concat(k ? "," : "", prob_text(probs[k]));
    line += "]";
  }
  return line + "}";
}

std::string segment_line(const Segment& s, const std::vector<std::string>& action_labels, double fps) {
  return concat("{\"type\":\"segment\",\"label\":", json_string(action_labels[static_cast<size_t>(s.label)]),
                ",\"label_id\":", s.label, ",\"start_frame\":", s.start_frame, ",\"end_frame\":", s.end_frame,
                ",\"start_time\":", json_number(static_cast<double>(s.start_frame) / fps),
                ",\"end_time\":", json_number(static_cast<double>(s.end_frame + 1) / fps),
                ",\"confidence\":", json_number(s.confidence, 4), "}");
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double rank = std::ceil(p / 100.0 * static_cast<double>(v.size())) - 1;
  return v[static_cast<size_t>(std::clamp(rank, 0.0, static_cast<double>(v.size() - 1)))];
}

std::string summary_line(const Summary& s) {
  const double fps = s.seconds > 0 ? static_cast<double>(s.frames) / s.seconds : 0.0;
  return concat(
      "{\"type\":\"summary\",\"frames\":", s.frames, ",\"bad_frames\":", s.bad_frames,
      ",\"dropped_frames\":", s.dropped_frames,
      s.segments >= 0 ? concat(",\"segments\":", s.segments, ",\"window\":", s.window, ",\"stride\":", s.stride,
                               ",\"reuses_projections\":", s.reuses_projections ? "true" : "false")
                      : std::string(),
      ",\"fps\":", json_number(fps, 2), ",\"latency_ms\":{\"p50\":", json_number(percentile(s.latencies_ms, 50)),
      ",\"p90\":", json_number(percentile(s.latencies_ms, 90)),
      ",\"p99\":", json_number(percentile(s.latencies_ms, 99)), "}}");
}

}  // namespace vigil::cli
