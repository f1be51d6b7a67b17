// What yolo_detect_reference and yolo_detect_fast share, so the fast one gives the same bits: the sigmoid,
// box and IoU formulas (in double), the candidate order, the workspace tables and the output rows.
// Internal to kernels/yolo_detect.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/yolo_detect/yolo_detect.h"

namespace vigil::kernels::yolo_detect_detail {

struct Box {
  double x1, y1, x2, y2;
};

struct Candidate {
  double score;
  int64_t box;  // into the box table; box * num_classes + cls is the candidate's number in decode order
  int32_t cls;
  bool suppressed;
};

double sigmoid(double x);

// Box (a, i, j) of `head`; ch points at its channel 0, channel k at ch[k * plane].
Box decode_box(const YoloDetectParams& p, const YoloHeadParams& head, int64_t i, int64_t j, int64_t a, const float* ch,
               int64_t plane);

double iou(const Box& a, const Box& b);

// The output order: score descending, ties by decode-order number. Boxes are numbered in decode order and
// hold one candidate per class at most, so (box, cls) orders candidates exactly as that number would.
inline bool before(const Candidate& x, const Candidate& y) {
  if (x.score != y.score) return x.score > y.score;
  return x.box != y.box ? x.box < y.box : x.cls < y.cls;
}

int64_t total_boxes(const YoloDetectParams& p);

// The tables in the workspace of yolo_detect_workspace_bytes(p): a box per decode-order number, a candidate
// per (box, class) pair, and max_detections candidates for the fast path's survivors.
struct Tables {
  Box* boxes;
  Candidate* cands;
  Candidate* kept;
};
Tables tables(const YoloDetectParams& p, void* workspace);

// The detections rows from the first min(kept, max_detections) of `best` (in output order), unused rows
// after them, and count, as yolo_detect_reference documents.
void write_detections(const YoloDetectParams& p, const Box* boxes, const Candidate* best, int64_t kept,
                      float* detections, float* count);

}  // namespace vigil::kernels::yolo_detect_detail
