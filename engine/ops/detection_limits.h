// The attributes YoloDetect and BoxNms share: which candidates count and how many rows the table has.
#pragma once

#include <cstdint>

#include "engine/error.h"
#include "engine/op_def.h"

namespace vigil::ops {

struct DetectionLimits {
  float score_threshold = 0.25f;
  float nms_threshold = 0.45f;
  int64_t max_detections = 100;
};

// score_threshold (def 0.25) and nms_threshold (def 0.45) in [0, 1], max_detections (def 100) in 1..2^24.
inline DetectionLimits detection_limits(const Node& node) {
  const std::string who = node.label();
  DetectionLimits d;
  d.score_threshold = node.attrs.get_float("score_threshold", d.score_threshold, who);
  d.nms_threshold = node.attrs.get_float("nms_threshold", d.nms_threshold, who);
  if (!(d.score_threshold >= 0.0f && d.score_threshold <= 1.0f))
    fail_node(node, concat("score_threshold must be in [0, 1], got ", d.score_threshold));
  if (!(d.nms_threshold >= 0.0f && d.nms_threshold <= 1.0f))
    fail_node(node, concat("nms_threshold must be in [0, 1], got ", d.nms_threshold));
  d.max_detections = node.attrs.get_int("max_detections", d.max_detections, who);
  if (d.max_detections < 1 || d.max_detections > (int64_t{1} << 24))
    fail_node(node, concat("max_detections must be in 1..2^24, got ", d.max_detections));
  return d;
}

}  // namespace vigil::ops
