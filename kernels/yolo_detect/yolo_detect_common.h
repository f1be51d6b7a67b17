// What yolo_detect_reference and yolo_detect_fast share, so the fast one gives the same bits: the sigmoid,
// box and IoU formulas (in double), the candidate order, the workspace tables and the output rows. The
// candidate order, NMS selection and output rows are also box_nms's (kernels/box_nms), so both detection
// ops fill the same table the same way.
#pragma once

#include <algorithm>
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

// One box of the decode order: anchor a of the cell at row i, column j of `head`; its channel k is at
// ch[k * plane]; `number` counts boxes over all heads in decode order (head, row, column, anchor).
struct BoxSite {
  const YoloHeadParams& head;
  int64_t i, j, a;
  const float* ch;
  int64_t plane, number;
  int64_t objectness_entry;  // 4, or 8 in Gaussian mode; the classes follow it
  float logit(int64_t k) const { return ch[k * plane]; }
  float objectness_logit() const { return logit(objectness_entry); }
  float class_logit(int64_t c) const { return logit(objectness_entry + 1 + c); }
};

// fn(BoxSite) for every box, in decode order.
template <class Fn>
void for_each_box(const YoloDetectParams& p, const float* const* heads, Fn&& fn) {
  const int64_t entries = yolo_entries_per_anchor(p), objectness_entry = entries - p.num_classes - 1;
  int64_t number = 0;
  for (size_t hi = 0; hi < p.heads.size(); ++hi) {
    const YoloHeadParams& head = p.heads[hi];
    const int64_t H = head.height, W = head.width, plane = H * W;
    for (int64_t i = 0; i < H; ++i)
      for (int64_t j = 0; j < W; ++j)
        for (int64_t a = 0; a < head.num_anchors(); ++a)
          fn(BoxSite{head, i, j, a, heads[hi] + a * entries * plane + i * W + j, plane, number++, objectness_entry});
  }
}

Box decode_box(const YoloDetectParams& p, const BoxSite& site);

// The box's objectness: sigmoid(to), or to itself in NewCoords mode (already activated).
double objectness(const YoloDetectParams& p, const BoxSite& site);

// The class probabilities of one box: the sigmoid of each class logit (Yolo mode), the value itself
// (NewCoords mode: already activated) or a softmax over the box's class logits (Region mode; the largest logit and the
// sum of exponentials are computed once, in double, in class order). Each probability is <= 1 exactly (the sum includes
// the class's own term and rounding is monotonic), so score = objectness * probability <= objectness. Both kernels
// score through this, which is what keeps their bits equal. A NaN or +inf class logit makes every softmax probability
// NaN (never a candidate).
class ClassProbabilities {
 public:
  ClassProbabilities(const YoloDetectParams& p, const BoxSite& site);
  double operator()(int64_t c) const;

 private:
  const BoxSite& site_;
  YoloDecodeMode mode_;
  double max_logit_ = 0.0, sum_ = 1.0;
  double certainty_ = 1.0;  // Gaussian mode: 1 - the mean of the four sigmoid uncertainties
};

double iou(const Box& a, const Box& b);

// DIoU as darknet's box_diounms computes it: iou - (d / c)^beta, d and c measured on the boxes scaled by
// 1 / input_width horizontally and 1 / input_height vertically (darknet's relative coordinates).
double diou(const Box& a, const Box& b, double input_width, double input_height, double beta);

// Whether `kept` (a better candidate of the same class that survived) suppresses `x`: IoU or DIoU above
// nms_threshold, per p.nms_kind.
bool suppresses(const YoloDetectParams& p, const Box& kept, const Box& x);

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

// Per-class NMS by taking candidates best first: a candidate x survives iff no better survivor k of its class
// has suppresses(k, x) (IoU or DIoU above the threshold), which is exactly what comparing every pair of a
// class in score order keeps. Pops `cands` (reordered as a heap) only until max_detections survive, each checked
// against the survivors so far; writes the survivors to `kept` in output order and returns how many.
template <class Suppresses>
int64_t select_survivors(Candidate* cands, int64_t num_cands, int64_t max_detections, Candidate* kept,
                         Suppresses&& suppresses) {
  // std::*_heap keep the largest on top: "larger" is "later in output order", so the best is on top.
  auto after = [](const Candidate& x, const Candidate& y) { return before(y, x); };
  std::make_heap(cands, cands + num_cands, after);
  int64_t num_kept = 0;
  for (Candidate* end = cands + num_cands; end != cands && num_kept < max_detections; --end) {
    std::pop_heap(cands, end, after);
    const Candidate& x = end[-1];
    bool survives = true;
    for (int64_t k = 0; k < num_kept && survives; ++k) survives = kept[k].cls != x.cls || !suppresses(kept[k], x);
    if (survives) kept[num_kept++] = x;
  }
  return num_kept;
}

// The detections rows from the first min(kept, max_detections) of `best` (in output order), unused rows
// after them, and count, as yolo_detect_reference documents.
void write_detections(int64_t max_detections, const Box* boxes, const Candidate* best, int64_t kept, float* detections,
                      float* count);

}  // namespace vigil::kernels::yolo_detect_detail
