// YoloDetect: decode math on hand-constructed heads (expected boxes worked out in the comments), NMS
// within and across classes, threshold edges, max_detections, two heads of different sizes, a random
// case against an independent greedy implementation, and attribute errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "allocation_counter.h"
#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"

using namespace vigil;

namespace {

constexpr float kNoObject = -30.0f;  // sigmoid(-30) ~ 1e-13: never a candidate

// One raw head tensor [1, A*(5+C), H, W], every objectness logit at kNoObject and everything else 0.
struct Head {
  int64_t anchors, classes, height, width;
  std::vector<float> data;
  Head(int64_t a, int64_t c, int64_t h, int64_t w)
      : anchors(a), classes(c), height(h), width(w), data(static_cast<size_t>(a * (5 + c) * h * w), 0.0f) {
    for (int64_t k = 0; k < a; ++k)
      for (int64_t i = 0; i < h * w; ++i) data[static_cast<size_t>((k * (5 + c) + 4) * h * w + i)] = kNoObject;
  }
  Shape shape() const { return Shape{1, anchors * (5 + classes), height, width}; }
  // channel: 0 tx, 1 ty, 2 tw, 3 th, 4 objectness, 5 + c class c
  float& at(int64_t anchor, int64_t channel, int64_t row, int64_t col) {
    return data[static_cast<size_t>(((anchor * (5 + classes) + channel) * height + row) * width + col)];
  }
};

struct Attrs {
  int64_t num_classes = 1;
  std::vector<float> anchors;
  std::vector<int64_t> masks, per_head;
  int64_t width = 64, height = 64;
  std::vector<float> scales;   // empty: attribute absent
  float score = -1, nms = -1;  // < 0: attribute absent (defaults 0.25 / 0.45)
  int64_t max_detections = 0;  // 0: attribute absent (default 100)
  std::string decode;          // empty: attribute absent (default "yolo")
  Attributes make() const {
    Attributes a;
    if (!decode.empty()) a.set("decode", decode);
    a.set("num_classes", num_classes);
    a.set("anchors", anchors);
    a.set("masks", masks);
    a.set("anchors_per_head", per_head);
    a.set("input_width", width);
    a.set("input_height", height);
    if (!scales.empty()) a.set("scale_x_y", scales);
    if (score >= 0) a.set("score_threshold", score);
    if (nms >= 0) a.set("nms_threshold", nms);
    if (max_detections > 0) a.set("max_detections", max_detections);
    return a;
  }
};

struct Detections {
  std::vector<float> rows;  // [max_detections, 6]
  float count = -1;
  const float* row(size_t r) const { return &rows[r * 6]; }
};

Detections run_yolo(const std::vector<Head>& heads, const Attributes& attrs, bool count_allocations = false) {
  GraphBuilder g;
  std::vector<int> ins;
  for (size_t h = 0; h < heads.size(); ++h)
    ins.push_back(g.input("head" + std::to_string(h), DType::F32, heads[h].shape()));
  std::vector<int> outs = g.node_n(OpType::YoloDetect, "yolo", ins, 2, attrs);
  g.output(outs[0]);
  g.output(outs[1]);
  Engine engine(g.build());
  ExecutionContext ctx(engine);
  for (size_t h = 0; h < heads.size(); ++h) std::copy(heads[h].data.begin(), heads[h].data.end(), ctx.input(h).f32());
  ctx.run();
  if (count_allocations) {
    vigil::test::AllocationCounter counter;
    ctx.run();
    CHECK(counter.count() == 0);
  }
  TensorView det = ctx.output(0);
  Detections d;
  d.rows.assign(det.f32(), det.f32() + det.numel());
  d.count = ctx.output(1).f32()[0];
  CHECK(det.shape.rank == 2);
  CHECK(det.shape[1] == 6);
  CHECK(ctx.output(1).shape == Shape{1});
  return d;
}

void check_row(const float* row, double x1, double y1, double x2, double y2, double score, int cls) {
  CHECK(row[0] == doctest::Approx(x1).epsilon(1e-6));
  CHECK(row[1] == doctest::Approx(y1).epsilon(1e-6));
  CHECK(row[2] == doctest::Approx(x2).epsilon(1e-6));
  CHECK(row[3] == doctest::Approx(y2).epsilon(1e-6));
  CHECK(row[4] == doctest::Approx(score).epsilon(1e-6));
  CHECK(row[5] == static_cast<float>(cls));
}

void check_empty_row(const float* row) {
  for (int k = 0; k < 5; ++k) CHECK(row[k] == 0.0f);
  CHECK(row[5] == -1.0f);
}

std::string build_error(const std::vector<Head>& heads, const Attributes& attrs) {
  try {
    run_yolo(heads, attrs);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Two boxes of one class side by side in a 1x2 grid on a 64x32 input, anchor 96x16 and every offset 0:
// centres x = 0.5/2*64 = 16 and 1.5/2*64 = 48, y = 0.5*32 = 16, so the boxes are [-32,8,64,24] and
// [0,8,96,24]: intersection 64x16 = 1024, union 2*1536 - 1024 = 2048, IoU exactly 0.5.
std::vector<Head> two_overlapping_boxes(int64_t classes, int cls0, int cls1) {
  Head h(1, classes, 1, 2);
  h.at(0, 4, 0, 0) = 2.0f;          // objectness sigmoid(2) = 0.8808
  h.at(0, 4, 0, 1) = 1.0f;          // sigmoid(1) = 0.7311
  h.at(0, 5 + cls0, 0, 0) = 30.0f;  // class probability ~1
  h.at(0, 5 + cls1, 0, 1) = 30.0f;
  for (int64_t c = 0; c < classes; ++c) {
    if (c != cls0) h.at(0, 5 + c, 0, 0) = -30.0f;
    if (c != cls1) h.at(0, 5 + c, 0, 1) = -30.0f;
  }
  return {h};
}

Attrs two_box_attrs(int64_t classes) {
  Attrs a;
  a.num_classes = classes;
  a.anchors = {96, 16};
  a.masks = {0};
  a.per_head = {1};
  a.width = 64;
  a.height = 32;
  return a;
}

double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }

// ---- independent implementation for the random case ------------------------------------------------
struct Cand {
  double x1, y1, x2, y2, score;
  int cls;
  bool alive = true;
};

std::vector<Cand> greedy_reference(const std::vector<Head>& heads, const Attrs& a) {
  std::vector<Cand> all;
  size_t mask_pos = 0;
  for (size_t hi = 0; hi < heads.size(); ++hi) {
    const Head& h = heads[hi];
    const double s = a.scales.empty() ? 1.0 : a.scales[hi];
    std::vector<int64_t> anchor_ids(
        a.masks.begin() + static_cast<long>(mask_pos),
        a.masks.begin() + static_cast<long>(mask_pos + static_cast<size_t>(a.per_head[hi])));
    mask_pos += static_cast<size_t>(a.per_head[hi]);
    Head& mh = const_cast<Head&>(h);
    // Candidate numbering: head, row, column, anchor, class.
    for (int64_t i = 0; i < h.height; ++i)
      for (int64_t j = 0; j < h.width; ++j)
        for (int64_t k = 0; k < h.anchors; ++k) {
          const double cx = a.width * (j + s * sigmoid(mh.at(k, 0, i, j)) - 0.5 * (s - 1)) / h.width;
          const double cy = a.height * (i + s * sigmoid(mh.at(k, 1, i, j)) - 0.5 * (s - 1)) / h.height;
          const double w = a.anchors[static_cast<size_t>(2 * anchor_ids[static_cast<size_t>(k)])] *
                           std::exp(double{mh.at(k, 2, i, j)});
          const double ht = a.anchors[static_cast<size_t>(2 * anchor_ids[static_cast<size_t>(k)] + 1)] *
                            std::exp(double{mh.at(k, 3, i, j)});
          for (int64_t c = 0; c < h.classes; ++c) {
            const double score = sigmoid(mh.at(k, 4, i, j)) * sigmoid(mh.at(k, 5 + c, i, j));
            if (score > a.score)
              all.push_back({cx - w / 2, cy - ht / 2, cx + w / 2, cy + ht / 2, score, static_cast<int>(c)});
          }
        }
  }
  auto overlap = [](const Cand& p, const Cand& q) {
    const double w = std::max(0.0, std::min(p.x2, q.x2) - std::max(p.x1, q.x1));
    const double h = std::max(0.0, std::min(p.y2, q.y2) - std::max(p.y1, q.y1));
    const double inter = w * h;
    return inter / ((p.x2 - p.x1) * (p.y2 - p.y1) + (q.x2 - q.x1) * (q.y2 - q.y1) - inter);
  };
  // Repeatedly take the best remaining candidate of any class and drop its same-class overlaps.
  std::vector<Cand> kept;
  while (true) {
    int best = -1;
    for (size_t q = 0; q < all.size(); ++q)
      if (all[q].alive && (best < 0 || all[q].score > all[static_cast<size_t>(best)].score)) best = static_cast<int>(q);
    if (best < 0) break;
    Cand chosen = all[static_cast<size_t>(best)];
    all[static_cast<size_t>(best)].alive = false;
    kept.push_back(chosen);
    for (auto& other : all)
      if (other.alive && other.cls == chosen.cls && overlap(chosen, other) > a.nms) other.alive = false;
  }
  return kept;
}

}  // namespace

TEST_CASE("YoloDetect decodes a hand-constructed box") {
  // Grid 2x3 on a 96x64 input, one anchor 10x20, two classes. Cell row 1, col 2:
  //   tx = ty = 0 -> sigmoid 0.5: bx = (2 + 0.5) / 3 * 96 = 80, by = (1 + 0.5) / 2 * 64 = 48
  //   tw = ln 2 -> bw = 2 * 10 = 20; th = 0 -> bh = 20
  //   objectness sigmoid(0) = 0.5, class 1 sigmoid(ln 3) = 0.75 -> score 0.375; class 0 is off.
  Head h(1, 2, 2, 3);
  h.at(0, 2, 1, 2) = static_cast<float>(std::log(2.0));
  h.at(0, 4, 1, 2) = 0.0f;
  h.at(0, 5, 1, 2) = kNoObject;
  h.at(0, 6, 1, 2) = static_cast<float>(std::log(3.0));
  Attrs a;
  a.num_classes = 2;
  a.anchors = {10, 20};
  a.masks = {0};
  a.per_head = {1};
  a.width = 96;
  a.height = 64;
  a.max_detections = 3;
  Detections d = run_yolo({h}, a.make());
  CHECK(d.count == 1.0f);
  REQUIRE(d.rows.size() == 18);
  check_row(d.row(0), 70, 38, 90, 58, 0.375, 1);
  check_empty_row(d.row(1));
  check_empty_row(d.row(2));

  // scale_x_y = 2 with tx = ln 3 (sigmoid 0.75) and ty = -ln 3 (sigmoid 0.25):
  //   bx = (2 + 0.75*2 - 0.5) / 3 * 96 = 96,  by = (1 + 0.25*2 - 0.5) / 2 * 64 = 32.
  h.at(0, 0, 1, 2) = static_cast<float>(std::log(3.0));
  h.at(0, 1, 1, 2) = static_cast<float>(-std::log(3.0));
  a.scales = {2.0f};
  d = run_yolo({h}, a.make());
  CHECK(d.count == 1.0f);
  check_row(d.row(0), 86, 22, 106, 42, 0.375, 1);
}

TEST_CASE("YoloDetect decode \"region\": anchors in grid cells, softmax class probabilities") {
  // Grid 2x2 on a 64x64 input, one anchor 1.5 x 0.5 grid cells, three classes. Cell row 1, col 0:
  //   tx = ty = 0: bx = (0 + 0.5) / 2 * 64 = 16, by = (1 + 0.5) / 2 * 64 = 48
  //   tw = th = 0: bw = 1.5 / 2 * 64 = 48, bh = 0.5 / 2 * 64 = 16 -> box [-8, 40, 40, 56]
  //   objectness sigmoid(2); class logits 0, ln 2, ln 5: softmax 1/8, 2/8, 5/8, so only class 2 clears
  //   0.25: score sigmoid(2) * 5/8 = 0.5505.
  Head h(1, 3, 2, 2);
  h.at(0, 4, 1, 0) = 2.0f;
  h.at(0, 5, 1, 0) = 0.0f;
  h.at(0, 6, 1, 0) = static_cast<float>(std::log(2.0));
  h.at(0, 7, 1, 0) = static_cast<float>(std::log(5.0));
  Attrs a;
  a.num_classes = 3;
  a.anchors = {1.5f, 0.5f};
  a.masks = {0};
  a.per_head = {1};
  a.width = 64;
  a.height = 64;
  a.max_detections = 4;
  a.decode = "region";
  Detections d = run_yolo({h}, a.make());
  CHECK(d.count == 1.0f);
  check_row(d.row(0), -8, 40, 40, 56, sigmoid(2.0) * 5.0 / 8.0, 2);
  check_empty_row(d.row(1));

  // The same head decoded the [yolo] way: one sigmoid per class (5/6, 2/3, 1/2 times sigmoid(2), all above
  // 0.25) and the anchor in pixels (1.5 x 0.5 around (16, 48)).
  a.decode = "yolo";
  d = run_yolo({h}, a.make());
  CHECK(d.count == 3.0f);
  check_row(d.row(0), 15.25, 47.75, 16.75, 48.25, sigmoid(2.0) * 5.0 / 6.0, 2);
  check_row(d.row(1), 15.25, 47.75, 16.75, 48.25, sigmoid(2.0) * 2.0 / 3.0, 1);
  check_row(d.row(2), 15.25, 47.75, 16.75, 48.25, sigmoid(2.0) * 0.5, 0);

  // A non-square grid (1 row, 4 columns) on a 128x32 input: widths scale by input_width / W = 32 and heights
  // by input_height / H = 32. Cell col 3, tw = ln 2: bw = 2 * 1.5 * 32 = 96, bh = 0.5 * 32 = 16, centre
  // ((3 + 0.5) / 4 * 128, 0.5 * 32) = (112, 16).
  Head wide(1, 3, 1, 4);
  wide.at(0, 2, 0, 3) = static_cast<float>(std::log(2.0));
  wide.at(0, 4, 0, 3) = 2.0f;
  wide.at(0, 7, 0, 3) = 10.0f;
  a.decode = "region";
  a.width = 128;
  a.height = 32;
  d = run_yolo({wide}, a.make());
  CHECK(d.count == 1.0f);
  const double p2 = std::exp(10.0) / (std::exp(10.0) + 2.0);
  check_row(d.row(0), 64, 8, 160, 24, sigmoid(2.0) * p2, 2);
}

TEST_CASE("YoloDetect NMS within a class: IoU above the threshold suppresses, equal does not") {
  Attrs a = two_box_attrs(1);
  const double s0 = sigmoid(2.0) * sigmoid(30.0), s1 = sigmoid(1.0) * sigmoid(30.0);
  a.nms = 0.5f;  // IoU is exactly 0.5: not above, both stay
  Detections d = run_yolo(two_overlapping_boxes(1, 0, 0), a.make());
  CHECK(d.count == 2.0f);
  check_row(d.row(0), -32, 8, 64, 24, s0, 0);
  check_row(d.row(1), 0, 8, 96, 24, s1, 0);
  a.nms = 0.49f;  // now the weaker box goes
  d = run_yolo(two_overlapping_boxes(1, 0, 0), a.make());
  CHECK(d.count == 1.0f);
  check_row(d.row(0), -32, 8, 64, 24, s0, 0);
  check_empty_row(d.row(1));
  a.nms = -1;  // default 0.45
  CHECK(run_yolo(two_overlapping_boxes(1, 0, 0), a.make()).count == 1.0f);
}

TEST_CASE("YoloDetect NMS never suppresses across classes") {
  Attrs a = two_box_attrs(3);
  a.nms = 0.1f;
  Detections d = run_yolo(two_overlapping_boxes(3, 0, 2), a.make());
  CHECK(d.count == 2.0f);
  check_row(d.row(0), -32, 8, 64, 24, sigmoid(2.0) * sigmoid(30.0), 0);
  check_row(d.row(1), 0, 8, 96, 24, sigmoid(1.0) * sigmoid(30.0), 2);

  // One box scoring above the threshold for two classes is reported once per class.
  Head h(1, 2, 1, 1);
  h.at(0, 4, 0, 0) = 3.0f;
  h.at(0, 5, 0, 0) = 1.0f;
  h.at(0, 6, 0, 0) = 2.0f;
  Attrs one = two_box_attrs(2);
  one.nms = 0.0f;
  d = run_yolo({h}, one.make());
  CHECK(d.count == 2.0f);
  CHECK(d.row(0)[5] == 1.0f);  // class 1 has the higher logit, so it comes first
  CHECK(d.row(1)[5] == 0.0f);
  CHECK(d.row(0)[4] == doctest::Approx(sigmoid(3) * sigmoid(2)).epsilon(1e-6));
  CHECK(d.row(1)[4] == doctest::Approx(sigmoid(3) * sigmoid(1)).epsilon(1e-6));
  for (int k = 0; k < 4; ++k) CHECK(d.row(0)[k] == d.row(1)[k]);
}

TEST_CASE("YoloDetect score threshold is strict") {
  // Objectness and class logits 0: score = 0.5 * 0.5 = 0.25 exactly.
  Head h(1, 1, 1, 1);
  h.at(0, 4, 0, 0) = 0.0f;
  Attrs a = two_box_attrs(1);
  CHECK(run_yolo({h}, a.make()).count == 0.0f);  // default threshold 0.25: equal is not above
  a.score = 0.25f;
  Detections d = run_yolo({h}, a.make());
  CHECK(d.count == 0.0f);
  check_empty_row(d.row(0));
  a.score = 0.2499f;
  d = run_yolo({h}, a.make());
  CHECK(d.count == 1.0f);
  CHECK(d.row(0)[4] == 0.25f);
  a.score = 0.0f;  // every box with any objectness at all
  CHECK(run_yolo({h}, a.make()).count == 1.0f);
}

TEST_CASE("YoloDetect sorts by score and truncates to max_detections") {
  // Four well separated boxes (2x2 grid on 64x64, anchor 8x8) with scores rising by cell.
  Head h(1, 1, 2, 2);
  const float logits[4] = {0.5f, 2.0f, 1.0f, 3.0f};  // cells (0,0), (0,1), (1,0), (1,1)
  for (int c = 0; c < 4; ++c) {
    h.at(0, 4, c / 2, c % 2) = logits[c];
    h.at(0, 5, c / 2, c % 2) = 30.0f;
  }
  Attrs a;
  a.anchors = {8, 8};
  a.masks = {0};
  a.per_head = {1};
  a.max_detections = 2;
  Detections d = run_yolo({h}, a.make());
  CHECK(d.count == 2.0f);
  REQUIRE(d.rows.size() == 12);
  check_row(d.row(0), 44, 44, 52, 52, sigmoid(3.0) * sigmoid(30.0), 0);  // cell (1,1): centre 48,48
  check_row(d.row(1), 44, 12, 52, 20, sigmoid(2.0) * sigmoid(30.0), 0);  // cell (0,1): centre 48,16

  a.max_detections = 6;
  d = run_yolo({h}, a.make());
  CHECK(d.count == 4.0f);
  CHECK(d.row(0)[4] > d.row(1)[4]);
  CHECK(d.row(1)[4] > d.row(2)[4]);
  CHECK(d.row(2)[4] > d.row(3)[4]);
  check_row(d.row(3), 12, 12, 20, 20, sigmoid(0.5) * sigmoid(30.0), 0);
  check_empty_row(d.row(4));
  check_empty_row(d.row(5));
}

TEST_CASE("YoloDetect two heads of different sizes use their own grids and anchors") {
  // anchors 0:(10,14) 1:(23,27) 2:(37,58); head 0 (2x2, 2 anchors) uses masks 1,2; head 1 (4x4, 1 anchor)
  // uses mask 0. Input 128x128.
  Head h0(2, 1, 2, 2), h1(1, 1, 4, 4);
  // Head 0, its anchor 1 = anchor 2 (37x58), cell (0,1): centre ((1+.5)/2*128, (0+.5)/2*128) = (96, 32).
  h0.at(1, 4, 0, 1) = 0.0f;
  h0.at(1, 5, 0, 1) = static_cast<float>(std::log(3.0));  // score 0.5 * 0.75 = 0.375
  // Head 1, anchor 0 = (10,14), cell (3,2): centre ((2+.5)/4*128, (3+.5)/4*128) = (80, 112).
  h1.at(0, 4, 3, 2) = static_cast<float>(std::log(3.0));
  h1.at(0, 5, 3, 2) = static_cast<float>(std::log(3.0));  // score 0.75 * 0.75 = 0.5625
  Attrs a;
  a.anchors = {10, 14, 23, 27, 37, 58};
  a.masks = {1, 2, 0};
  a.per_head = {2, 1};
  a.width = a.height = 128;
  a.scales = {1.0f, 1.0f};
  Detections d = run_yolo({h0, h1}, a.make());
  CHECK(d.count == 2.0f);
  REQUIRE(d.rows.size() == 600);  // default max_detections 100
  check_row(d.row(0), 75, 105, 85, 119, 0.5625, 0);
  check_row(d.row(1), 96 - 18.5, 32 - 29, 96 + 18.5, 32 + 29, 0.375, 0);
  check_empty_row(d.row(2));
  check_empty_row(d.row(99));
}

TEST_CASE("YoloDetect random heads match an independent greedy NMS") {
  std::vector<Head> heads = {Head(2, 3, 3, 4), Head(3, 3, 6, 5)};
  uint32_t s = 12345;
  auto next = [&](float lo, float hi) {
    s = s * 1103515245u + 12345u;
    return lo + (hi - lo) * static_cast<float>((s >> 8) & 0xFFFF) / 65535.0f;
  };
  for (Head& h : heads)
    for (int64_t k = 0; k < h.anchors; ++k)
      for (int64_t i = 0; i < h.height; ++i)
        for (int64_t j = 0; j < h.width; ++j) {
          for (int ch = 0; ch < 4; ++ch) h.at(k, ch, i, j) = next(-1.5f, 1.5f);
          h.at(k, 4, i, j) = next(-3.0f, 3.0f);
          for (int c = 0; c < 3; ++c) h.at(k, 5 + c, i, j) = next(-2.0f, 3.0f);
        }
  Attrs a;
  a.num_classes = 3;
  a.anchors = {12, 16, 19, 36, 40, 28, 36, 75, 76, 55};
  a.masks = {3, 4, 0, 1, 2};
  a.per_head = {2, 3};
  a.width = 160;
  a.height = 192;
  a.scales = {1.05f, 1.2f};
  a.score = 0.3f;
  a.nms = 0.4f;
  a.max_detections = 200;
  std::vector<Cand> want = greedy_reference(heads, a);
  REQUIRE(want.size() > 20);  // the case must exercise NMS, not pass on an empty table
  Detections d = run_yolo(heads, a.make(), /*count_allocations=*/true);
  CHECK(d.count == static_cast<float>(want.size()));
  for (size_t r = 0; r < want.size(); ++r) {
    CAPTURE(r);
    const Cand& w = want[r];
    check_row(d.row(r), w.x1, w.y1, w.x2, w.y2, w.score, w.cls);
  }
  for (size_t r = want.size(); r < 200; ++r) check_empty_row(d.row(r));

  a.max_detections = 5;  // truncation keeps the best five, in order
  d = run_yolo(heads, a.make());
  CHECK(d.count == 5.0f);
  for (size_t r = 0; r < 5; ++r) CHECK(d.row(r)[4] == doctest::Approx(want[r].score).epsilon(1e-6));
}

TEST_CASE("YoloDetect rejects bad attributes and head shapes, naming the node") {
  Head h(2, 2, 3, 3);  // 2 anchors * (5 + 2) = 14 channels
  Attrs a;
  a.num_classes = 2;
  a.anchors = {10, 10, 20, 20};
  a.masks = {0, 1};
  a.per_head = {2};
  CHECK(build_error({h}, a.make()).empty());

  Attrs bad_mask = a;
  bad_mask.masks = {0, 2};
  std::string e = build_error({h}, bad_mask.make());
  CHECK(e.find("YoloDetect 'yolo'") != std::string::npos);
  CHECK(e.find("mask index 2 is out of range") != std::string::npos);

  Attrs bad_classes = a;
  bad_classes.num_classes = 3;  // 2 * (5 + 3) = 16 != 14
  e = build_error({h}, bad_classes.make());
  CHECK(e.find("YoloDetect 'yolo'") != std::string::npos);
  CHECK(e.find("expected 16 channels") != std::string::npos);

  Attrs bad_split = a;
  bad_split.per_head = {1};
  CHECK(build_error({h}, bad_split.make()).find("anchors_per_head sums to 1") != std::string::npos);
  bad_split.per_head = {1, 1};
  CHECK(build_error({h}, bad_split.make()).find("one entry per head") != std::string::npos);

  Attrs odd_anchors = a;
  odd_anchors.anchors = {10, 10, 20};
  CHECK(build_error({h}, odd_anchors.make()).find("(w, h) pairs") != std::string::npos);

  Attrs bad_scale = a;
  bad_scale.scales = {1.0f, 1.0f};
  CHECK(build_error({h}, bad_scale.make()).find("scale_x_y must have one entry per head") != std::string::npos);

  Attrs bad_decode = a;
  bad_decode.decode = "regoin";
  CHECK(build_error({h}, bad_decode.make())
            .find("decode must be \"yolo\", \"region\", \"new_coords\" or \"gaussian\", got \"regoin\"") !=
        std::string::npos);
  Attributes bad_nms = a.make();
  bad_nms.set("nms", std::string("dio"));
  CHECK(build_error({h}, bad_nms).find("nms must be \"iou\" or \"diou\", got \"dio\"") != std::string::npos);
  Attributes beta_without_diou = a.make();
  beta_without_diou.set("diou_beta", 0.5f);
  CHECK(build_error({h}, beta_without_diou).find("diou_beta is only meaningful with nms \"diou\"") !=
        std::string::npos);
  Attributes bad_beta = a.make();
  bad_beta.set("nms", std::string("diou"));
  bad_beta.set("diou_beta", 0.0f);
  CHECK(build_error({h}, bad_beta).find("diou_beta must be finite and > 0, got 0") != std::string::npos);
  Attrs region_scale = a;
  region_scale.decode = "region";
  region_scale.scales = {1.05f};
  CHECK(build_error({h}, region_scale.make()).find("scale_x_y must be 1 with decode \"region\", got 1.05") !=
        std::string::npos);

  Attrs bad_threshold = a;
  bad_threshold.nms = 1.5f;
  CHECK(build_error({h}, bad_threshold.make()).find("nms_threshold must be in [0, 1]") != std::string::npos);

  Attrs bad_size = a;
  bad_size.width = 0;
  CHECK(build_error({h}, bad_size.make()).find("input_width and input_height") != std::string::npos);

  Attributes no_classes = a.make();
  Attributes stripped;
  for (const auto& entry : no_classes.entries())
    if (entry.name != "num_classes") stripped.set(entry.name, entry.value);
  CHECK(build_error({h}, stripped).find("'num_classes' is required") != std::string::npos);

  // Batch 2 is not supported.
  GraphBuilder g;
  int x = g.input("x", DType::F32, {2, 14, 3, 3});
  g.node_n(OpType::YoloDetect, "yolo", {x}, 2, a.make());
  try {
    g.build();
    FAIL("a batch-2 head was accepted");
  } catch (const Error& err) {
    CHECK(std::string(err.what()).find("[1, A*(5+C), H, W]") != std::string::npos);
  }

  // A head of another dtype (an i64 value, which run-time Cast/ArgMax can now produce) is refused.
  GraphBuilder i;
  int xi = i.input("x", DType::I64, h.shape());
  i.node_n(OpType::YoloDetect, "yolo", {xi}, 2, a.make());
  CHECK_THROWS_WITH_AS(i.build(), doctest::Contains("YoloDetect 'yolo': input 0 is i64, expected f32"), Error);
}
