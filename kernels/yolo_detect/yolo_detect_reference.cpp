#include <algorithm>

#include "kernels/yolo_detect/yolo_detect.h"
#include "kernels/yolo_detect/yolo_detect_common.h"

namespace vigil::kernels {

using yolo_detect_detail::Box, yolo_detect_detail::Candidate;

size_t yolo_detect_workspace_bytes(const YoloDetectParams& p) {
  const auto boxes = static_cast<size_t>(yolo_detect_detail::total_boxes(p));
  return boxes * sizeof(Box) +
         (boxes * static_cast<size_t>(p.num_classes) + static_cast<size_t>(p.max_detections)) * sizeof(Candidate);
}

void yolo_detect_reference(const YoloDetectParams& p, const float* const* heads, float* detections, float* count,
                           void* workspace) {
  const auto [boxes, cands, unused] = yolo_detect_detail::tables(p, workspace);
  const int64_t C = p.num_classes;
  const double threshold = p.score_threshold;

  // Decode every box; keep (box, class) pairs that clear the score threshold.
  int64_t num_cands = 0;
  yolo_detect_detail::for_each_box(p, heads, [&](const yolo_detect_detail::BoxSite& b) {
    boxes[b.number] = yolo_detect_detail::decode_box(p, b);
    const double objectness = yolo_detect_detail::objectness(p, b);
    const yolo_detect_detail::ClassProbabilities probability(p, b);
    for (int64_t c = 0; c < C; ++c) {
      const double score = objectness * probability(c);
      if (score > threshold) cands[num_cands++] = {score, b.number, static_cast<int32_t>(c), false};
    }
  });

  // NMS per class: group by class, best first within a class.
  std::sort(cands, cands + num_cands, [&](const Candidate& x, const Candidate& y) {
    return x.cls != y.cls ? x.cls < y.cls : yolo_detect_detail::before(x, y);
  });
  for (int64_t begin = 0; begin < num_cands;) {
    int64_t end = begin;
    while (end < num_cands && cands[end].cls == cands[begin].cls) ++end;
    for (int64_t k = begin; k < end; ++k) {
      if (cands[k].suppressed) continue;
      for (int64_t q = k + 1; q < end; ++q)
        if (!cands[q].suppressed && yolo_detect_detail::suppresses(p, boxes[cands[k].box], boxes[cands[q].box]))
          cands[q].suppressed = true;
    }
    begin = end;
  }

  // Survivors to the front, best first.
  Candidate* kept_end = std::remove_if(cands, cands + num_cands, [](const Candidate& x) { return x.suppressed; });
  std::sort(cands, kept_end, yolo_detect_detail::before);
  yolo_detect_detail::write_detections(p.max_detections, boxes, cands, kept_end - cands, detections, count);
}

}  // namespace vigil::kernels
