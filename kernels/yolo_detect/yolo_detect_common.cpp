#include "kernels/yolo_detect/yolo_detect_common.h"

#include <algorithm>
#include <cmath>

namespace vigil::kernels::yolo_detect_detail {

double sigmoid(double x) { return x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x)); }

Box decode_box(const YoloDetectParams& p, const BoxSite& b) {
  const int64_t H = b.head.height, W = b.head.width;
  const double s = b.head.scale_x_y;
  if (p.mode == YoloDecodeMode::NewCoords) {  // activated values: darknet's get_yolo_box with new_coords
    const double tx = b.logit(0), ty = b.logit(1), tw = b.logit(2), th = b.logit(3);
    const double bx = (b.j + tx * s - (s - 1) / 2) / W * p.input_width;
    const double by = (b.i + ty * s - (s - 1) / 2) / H * p.input_height;
    const double bw = 4 * tw * tw * b.head.anchors[static_cast<size_t>(2 * b.a)];
    const double bh = 4 * th * th * b.head.anchors[static_cast<size_t>(2 * b.a + 1)];
    return {bx - bw / 2, by - bh / 2, bx + bw / 2, by + bh / 2};
  }
  // Gaussian mode: tx, ty, tw, th are entries 0, 2, 4, 6 (each followed by its uncertainty).
  const int64_t step = p.mode == YoloDecodeMode::Gaussian ? 2 : 1;
  const double bx = (b.j + sigmoid(b.logit(0)) * s - (s - 1) / 2) / W * p.input_width;
  const double by = (b.i + sigmoid(b.logit(step)) * s - (s - 1) / 2) / H * p.input_height;
  double bw = std::exp(static_cast<double>(b.logit(2 * step))) * b.head.anchors[static_cast<size_t>(2 * b.a)];
  double bh = std::exp(static_cast<double>(b.logit(3 * step))) * b.head.anchors[static_cast<size_t>(2 * b.a + 1)];
  if (p.mode == YoloDecodeMode::Region) {  // anchors in grid cells: darknet's get_region_box divides by the grid
    bw = bw / static_cast<double>(W) * static_cast<double>(p.input_width);
    bh = bh / static_cast<double>(H) * static_cast<double>(p.input_height);
  }
  return {bx - bw / 2, by - bh / 2, bx + bw / 2, by + bh / 2};
}

double objectness(const YoloDetectParams& p, const BoxSite& site) {
  return p.mode == YoloDecodeMode::NewCoords ? static_cast<double>(site.objectness_logit())
                                             : sigmoid(site.objectness_logit());
}

ClassProbabilities::ClassProbabilities(const YoloDetectParams& p, const BoxSite& site) : site_(site), mode_(p.mode) {
  if (mode_ == YoloDecodeMode::Gaussian) {
    // darknet's get_gaussian_yolo_detections: (uc[0] + uc[1] + uc[2] + uc[3]) / 4, summed in that order.
    const double mean =
        (((sigmoid(site.logit(1)) + sigmoid(site.logit(3))) + sigmoid(site.logit(5))) + sigmoid(site.logit(7))) / 4.0;
    certainty_ = 1.0 - mean;
    return;
  }
  if (mode_ != YoloDecodeMode::Region) return;
  max_logit_ = -INFINITY;
  for (int64_t c = 0; c < p.num_classes; ++c) max_logit_ = std::max(max_logit_, static_cast<double>(site.class_logit(c)));
  sum_ = 0.0;
  for (int64_t c = 0; c < p.num_classes; ++c) sum_ += std::exp(static_cast<double>(site.class_logit(c)) - max_logit_);
}

double ClassProbabilities::operator()(int64_t c) const {
  const double x = site_.class_logit(c);
  switch (mode_) {
    case YoloDecodeMode::Region: return std::exp(x - max_logit_) / sum_;
    case YoloDecodeMode::NewCoords:
      return x;
    case YoloDecodeMode::Gaussian:
      return sigmoid(x) * certainty_;
    case YoloDecodeMode::Yolo:
      break;
  }
  return sigmoid(x);
}

double iou(const Box& a, const Box& b) {
  const double iw = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
  const double ih = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
  if (iw <= 0 || ih <= 0) return 0.0;
  const double inter = iw * ih;
  const double uni = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return uni > 0 ? inter / uni : 0.0;
}

double diou(const Box& a, const Box& b, double input_width, double input_height, double beta) {
  const double overlap = iou(a, b);
  // The enclosing box's squared diagonal and the squared distance of the centres, in relative coordinates.
  const double cw = (std::max(a.x2, b.x2) - std::min(a.x1, b.x1)) / input_width;
  const double ch = (std::max(a.y2, b.y2) - std::min(a.y1, b.y1)) / input_height;
  const double c = cw * cw + ch * ch;
  if (c == 0) return overlap;
  const double dx = ((a.x1 + a.x2) - (b.x1 + b.x2)) / 2 / input_width;
  const double dy = ((a.y1 + a.y2) - (b.y1 + b.y2)) / 2 / input_height;
  return overlap - std::pow((dx * dx + dy * dy) / c, beta);
}

bool suppresses(const YoloDetectParams& p, const Box& kept, const Box& x) {
  if (p.nms_kind == YoloNmsKind::Diou)
    return diou(kept, x, static_cast<double>(p.input_width), static_cast<double>(p.input_height), p.diou_beta) >
           p.nms_threshold;
  return iou(kept, x) > p.nms_threshold;
}

int64_t total_boxes(const YoloDetectParams& p) {
  int64_t n = 0;
  for (const auto& h : p.heads) n += h.height * h.width * h.num_anchors();
  return n;
}

Tables tables(const YoloDetectParams& p, void* workspace) {
  Box* boxes = static_cast<Box*>(workspace);
  Candidate* cands = reinterpret_cast<Candidate*>(boxes + total_boxes(p));
  return {boxes, cands, cands + total_boxes(p) * p.num_classes};
}

void write_detections(int64_t max_detections, const Box* boxes, const Candidate* best, int64_t kept, float* detections,
                      float* count) {
  kept = std::min<int64_t>(kept, max_detections);
  for (int64_t r = 0; r < max_detections; ++r) {
    float* row = detections + r * 6;
    if (r < kept) {
      const Box& b = boxes[best[r].box];
      row[0] = static_cast<float>(b.x1);
      row[1] = static_cast<float>(b.y1);
      row[2] = static_cast<float>(b.x2);
      row[3] = static_cast<float>(b.y2);
      row[4] = static_cast<float>(best[r].score);
      row[5] = static_cast<float>(best[r].cls);
    } else {
      std::fill(row, row + 5, 0.0f);
      row[5] = -1.0f;
    }
  }
  count[0] = static_cast<float>(kept);
}

}  // namespace vigil::kernels::yolo_detect_detail
