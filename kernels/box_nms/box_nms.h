// Non-maximum suppression over boxes a model has already decoded, as anchor-free and export-decoded
// detectors output them (YOLOv5/YOLOv7: [1, N, 5+C] rows with an objectness; YOLOv8/YOLO11: [1, 4+C, N]
// columns without), into the same detections table as YoloDetect:
//   a box's values are its 4 coordinates (cx, cy, w, h, or x1, y1, x2, y2), then the objectness if there is
//   one, then C class scores, all in network-input pixels and probabilities (no activation is applied);
//   score(c) = objectness * class_score(c), or class_score(c) without an objectness (in double);
//   candidates: (box, c) with score > score_threshold, for every such class (multi_label) or only for the
//   box's best class (the first one on ties), as Ultralytics' non_max_suppression does by default;
//   per-class NMS, output order, rows and count exactly as yolo_detect_reference documents.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil::kernels {

struct BoxNmsParams {
  int64_t num_boxes = 1;
  int64_t num_classes = 1;
  bool columns = false;     // [1, 4+K, N] (value k of box n at k*N + n), else [1, N, 4+K] (at n*(4+K) + k)
  bool objectness = false;  // value 4 is an objectness that multiplies every class score
  bool corners = false;     // coordinates are x1, y1, x2, y2, else cx, cy, w, h
  bool multi_label = false;
  float score_threshold = 0.25f;
  float nms_threshold = 0.45f;
  int64_t max_detections = 100;
  int64_t values_per_box() const { return 4 + (objectness ? 1 : 0) + num_classes; }
};

// Scratch box_nms_reference needs (8-byte aligned): a box and up to C candidates per box, and
// max_detections survivors.
size_t box_nms_workspace_bytes(const BoxNmsParams& p);

// predictions: the [1, N, 4+K] or [1, 4+K, N] tensor. Writes detections [max_detections, 6] rows (x1, y1,
// x2, y2, score, class) and count[0], as yolo_detect_reference does (candidates are numbered by box, then
// class). A NaN score is never a candidate; a box with a NaN coordinate suppresses nothing.
void box_nms_reference(const BoxNmsParams& p, const float* predictions, float* detections, float* count,
                       void* workspace);

}  // namespace vigil::kernels
