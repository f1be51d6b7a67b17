#include <algorithm>
#include <cmath>

#include "kernels/yolo_detect/yolo_detect.h"

namespace vigil::kernels {

namespace {

double sigmoid(double x) { return x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x)); }

struct Box {
  double x1, y1, x2, y2;
};

struct Candidate {
  double score;
  int64_t box;  // into the box table; box * num_classes + cls is the candidate's number in decode order
  int32_t cls;
  bool suppressed;
};

double iou(const Box& a, const Box& b) {
  const double iw = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
  const double ih = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
  if (iw <= 0 || ih <= 0) return 0.0;
  const double inter = iw * ih;
  const double uni = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return uni > 0 ? inter / uni : 0.0;
}

int64_t total_boxes(const YoloDetectParams& p) {
  int64_t n = 0;
  for (const auto& h : p.heads) n += h.height * h.width * h.num_anchors();
  return n;
}

}  // namespace

size_t yolo_detect_workspace_bytes(const YoloDetectParams& p) {
  const auto boxes = static_cast<size_t>(total_boxes(p));
  return boxes * sizeof(Box) + boxes * static_cast<size_t>(p.num_classes) * sizeof(Candidate);
}

void yolo_detect_reference(const YoloDetectParams& p, const float* const* heads, float* detections, float* count,
                           void* workspace) {
  Box* boxes = static_cast<Box*>(workspace);
  Candidate* cands = reinterpret_cast<Candidate*>(boxes + total_boxes(p));
  const int64_t C = p.num_classes;
  const double threshold = p.score_threshold;

  // Decode every box; keep (box, class) pairs that clear the score threshold.
  int64_t num_boxes = 0, num_cands = 0;
  for (size_t hi = 0; hi < p.heads.size(); ++hi) {
    const YoloHeadParams& head = p.heads[hi];
    const int64_t H = head.height, W = head.width, plane = H * W;
    const double s = head.scale_x_y;
    const float* data = heads[hi];
    for (int64_t i = 0; i < H; ++i)
      for (int64_t j = 0; j < W; ++j)
        for (int64_t a = 0; a < head.num_anchors(); ++a) {
          const float* ch = data + a * (5 + C) * plane + i * W + j;  // channel k of this anchor: ch[k * plane]
          const double bx = (j + sigmoid(ch[0]) * s - (s - 1) / 2) / W * p.input_width;
          const double by = (i + sigmoid(ch[plane]) * s - (s - 1) / 2) / H * p.input_height;
          const double bw = std::exp(static_cast<double>(ch[2 * plane])) * head.anchors[static_cast<size_t>(2 * a)];
          const double bh = std::exp(static_cast<double>(ch[3 * plane])) * head.anchors[static_cast<size_t>(2 * a + 1)];
          const double objectness = sigmoid(ch[4 * plane]);
          boxes[num_boxes] = {bx - bw / 2, by - bh / 2, bx + bw / 2, by + bh / 2};
          for (int64_t c = 0; c < C; ++c) {
            const double score = objectness * sigmoid(ch[(5 + c) * plane]);
            if (score > threshold) cands[num_cands++] = {score, num_boxes, static_cast<int32_t>(c), false};
          }
          ++num_boxes;
        }
  }

  // NMS per class: group by class, best first within a class.
  // Boxes are numbered in decode order and hold one candidate per class at most, so (box, cls) orders
  // candidates exactly as their decode-order number would.
  auto before_on_tie = [](const Candidate& x, const Candidate& y) {
    return x.box != y.box ? x.box < y.box : x.cls < y.cls;
  };
  std::sort(cands, cands + num_cands, [&](const Candidate& x, const Candidate& y) {
    if (x.cls != y.cls) return x.cls < y.cls;
    if (x.score != y.score) return x.score > y.score;
    return before_on_tie(x, y);
  });
  for (int64_t begin = 0; begin < num_cands;) {
    int64_t end = begin;
    while (end < num_cands && cands[end].cls == cands[begin].cls) ++end;
    for (int64_t k = begin; k < end; ++k) {
      if (cands[k].suppressed) continue;
      for (int64_t q = k + 1; q < end; ++q)
        if (!cands[q].suppressed && iou(boxes[cands[k].box], boxes[cands[q].box]) > p.nms_threshold)
          cands[q].suppressed = true;
    }
    begin = end;
  }

  // Survivors to the front, best first.
  Candidate* kept_end = std::remove_if(cands, cands + num_cands, [](const Candidate& x) { return x.suppressed; });
  std::sort(cands, kept_end, [&](const Candidate& x, const Candidate& y) {
    if (x.score != y.score) return x.score > y.score;
    return before_on_tie(x, y);
  });
  const int64_t kept = std::min<int64_t>(kept_end - cands, p.max_detections);
  for (int64_t r = 0; r < p.max_detections; ++r) {
    float* row = detections + r * 6;
    if (r < kept) {
      const Box& b = boxes[cands[r].box];
      row[0] = static_cast<float>(b.x1);
      row[1] = static_cast<float>(b.y1);
      row[2] = static_cast<float>(b.x2);
      row[3] = static_cast<float>(b.y2);
      row[4] = static_cast<float>(cands[r].score);
      row[5] = static_cast<float>(cands[r].cls);
    } else {
      std::fill(row, row + 5, 0.0f);
      row[5] = -1.0f;
    }
  }
  count[0] = static_cast<float>(kept);
}

}  // namespace vigil::kernels
