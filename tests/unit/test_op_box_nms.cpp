// BoxNms: scores, best-class and multi-label candidates, both layouts and box formats on hand-built
// predictions, NMS edges, truncation, random predictions against an independent all-pairs greedy NMS, and
// attribute and shape errors naming the node.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "allocation_counter.h"
#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"

using namespace vigil;

namespace {

struct Config {
  int64_t classes = 2;
  bool columns = false, objectness = false, xyxy = false, multi_label = false;
  float score = 0.25f, nms = 0.45f;
  int64_t max_detections = 20;
  Attributes make() const {
    Attributes a;
    a.set("num_classes", classes);
    a.set("layout", std::string(columns ? "columns" : "rows"));
    a.set("objectness", int64_t{objectness});
    if (xyxy) a.set("box_format", std::string("xyxy"));
    a.set("multi_label", int64_t{multi_label});
    a.set("score_threshold", score);
    a.set("nms_threshold", nms);
    a.set("max_detections", max_detections);
    return a;
  }
  int64_t values() const { return 4 + (objectness ? 1 : 0) + classes; }
};

// Boxes as rows of values (coordinates, [objectness], class scores), laid out as the config says.
std::vector<float> lay_out(const Config& c, const std::vector<std::vector<float>>& boxes) {
  const auto n = static_cast<int64_t>(boxes.size());
  std::vector<float> data(static_cast<size_t>(n * c.values()));
  for (int64_t b = 0; b < n; ++b)
    for (int64_t k = 0; k < c.values(); ++k)
      data[static_cast<size_t>(c.columns ? k * n + b : b * c.values() + k)] =
          boxes[static_cast<size_t>(b)][static_cast<size_t>(k)];
  return data;
}

struct Detections {
  std::vector<float> rows;
  float count = -1;
  const float* row(size_t r) const { return &rows[r * 6]; }
};

Graph graph_for(const Config& c, const Shape& shape, const Attributes& attrs) {
  GraphBuilder g;
  const int x = g.input("predictions", DType::F32, shape);
  std::vector<int> outs = g.node_n(OpType::BoxNms, "nms", {x}, 2, attrs);
  g.output(outs[0]);
  g.output(outs[1]);
  (void)c;
  return g.build();
}

Detections run_nms(const Config& c, const std::vector<std::vector<float>>& boxes) {
  const auto n = static_cast<int64_t>(boxes.size());
  const Shape shape = c.columns ? Shape{1, c.values(), n} : Shape{1, n, c.values()};
  Engine engine(graph_for(c, shape, c.make()));
  ExecutionContext ctx(engine);
  const std::vector<float> data = lay_out(c, boxes);
  std::copy(data.begin(), data.end(), ctx.input(0).f32());
  ctx.run();
  {
    vigil::test::AllocationCounter counter;
    ctx.run();
    CHECK(counter.count() == 0);
  }
  Detections d;
  d.rows.assign(ctx.output(0).f32(), ctx.output(0).f32() + ctx.output(0).numel());
  d.count = ctx.output(1).f32()[0];
  return d;
}

void check_row(const float* row, float x1, float y1, float x2, float y2, double score, int cls) {
  CHECK(row[0] == x1);
  CHECK(row[1] == y1);
  CHECK(row[2] == x2);
  CHECK(row[3] == y2);
  CHECK(row[4] == static_cast<float>(score));  // the double score, rounded once
  CHECK(row[5] == static_cast<float>(cls));
}

// A score as the kernel forms it: the product of the two f32 inputs in double.
double times(float a, float b) { return static_cast<double>(a) * static_cast<double>(b); }

std::string build_error(const Shape& shape, const Attributes& attrs) {
  try {
    Engine engine(graph_for(Config{}, shape, attrs));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// The obvious greedy NMS, written without the kernel's heap: every candidate of a class against every
// better one that survived, in score order; then all survivors sorted by (score desc, box, class).
struct Cand {
  double score;
  int64_t box;
  int cls;
  double x1, y1, x2, y2;
};

double overlap(const Cand& a, const Cand& b) {
  const double w = std::min(a.x2, b.x2) - std::max(a.x1, b.x1), h = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const double u = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - w * h;
  return u > 0 ? w * h / u : 0;
}

std::vector<Cand> all_pairs_nms(const Config& c, const std::vector<std::vector<float>>& boxes) {
  std::vector<Cand> cands;
  for (size_t b = 0; b < boxes.size(); ++b) {
    const auto& v = boxes[b];
    double x1 = v[0], y1 = v[1], x2 = v[2], y2 = v[3];
    if (!c.xyxy) x1 = v[0] - v[2] / 2.0, y1 = v[1] - v[3] / 2.0, x2 = v[0] + v[2] / 2.0, y2 = v[1] + v[3] / 2.0;
    const double obj = c.objectness ? v[4] : 1.0;
    std::vector<Cand> mine;
    for (int k = 0; k < c.classes; ++k) {
      const double s = obj * v[static_cast<size_t>(4 + (c.objectness ? 1 : 0) + k)];
      if (s > c.score) mine.push_back({s, static_cast<int64_t>(b), k, x1, y1, x2, y2});
    }
    if (!c.multi_label && !mine.empty()) {
      Cand best = mine[0];
      for (const Cand& m : mine)
        if (m.score > best.score) best = m;
      mine = {best};
    }
    cands.insert(cands.end(), mine.begin(), mine.end());
  }
  auto order = [](const Cand& a, const Cand& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.box != b.box ? a.box < b.box : a.cls < b.cls;
  };
  std::sort(cands.begin(), cands.end(), order);
  std::vector<Cand> kept;
  for (const Cand& x : cands) {
    bool ok = true;
    for (const Cand& k : kept)
      if (k.cls == x.cls && overlap(k, x) > c.nms) ok = false;
    if (ok) kept.push_back(x);
  }
  if (static_cast<int64_t>(kept.size()) > c.max_detections) kept.resize(static_cast<size_t>(c.max_detections));
  return kept;
}

}  // namespace

TEST_CASE("BoxNms scores objectness times class, keeps the best class, and converts centre boxes") {
  Config c;
  c.objectness = true;
  // cx cy w h obj c0 c1: box 0 scores 0.9*0.8 = 0.72 for class 0 (and 0.9*0.5 = 0.45 for class 1, not its best);
  // box 1 overlaps box 0 by IoU 1/3 (same size, shifted by half a width), class 0, 0.6*0.9 = 0.54: kept;
  // box 2 is below the threshold (0.2*0.9 = 0.18); box 3 is class 1 with 0.5*0.7 = 0.35.
  const std::vector<std::vector<float>> boxes = {{50, 40, 20, 10, 0.9f, 0.8f, 0.5f},
                                                 {60, 40, 20, 10, 0.6f, 0.9f, 0.1f},
                                                 {10, 10, 4, 4, 0.2f, 0.9f, 0.9f},
                                                 {52, 40, 20, 10, 0.5f, 0.1f, 0.7f}};
  for (bool columns : {false, true}) {
    CAPTURE(columns);
    c.columns = columns;
    Detections d = run_nms(c, boxes);
    REQUIRE(d.count == 3.0f);
    check_row(d.row(0), 40, 35, 60, 45, times(0.9f, 0.8f), 0);
    check_row(d.row(1), 50, 35, 70, 45, times(0.6f, 0.9f), 0);
    check_row(d.row(2), 42, 35, 62, 45, times(0.5f, 0.7f), 1);
    for (size_t r = 3; r < 20; ++r) CHECK(d.row(r)[5] == -1.0f);
  }
  // multi_label adds box 0's class 1 (0.45); its IoU with box 3 (class 1) is 18/22 > 0.45: box 3 goes.
  c.multi_label = true;
  Detections d = run_nms(c, boxes);
  REQUIRE(d.count == 3.0f);
  check_row(d.row(2), 40, 35, 60, 45, times(0.9f, 0.5f), 1);
  // A tighter NMS threshold: box 1 (IoU 1/3 with box 0) is suppressed too.
  c.multi_label = false;
  c.nms = 0.3f;
  d = run_nms(c, boxes);
  REQUIRE(d.count == 2.0f);
  CHECK(d.row(1)[5] == 1.0f);
}

TEST_CASE("BoxNms without objectness, corner boxes, strict thresholds and truncation") {
  Config c;
  c.classes = 1;
  c.xyxy = true;
  c.nms = 0.5f;
  // Two boxes of IoU exactly 0.5 ([0,0,30,10] and [10,0,40,10]: 200 / 400): equal to the threshold, not above.
  std::vector<std::vector<float>> boxes = {{0, 0, 30, 10, 0.9f}, {10, 0, 40, 10, 0.8f}, {0, 50, 5, 55, 0.25f}};
  Detections d = run_nms(c, boxes);
  REQUIRE(d.count == 2.0f);  // the 0.25 score is not above the 0.25 threshold
  check_row(d.row(0), 0, 0, 30, 10, 0.9f, 0);
  check_row(d.row(1), 10, 0, 40, 10, 0.8f, 0);
  c.nms = 0.49f;
  CHECK(run_nms(c, boxes).count == 1.0f);
  c.nms = 0.5f;
  c.max_detections = 1;
  d = run_nms(c, boxes);
  CHECK(d.count == 1.0f);
  CHECK(d.rows.size() == 6);
  // Equal scores: the lower box number first.
  c.max_detections = 5;
  boxes = {{100, 0, 110, 10, 0.7f}, {0, 0, 10, 10, 0.7f}};
  d = run_nms(c, boxes);
  CHECK(d.row(0)[0] == 100.0f);
  CHECK(d.row(1)[0] == 0.0f);
}

TEST_CASE("BoxNms random predictions match an independent all-pairs greedy NMS") {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  int cases = 0, total_kept = 0;
  for (int trial = 0; trial < 120; ++trial) {
    Config c;
    c.classes = 1 + trial % 5;
    c.columns = trial % 2 == 1;
    c.objectness = trial % 3 == 0;
    c.xyxy = trial % 4 == 1;
    c.multi_label = trial % 5 >= 3;
    c.score = 0.05f + 0.5f * unit(rng);
    c.nms = 0.2f + 0.6f * unit(rng);
    c.max_detections = 1 + static_cast<int64_t>(unit(rng) * 60);
    const int n = 1 + static_cast<int>(unit(rng) * 300);
    std::vector<std::vector<float>> boxes(static_cast<size_t>(n));
    for (auto& b : boxes) {
      // Boxes clustered on a small canvas so that many overlap.
      const float x = 100 * unit(rng), y = 100 * unit(rng), w = 5 + 40 * unit(rng), h = 5 + 40 * unit(rng);
      if (c.xyxy)
        b = {x, y, x + w, y + h};
      else
        b = {x, y, w, h};
      for (int64_t k = 4; k < c.values(); ++k) b.push_back(unit(rng));
    }
    CAPTURE(trial);
    const std::vector<Cand> want = all_pairs_nms(c, boxes);
    const Detections d = run_nms(c, boxes);
    REQUIRE(d.count == static_cast<float>(want.size()));
    for (size_t r = 0; r < want.size(); ++r) {
      CAPTURE(r);
      check_row(d.row(r), static_cast<float>(want[r].x1), static_cast<float>(want[r].y1),
                static_cast<float>(want[r].x2), static_cast<float>(want[r].y2), want[r].score, want[r].cls);
    }
    ++cases;
    total_kept += static_cast<int>(want.size());
  }
  CHECK(cases == 120);
  CHECK(total_kept > 600);  // the cases keep boxes and suppress others, not pass on empty tables
}

TEST_CASE("BoxNms rejects bad attributes and shapes, naming the node") {
  Config c;
  c.objectness = true;
  CHECK(build_error(Shape{1, 10, 7}, c.make()).empty());
  std::string e = build_error(Shape{1, 10, 6}, c.make());
  CHECK(e.find("'nms'") != std::string::npos);
  CHECK(
      e.find("predictions [1,10,6] hold 6 values per box; 2 classes with an objectness need 7 (layout [1, N, 4+K])") !=
      std::string::npos);
  c.columns = true;
  CHECK(build_error(Shape{1, 7, 10}, c.make()).empty());
  CHECK(build_error(Shape{1, 10, 7}, c.make()).find("hold 10 values per box") != std::string::npos);
  CHECK(build_error(Shape{2, 7, 10}, c.make()).find("must have shape [1, 4+K, N], got [2,7,10]") != std::string::npos);
  CHECK(build_error(Shape{7, 10}, c.make()).find("must have shape") != std::string::npos);

  Attributes a = c.make();
  a.set("layout", std::string("nhwc"));
  CHECK(build_error(Shape{1, 7, 10}, a).find("layout must be \"rows\"") != std::string::npos);
  a = c.make();
  a.set("box_format", std::string("xywh"));
  CHECK(build_error(Shape{1, 7, 10}, a).find("box_format must be \"cxcywh\" or \"xyxy\", got \"xywh\"") !=
        std::string::npos);
  a = c.make();
  a.set("objectness", int64_t{2});
  CHECK(build_error(Shape{1, 7, 10}, a).find("objectness must be 0 or 1, got 2") != std::string::npos);
  a = c.make();
  a.set("score_threshold", 1.5f);
  CHECK(build_error(Shape{1, 7, 10}, a).find("score_threshold must be in [0, 1]") != std::string::npos);
  a = c.make();
  a.set("max_detections", int64_t{0});
  CHECK(build_error(Shape{1, 7, 10}, a).find("max_detections must be in 1..2^24") != std::string::npos);
  a = c.make();
  a.set("num_classes", int64_t{0});
  CHECK(build_error(Shape{1, 7, 10}, a).find("num_classes must be >= 1") != std::string::npos);
}
