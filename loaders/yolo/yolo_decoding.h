// Decoding detector outputs into boxes. Raw YOLO head outputs: the YoloDetect node both importers append
// (the darknet importer from its [yolo] layers, `vigil convert --yolo-heads` from metadata), built in one
// place so the two paths cannot drift apart. Boxes the model decoded itself (YOLOv5/v8-style exports): the
// BoxNms node `vigil convert --decoded-boxes` appends.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/graph.h"

namespace vigil {

struct YoloDecoding {
  // YoloDetect's decode: "yolo" ([yolo] layers), "region" (YOLOv2 [region]) or "new_coords" ([yolo] with
  // new_coords=1: heads hold activated values)
  std::string decode = "yolo";
  std::string nms = "iou";  // YoloDetect's nms: "iou" or "diou" (darknet's greedynms / diounms)
  float diou_beta = 0.6f;
  int64_t num_classes = 0;
  std::vector<float> anchors;             // (w, h) pairs: input pixels ("yolo"), grid cells ("region")
  std::vector<int64_t> masks;             // anchor indices of each head, concatenated
  std::vector<int64_t> anchors_per_head;  // entries of `masks` per head
  int64_t input_width = 0, input_height = 0;
  std::vector<float> scale_x_y;  // one per head
  float score_threshold = 0.25f;
  float nms_threshold = 0.45f;
  int64_t max_detections = 100;
};

// Writes the decoding into the metadata keys of docs/FORMAT.md (yolo_heads, yolo_num_classes, yolo_anchors,
// yolo_masks, yolo_anchors_per_head, yolo_scale_x_y; yolo_decode only when it is not "yolo", yolo_nms and
// yolo_diou_beta only when nms is "diou", so that models decoded the plain [yolo] way keep exactly the keys
// they always had).
void record_yolo_metadata(Metadata& m, const std::vector<std::string>& head_names, const YoloDecoding& d);

// Appends a YoloDetect node "yolo_detect" reading `heads` (value ids, in head order) and makes its outputs
// "detections" [max_detections, 6] and "detection_count" [1] graph outputs. Does not validate: the op's
// own checks run in the next validate_and_infer. Throws if those output names are taken.
void append_yolo_detect(Graph& g, const std::vector<int>& heads, const YoloDecoding& d);

// Adds the graph outputs "detections" and "detection_count" (values without a producer yet) and returns
// their ids, for a detection node that writes them (YoloDetect, BoxNms). Throws if the names are taken.
std::vector<int> add_detection_outputs(Graph& g);

// The decoding that `vigil convert --yolo-heads` attaches to an imported model's raw heads, from its
// metadata: yolo_anchors, yolo_masks, yolo_anchors_per_head and input_size are required; the class count
// is yolo_num_classes, else the number of class_names; yolo_scale_x_y (default 1 per head),
// yolo_score_threshold, yolo_nms_threshold, yolo_max_detections, yolo_decode, yolo_nms and yolo_diou_beta
// are optional (YoloDetect's defaults).
// Throws Error naming the missing key.
YoloDecoding yolo_decoding_from_metadata(const Metadata& m, size_t num_heads);

// NMS over decoded boxes (BoxNms). "yolov5": [1, N, 5+C] rows of cx, cy, w, h, objectness, class scores;
// "yolov8": [1, 4+C, N] columns of cx, cy, w, h, class scores. The defaults are Ultralytics' predict
// defaults for each (score 0.25; IoU 0.45 and 1000 boxes for yolov5, 0.7 and 300 for yolov8).
struct BoxNmsDecoding {
  std::string format;  // "yolov5" or "yolov8"
  int64_t num_classes = 0;
  bool multi_label = false;
  float score_threshold = 0.25f;
  float nms_threshold = 0.45f;
  int64_t max_detections = 1000;
};

// From the metadata: boxes_format and input_size are required; the class count is yolo_num_classes, else
// the number of class_names; boxes_multi_label, yolo_score_threshold, yolo_nms_threshold and
// yolo_max_detections override the format's defaults. Throws Error naming the missing key.
BoxNmsDecoding box_nms_decoding_from_metadata(const Metadata& m);

// Appends a BoxNms node "box_nms" reading `predictions` with outputs "detections" and "detection_count"
// (graph outputs) and records boxes_output, boxes_format and yolo_num_classes. Does not validate.
void append_box_nms(Graph& g, int predictions, const BoxNmsDecoding& d);

}  // namespace vigil
