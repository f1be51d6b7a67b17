// box_nms: score, then the NMS selection and output rows YoloDetect uses (kernels/yolo_detect's
// select_survivors, which takes candidates best first and stops at max_detections, so even a zero
// threshold over tens of thousands of boxes stays bounded).
#include "kernels/box_nms/box_nms.h"
#include "kernels/yolo_detect/yolo_detect_common.h"

namespace vigil::kernels {

using yolo_detect_detail::Box, yolo_detect_detail::Candidate;

size_t box_nms_workspace_bytes(const BoxNmsParams& p) {
  const auto boxes = static_cast<size_t>(p.num_boxes);
  const size_t per_box = p.multi_label ? static_cast<size_t>(p.num_classes) : 1;
  return boxes * sizeof(Box) + (boxes * per_box + static_cast<size_t>(p.max_detections)) * sizeof(Candidate);
}

void box_nms_reference(const BoxNmsParams& p, const float* predictions, float* detections, float* count,
                       void* workspace) {
  const int64_t N = p.num_boxes, V = p.values_per_box(), C = p.num_classes;
  Box* boxes = static_cast<Box*>(workspace);
  Candidate* cands = reinterpret_cast<Candidate*>(boxes + N);
  Candidate* kept = cands + N * (p.multi_label ? C : 1);
  const double threshold = p.score_threshold;
  const int64_t first_class = p.objectness ? 5 : 4;

  int64_t num_cands = 0;
  for (int64_t n = 0; n < N; ++n) {
    auto value = [&](int64_t k) -> double { return p.columns ? predictions[k * N + n] : predictions[n * V + k]; };
    const double a = value(0), b = value(1), c = value(2), d = value(3);
    boxes[n] = p.corners ? Box{a, b, c, d} : Box{a - c / 2, b - d / 2, a + c / 2, b + d / 2};
    const double objectness = p.objectness ? value(4) : 1.0;
    if (p.multi_label) {
      for (int64_t k = 0; k < C; ++k) {
        const double score = objectness * value(first_class + k);
        if (score > threshold) cands[num_cands++] = {score, n, static_cast<int32_t>(k), false};
      }
      continue;
    }
    int64_t best = -1;
    double best_score = 0.0;
    for (int64_t k = 0; k < C; ++k) {
      const double score = objectness * value(first_class + k);
      if (score > threshold && (best < 0 || score > best_score)) best = k, best_score = score;
    }
    if (best >= 0) cands[num_cands++] = {best_score, n, static_cast<int32_t>(best), false};
  }
  const double nms_threshold = p.nms_threshold;
  const int64_t num_kept = yolo_detect_detail::select_survivors(
      cands, num_cands, p.max_detections, kept, [&](const Candidate& k, const Candidate& x) {
        return yolo_detect_detail::iou(boxes[k.box], boxes[x.box]) > nms_threshold;
      });
  yolo_detect_detail::write_detections(p.max_detections, boxes, kept, num_kept, detections, count);
}

}  // namespace vigil::kernels
