// yolo_detect_fast: yolo_detect_reference's results, bit for bit, without its cost. The reference takes two
// double exps for every (box, class) pair (77k for an 80-class detector with 960 boxes) and compares every
// pair of candidates of a class in NMS. Two exact shortcuts:
// - Decoding: almost all pairs are far below the threshold, and that is decidable from the raw logits:
//   score = sigmoid(to) * sigmoid(tc) > t needs sigmoid(to) > t and tc > logit(t / sigmoid(to)). Pairs that
//   clearly fail these (with a margin that covers every rounding of the reference's double arithmetic) are
//   skipped; every other pair is scored exactly as the reference scores it, and boxes are decoded (same
//   formula) only when they have a candidate.
//   In Region mode (softmax class probabilities, which are <= 1 too) only the objectness test applies.
// - Selection: a candidate survives per-class NMS iff no better candidate of its class that survived
//   overlaps it by more than the NMS threshold. So taking the candidates best first (a heap, popped only as
//   far as needed), each checked against the survivors so far, gives the reference's survivors in its
//   output order, and can stop at max_detections: at most max_detections IoUs per candidate taken, instead
//   of every pair of a class.
#include <algorithm>
#include <cmath>

#include "kernels/yolo_detect/yolo_detect.h"
#include "kernels/yolo_detect/yolo_detect_common.h"

namespace vigil::kernels {

namespace {

using yolo_detect_detail::Candidate, yolo_detect_detail::sigmoid;

// Logits below the returned bound have sigmoid(x) < q by a gap far above the reference's rounding (its
// sigmoid and product are good to ~1e-15 relative): the bound is logit(q) lowered by 1e-3, which lowers
// sigmoid by at least 1e-3 * q * (1 - q) / 2 >= 5e-13 given q * (1 - q) >= 1e-9. Outside that range, or for
// q not in (0, 1), no bound (-inf): every logit is scored exactly.
double reject_below(double q) {
  if (!(q > 0.0 && q < 1.0) || q * (1.0 - q) < 1e-9) return -INFINITY;
  return std::log(q) - std::log1p(-q) - 1e-3;
}

}  // namespace

void yolo_detect_fast(const YoloDetectParams& p, const float* const* heads, float* detections, float* count,
                      void* workspace) {
  const auto [boxes, cands, kept] = yolo_detect_detail::tables(p, workspace);
  const int64_t C = p.num_classes;
  const double threshold = p.score_threshold;
  // score <= sigmoid(to) (sigmoid <= 1, and rounding is monotonic), so objectness <= t rules out every class
  // of the box: logits below this bound have sigmoid(to) < t.
  const double objectness_bound = reject_below(threshold);

  int64_t num_cands = 0;
  // NewCoords mode: the head holds activated values and a score is one product, nothing to save by bounds
  // (which would assume values in [0, 1], true of a logistic's output but not of any tensor): every pair is
  // scored exactly.
  const bool activated = p.mode == YoloDecodeMode::NewCoords;
  yolo_detect_detail::for_each_box(p, heads, [&](const yolo_detect_detail::BoxSite& b) {
    if (!activated && static_cast<double>(b.objectness_logit()) < objectness_bound) return;
    const double objectness = yolo_detect_detail::objectness(p, b);
    // With t >= 0 and objectness <= t no class passes (the reference finds none); a negative or NaN
    // threshold falls through to the exact scores.
    if (!activated && threshold >= 0.0 && !(objectness > threshold)) return;
    // Gaussian mode: the certainty factor is in [0, 1], so score <= sigmoid(to) * sigmoid(tc) still holds and
    // both bounds stay exact. Region mode: a softmax probability is not decidable from its own logit; every class of a
    // box that passed the objectness test is scored exactly (still skipping the bulk: boxes without an object).
    const bool softmax = p.mode == YoloDecodeMode::Region;
    const double class_bound = softmax || activated ? -INFINITY : reject_below(threshold / objectness);
    const yolo_detect_detail::ClassProbabilities probability(p, b);
    bool decoded = false;
    for (int64_t c = 0; c < C; ++c) {
      if (static_cast<double>(b.class_logit(c)) < class_bound) continue;
      const double score = objectness * probability(c);
      if (!(score > threshold)) continue;
      if (!decoded) boxes[b.number] = yolo_detect_detail::decode_box(p, b);
      decoded = true;
      cands[num_cands++] = {score, b.number, static_cast<int32_t>(c), false};
    }
  });

  const int64_t num_kept = yolo_detect_detail::select_survivors(
      cands, num_cands, p.max_detections, kept,
      [&](const Candidate& k, const Candidate& x) { return yolo_detect_detail::suppresses(p, boxes[k.box], boxes[x.box]); });
  yolo_detect_detail::write_detections(p.max_detections, boxes, kept, num_kept, detections, count);
}

}  // namespace vigil::kernels
