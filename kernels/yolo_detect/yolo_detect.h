// Darknet YOLO decoding and per-class non-maximum suppression: raw (pre-sigmoid) head tensors in, a
// fixed-size table of detections out.
//
// Head h is a [A*(5+C), H, W] tensor (batch 1); channel a*(5+C) + k holds, for anchor a, k = 0: tx,
// 1: ty, 2: tw, 3: th, 4: objectness logit, 5+c: class c logit. For the cell at row i, column j:
//   bx = (j + sigmoid(tx) * s - (s - 1) / 2) / W * input_width        (s = the head's scale_x_y)
//   by = (i + sigmoid(ty) * s - (s - 1) / 2) / H * input_height
//   bw = exp(tw) * anchor_w,   bh = exp(th) * anchor_h                  (anchors in network-input pixels)
//   score(c) = sigmoid(to) * sigmoid(tc);  (box, c, score) is a candidate when score > score_threshold.
// Region decoding (darknet's YOLOv2 [region] layer) differs in two places: anchors are in grid cells, and the
// class probabilities are a softmax over the class logits instead of one sigmoid each:
//   bx = (j + sigmoid(tx)) / W * input_width,   bw = exp(tw) * anchor_w / W * input_width    (same for y, h)
//   score(c) = sigmoid(to) * exp(tc - m) / sum_k exp(tk - m)     (m = the largest class logit of the box)
// NewCoords decoding (darknet's [yolo] with new_coords=1, scaled-YOLOv4 / YOLOv7 ports): the conv before the
// head already applied the logistic, so the head holds activated values, used as they are (no sigmoid, no exp):
//   bx = (j + tx * s - (s - 1) / 2) / W * input_width,   bw = (2 * tw)^2 * anchor_w     (same for y, h)
//   score(c) = to * tc
// Gaussian decoding (darknet's [Gaussian_yolo], Gaussian YOLOv3): 9 + C channels per anchor, k = 0: tx, 1: its
// uncertainty logit ux, 2: ty, 3: uy, 4: tw, 5: uw, 6: th, 7: uh, 8: objectness logit, 9 + c: class c logit:
//   bx, by as in Yolo mode from tx, ty;   bw = exp(tw) * anchor_w, bh = exp(th) * anchor_h
//   score(c) = sigmoid(to) * sigmoid(tc) * (1 - (sigmoid(ux) + sigmoid(uy) + sigmoid(uw) + sigmoid(uh)) / 4)
// NMS kinds: Iou (darknet's do_nms_sort: suppress when IoU > nms_threshold) or Diou (darknet's diounms_sort:
// suppress when IoU - (d / c)^diou_beta > nms_threshold, with d the squared distance between the two box
// centres and c the squared diagonal of the smallest box enclosing both; c = 0 gives plain IoU). Darknet
// computes d / c on boxes relative to the image (x / width, y / height), and so does YoloDetect (relative to
// the input), which matters when the input is not square.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vigil::kernels {

// How boxes and class scores are decoded: darknet's [yolo] layer (YOLOv3/v4) or its [region] layer (YOLOv2).
enum class YoloDecodeMode { Yolo, Region, NewCoords, Gaussian };

// How non-maximum suppression measures overlap (see above).
enum class YoloNmsKind { Iou, Diou };

struct YoloHeadParams {
  int64_t height = 1, width = 1;  // grid size
  std::vector<float> anchors;     // (w, h) pairs, one per anchor of this head: input pixels (Yolo), grid cells (Region)
  float scale_x_y = 1.0f;         // 1 in Region mode
  int64_t num_anchors() const { return static_cast<int64_t>(anchors.size() / 2); }
};

struct YoloDetectParams {
  YoloDecodeMode mode = YoloDecodeMode::Yolo;
  int64_t num_classes = 1;
  std::vector<YoloHeadParams> heads;
  int64_t input_width = 1, input_height = 1;  // network input size in pixels
  float score_threshold = 0.25f;
  float nms_threshold = 0.45f;
  YoloNmsKind nms_kind = YoloNmsKind::Iou;
  float diou_beta = 0.6f;  // Diou only: the exponent of the distance term
  int64_t max_detections = 100;
};

// Channels per anchor in a head: 5 + C, or 9 + C in Gaussian mode (four uncertainties before the objectness).
inline int64_t yolo_entries_per_anchor(const YoloDetectParams& p) {
  return (p.mode == YoloDecodeMode::Gaussian ? 9 : 5) + p.num_classes;
}

// Scratch yolo_detect_reference and yolo_detect_fast need (8-byte aligned): room for every box and every
// possible candidate.
size_t yolo_detect_workspace_bytes(const YoloDetectParams& p);

// heads[h] points at head h's data. Writes detections [max_detections, 6] rows (x1, y1, x2, y2, score,
// class) sorted by score descending (ties: lower candidate index first, candidates being numbered by head,
// row, column, anchor, class), unused rows (0, 0, 0, 0, 0, -1), and count[0] = number of rows used.
// NMS: within each class, candidates are taken by descending score (ties: lower index first) and one is
// dropped when its IoU (or DIoU) with an already kept candidate exceeds nms_threshold.
void yolo_detect_reference(const YoloDetectParams& p, const float* const* heads, float* detections, float* count,
                           void* workspace);

// The same outputs as yolo_detect_reference, bit for bit (same workspace), without scoring the (box, class)
// pairs whose logits alone put them below the threshold, and with NMS stopped at max_detections
// (yolo_detect_fast.cpp says why both are exact).
void yolo_detect_fast(const YoloDetectParams& p, const float* const* heads, float* detections, float* count,
                      void* workspace);

}  // namespace vigil::kernels
