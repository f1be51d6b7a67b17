// yolo_detect_fast against yolo_detect_reference: the same detections and count, bit for bit, on 400 random cases
// (a third of them in Region mode: softmax class probabilities; a sixth in NewCoords mode: activated values;
// a sixth in Gaussian mode: 9 + C channels, uncertainties; half of them with DIoU suppression).
// The cases are built to stress the logit pre-filter: many (box, class) pairs are put within a hair of the score
// threshold (both sides, after rounding to float), objectness logits near logit(threshold), thresholds at 0,
// negative, tiny, near 1, 1 and NaN, and heads holding NaN and inf.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/yolo_detect/yolo_detect.h"

using namespace vigil::kernels;

namespace {

double logit(double q) { return std::log(q) - std::log1p(-q); }

struct Case {
  YoloDetectParams p;
  std::vector<std::vector<float>> heads;
};

Case random_case(std::mt19937& rng, int index) {
  auto uni = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Case k;
  YoloDetectParams& p = k.p;
  p.num_classes = pick(1, 12);
  p.input_width = pick(32, 640), p.input_height = pick(32, 640);
  p.nms_threshold = static_cast<float>(uni(0.2, 0.7));
  p.max_detections = pick(1, 60);
  const float thresholds[] = {0.25f, 0.5f, 0.0f, -0.1f, 1e-12f, 0.9999999f, 1.0f, NAN, 0.05f, 0.7f};
  p.score_threshold = index < 40 ? thresholds[index % 10] : static_cast<float>(uni(0.01, 0.95));
  // Every third case decodes the YOLOv2 way: softmax class probabilities, anchors in grid cells, scale 1.
  const bool region = index % 3 == 2;
  if (region) p.mode = YoloDecodeMode::Region;
  // Every sixth decodes the new_coords way (activated values, mostly in [0, 1], sometimes outside: the op
  // does not know they came from a logistic), and every other case suppresses with DIoU.
  const bool activated = index % 6 == 4;
  if (activated) p.mode = YoloDecodeMode::NewCoords;
  // And every sixth (from 0) the Gaussian YOLOv3 way: 9 + C channels, uncertainties scaling the scores.
  const bool gaussian = index % 6 == 0;
  if (gaussian) p.mode = YoloDecodeMode::Gaussian;
  const int64_t box_entries = gaussian ? 9 : 5;
  if (index % 2 == 1) {
    p.nms_kind = YoloNmsKind::Diou;
    p.diou_beta = static_cast<float>(uni(0.3, 1.5));
  }
  const int num_heads = pick(1, 3);
  for (int h = 0; h < num_heads; ++h) {
    YoloHeadParams head;
    head.height = pick(1, 9), head.width = pick(1, 9);
    const int anchors = pick(1, 3);
    for (int a = 0; a < 2 * anchors; ++a)
      head.anchors.push_back(static_cast<float>(region ? uni(0.5, 12) : uni(4, 120)));
    head.scale_x_y = region ? 1.0f : static_cast<float>(uni(1.0, activated ? 2.0 : 1.2));
    const int64_t plane = head.height * head.width, C = p.num_classes;
    std::vector<float> data(static_cast<size_t>(anchors * (box_entries + C) * plane));
    const double t = p.score_threshold;
    for (int64_t a = 0; a < anchors; ++a)
      for (int64_t cell = 0; cell < plane; ++cell) {
        float* ch = data.data() + a * (box_entries + C) * plane + cell;
        if (activated) {
          for (int c = 0; c < 4; ++c) ch[c * plane] = static_cast<float>(uni(0, 1));
          const bool near = t > 0 && t < 1 && pick(0, 2) == 0;
          const double obj = near ? t + uni(-1e-7, 1e-7) : uni(0, 1);
          ch[4 * plane] = static_cast<float>(obj);
          for (int64_t c = 0; c < C; ++c) {
            double tc = uni(0, 1);
            if (obj > 0 && t / obj < 1 && pick(0, 1) == 0) tc = t / obj + uni(-1e-7, 1e-7);
            ch[(5 + c) * plane] = static_cast<float>(tc);
          }
          if (pick(0, 20) == 0) ch[pick(0, 4 + static_cast<int>(C)) * plane] = static_cast<float>(uni(-2, 3));
          if (pick(0, 60) == 0) ch[pick(0, 4 + static_cast<int>(C)) * plane] = NAN;
          continue;
        }
        for (int c = 0; c < box_entries - 1; ++c) ch[c * plane] = static_cast<float>(uni(-2, 2));
        // Gaussian: mostly small uncertainties (logits well below 0), so that scores still reach the threshold.
        if (gaussian)
          for (int c = 1; c < 8; c += 2) ch[c * plane] = static_cast<float>(uni(-8, 1));
        // objectness: anywhere, or right at logit(t) when that exists
        const bool near = t > 0 && t < 1 && pick(0, 2) == 0;
        double to = near ? logit(t) + uni(-1e-6, 1e-6) : uni(-6, 6);
        float* obj_channel = ch + (box_entries - 1) * plane;
        obj_channel[0] = static_cast<float>(to);
        const double obj = 1.0 / (1.0 + std::exp(-static_cast<double>(obj_channel[0])));
        // Region mode: one class logit well above the others half of the time, so that softmax probabilities
        // reach the threshold, sometimes by a hair (objectness is then what sits near the threshold).
        const int64_t peak = region && pick(0, 1) == 0 ? pick(0, static_cast<int>(C) - 1) : -1;
        for (int64_t c = 0; c < C; ++c) {
          double tc = c == peak ? uni(4, 12) : uni(-8, 6);
          const double q = t / obj;
          if (q > 0 && q < 1 && pick(0, 1) == 0) tc = logit(q) + uni(-1e-5, 1e-5);  // a hair from the threshold
          ch[(box_entries + c) * plane] = static_cast<float>(tc);
        }
        const int last = static_cast<int>(box_entries - 1 + C);
        if (pick(0, 60) == 0) ch[pick(0, last) * plane] = NAN;
        if (pick(0, 60) == 0) ch[pick(0, last) * plane] = pick(0, 1) ? INFINITY : -INFINITY;
      }
    p.heads.push_back(head);
    k.heads.push_back(std::move(data));
  }
  return k;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("yolo_detect_fast gives yolo_detect_reference's bits on 400 random cases near the threshold, all decodings") {
  std::mt19937 rng(2026);
  int64_t detections_seen = 0, cases_with_detections = 0, region_cases_with_detections = 0;
  int64_t activated_cases_with_detections = 0, diou_cases_with_detections = 0, gaussian_cases_with_detections = 0;
  for (int index = 0; index < 400; ++index) {
    const Case k = random_case(rng, index);
    std::vector<const float*> heads;
    for (const auto& h : k.heads) heads.push_back(h.data());
    std::vector<unsigned char> ws(yolo_detect_workspace_bytes(k.p) + 16);
    std::vector<float> want(static_cast<size_t>(k.p.max_detections * 6), -7.0f), want_count(1, -7.0f);
    std::vector<float> got(want.size(), 5.0f), got_count(1, 5.0f);
    yolo_detect_reference(k.p, heads.data(), want.data(), want_count.data(), ws.data());
    yolo_detect_fast(k.p, heads.data(), got.data(), got_count.data(), ws.data());
    CAPTURE(index);
    CAPTURE(k.p.score_threshold);
    CHECK(same_bits(got, want));
    CHECK(same_bits(got_count, want_count));
    detections_seen += static_cast<int64_t>(want_count[0]);
    cases_with_detections += want_count[0] > 0;
    region_cases_with_detections += k.p.mode == YoloDecodeMode::Region && want_count[0] > 0;
    activated_cases_with_detections += k.p.mode == YoloDecodeMode::NewCoords && want_count[0] > 0;
    diou_cases_with_detections += k.p.nms_kind == YoloNmsKind::Diou && want_count[0] > 0;
    gaussian_cases_with_detections += k.p.mode == YoloDecodeMode::Gaussian && want_count[0] > 0;
  }
  // The comparison means something only if most cases detect something, in both modes.
  CHECK(cases_with_detections > 250);
  CHECK(region_cases_with_detections > 80);
  CHECK(activated_cases_with_detections > 40);
  CHECK(diou_cases_with_detections > 120);
  CHECK(gaussian_cases_with_detections > 40);
  MESSAGE("yolo_detect_fast: " << detections_seen << " detections over " << cases_with_detections << " cases");
}
