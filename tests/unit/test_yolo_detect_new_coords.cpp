// YoloDetect's new_coords decoding (darknet's [yolo] new_coords=1), Gaussian decoding ([Gaussian_yolo]) and
// DIoU suppression (darknet's diounms_sort), on the kernels directly (reference and fast path), against values
// worked out by hand in the comments: box centres without a sigmoid, sizes (2 * tw)^2 * anchor without an exp,
// scores as the plain product of the head's values; Gaussian YOLOv3's entry layout and uncertainty-scaled
// scores; and the DIoU of two boxes with and without the distance term mattering.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "kernels/yolo_detect/yolo_detect.h"
#include "kernels/yolo_detect/yolo_detect_common.h"

using namespace vigil::kernels;

namespace {

struct Result {
  std::vector<float> rows;
  float count = -1;
};

// Runs the reference or the fast kernel on one head.
Result run(const YoloDetectParams& p, const std::vector<float>& head, bool fast) {
  const float* heads[1] = {head.data()};
  std::vector<unsigned char> ws(yolo_detect_workspace_bytes(p) + 16);
  Result r;
  r.rows.assign(static_cast<size_t>(p.max_detections * 6), -5.0f);
  if (fast)
    yolo_detect_fast(p, heads, r.rows.data(), &r.count, ws.data());
  else
    yolo_detect_reference(p, heads, r.rows.data(), &r.count, ws.data());
  return r;
}

// A head of `anchors` anchors and `classes` classes on an h x w grid, all zero (no object).
struct Head {
  int64_t anchors, classes, h, w;
  std::vector<float> data;
  Head(int64_t a, int64_t c, int64_t hh, int64_t ww)
      : anchors(a), classes(c), h(hh), w(ww), data(static_cast<size_t>(a * (5 + c) * hh * ww), 0.0f) {}
  float& at(int64_t a, int64_t ch, int64_t row, int64_t col) {
    return data[static_cast<size_t>(((a * (5 + classes) + ch) * h + row) * w + col)];
  }
};

}  // namespace

TEST_CASE("YoloDetect new_coords: boxes and scores from activated values, worked out by hand") {
  // 1 anchor (10, 20), 2 classes, a 2x3 grid (H=2, W=3) on a 96x64 input, scale_x_y 2.
  Head head(1, 2, 2, 3);
  // Cell row 1, column 2: tx .75, ty .25, tw .5, th .25, objectness .8, classes .9 and .2.
  //   bx = (2 + .75*2 - (2-1)/2) / 3 * 96 = 3 / 3 * 96 = 96;   by = (1 + .25*2 - .5) / 2 * 64 = 32
  //   bw = 4 * .5^2 * 10 = 10;   bh = 4 * .25^2 * 20 = 5   -> (91, 29.5, 101, 34.5)
  //   scores .8 * .9 = .72 (class 0), .8 * .2 = .16 (below .25: no candidate)
  head.at(0, 0, 1, 2) = 0.75f, head.at(0, 1, 1, 2) = 0.25f, head.at(0, 2, 1, 2) = 0.5f, head.at(0, 3, 1, 2) = 0.25f;
  head.at(0, 4, 1, 2) = 0.8f, head.at(0, 5, 1, 2) = 0.9f, head.at(0, 6, 1, 2) = 0.2f;
  // Cell row 0, column 0: objectness .3 and class 1 at .9: .27 > .25 is a candidate only because the values are
  // taken as they are (with a sigmoid, as decode "yolo" would apply, objectness would be .574 and the score .41).
  //   bx = (0 + .5*2 - .5) / 3 * 96 = 16;  by = (0 + .5*2 - .5) / 2 * 64 = 16;  bw = 4 * .25^2 * 10 = 2.5,
  //   bh = 4 * .25^2 * 20 = 5  -> (14.75, 13.5, 17.25, 18.5)
  head.at(0, 0, 0, 0) = 0.5f, head.at(0, 1, 0, 0) = 0.5f, head.at(0, 2, 0, 0) = 0.25f, head.at(0, 3, 0, 0) = 0.25f;
  head.at(0, 4, 0, 0) = 0.3f, head.at(0, 6, 0, 0) = 0.9f;

  YoloDetectParams p;
  p.mode = YoloDecodeMode::NewCoords;
  p.num_classes = 2;
  p.input_width = 96, p.input_height = 64;
  p.max_detections = 4;
  YoloHeadParams hp;
  hp.height = 2, hp.width = 3, hp.anchors = {10, 20}, hp.scale_x_y = 2.0f;
  p.heads = {hp};
  for (bool fast : {false, true}) {
    CAPTURE(fast);
    const Result r = run(p, head.data, fast);
    REQUIRE(r.count == 2.0f);
    const float want[2][6] = {{91, 29.5f, 101, 34.5f, 0.72f, 0}, {14.75f, 13.5f, 17.25f, 18.5f, 0.27f, 1}};
    for (int k = 0; k < 2; ++k)
      for (int c = 0; c < 6; ++c)
        CHECK(r.rows[static_cast<size_t>(k * 6 + c)] == doctest::Approx(want[k][c]).epsilon(1e-6));
    CHECK(r.rows[2 * 6 + 5] == -1.0f);
  }
}

TEST_CASE("YoloDetect DIoU-NMS: the distance term, its exponent and darknet's relative coordinates decide") {
  // Boxes A = (0, 0, 10, 10) and B = (2, 0, 12, 10) of one class, A scoring higher:
  //   IoU = 80 / 120 = .6667. Enclosing box 12 x 10; centres 2 apart.
  //   On a 100x100 input: d / c = 4 / 244 = .016393;  ^.6 = .084879 -> DIoU .58179;  ^1 -> DIoU .65027
  //   On a 200x100 input (x relative to 200): d / c = .0001 / (.06^2 + .1^2) = .0073529; ^.6 = .052466
  //   -> DIoU .61420
  using yolo_detect_detail::Box;
  const Box a{0, 0, 10, 10}, b{2, 0, 12, 10};
  using yolo_detect_detail::diou;
  CHECK(diou(a, b, 100, 100, 0.6) == doctest::Approx(0.5817873061).epsilon(1e-9));
  CHECK(diou(a, b, 100, 100, 1.0) == doctest::Approx(0.6502732240).epsilon(1e-9));
  CHECK(diou(a, b, 200, 100, 0.6) == doctest::Approx(0.6142008237).epsilon(1e-9));
  CHECK(diou(a, a, 100, 100, 0.6) == doctest::Approx(1.0));  // same centre: no distance term
  // Disjoint boxes: IoU 0, DIoU negative; a zero-size box at the same point: c = 0 gives the IoU (0).
  CHECK(diou(Box{0, 0, 1, 1}, Box{5, 5, 6, 6}, 10, 10, 0.6) < 0);
  CHECK(diou(Box{3, 3, 3, 3}, Box{3, 3, 3, 3}, 10, 10, 0.6) == 0.0);

  // The same two boxes through the kernels: new_coords decoding on a 1x1 grid, anchors (10, 10) and
  // tw = th = .5 give 10x10 boxes centred at (tx * W, ty * H).
  for (const int64_t width : {int64_t{100}, int64_t{200}}) {
    Head head(2, 1, 1, 1);
    const float cx[2] = {5, 7};
    for (int k = 0; k < 2; ++k) {
      head.at(k, 0, 0, 0) = cx[k] / static_cast<float>(width), head.at(k, 1, 0, 0) = 0.05f;
      head.at(k, 2, 0, 0) = 0.5f, head.at(k, 3, 0, 0) = 0.5f;
      head.at(k, 4, 0, 0) = k == 0 ? 0.9f : 0.8f, head.at(k, 5, 0, 0) = 1.0f;
    }
    YoloDetectParams p;
    p.mode = YoloDecodeMode::NewCoords;
    p.num_classes = 1;
    p.input_width = width, p.input_height = 100;
    p.nms_threshold = 0.6f;
    p.max_detections = 3;
    YoloHeadParams hp;
    hp.anchors = {10, 10, 10, 10};
    p.heads = {hp};
    struct Expect {
      YoloNmsKind kind;
      float beta;
      float count;
    };
    // IoU .667 > .6 suppresses B; DIoU .582 (100 wide, beta .6) keeps it; beta 1 (.650) suppresses it; on the
    // 200-wide input DIoU is .614: suppressed, where pixel coordinates would have kept it.
    const Expect cases[] = {{YoloNmsKind::Iou, 0.6f, 1},
                            {YoloNmsKind::Diou, 0.6f, width == 100 ? 2.0f : 1.0f},
                            {YoloNmsKind::Diou, 1.0f, 1}};
    for (const Expect& e : cases) {
      p.nms_kind = e.kind;
      p.diou_beta = e.beta;
      for (bool fast : {false, true}) {
        CAPTURE(width);
        CAPTURE(e.beta);
        CAPTURE(fast);
        const Result r = run(p, head.data, fast);
        CHECK(r.count == e.count);
        CHECK(r.rows[4] == doctest::Approx(0.9f));
        CHECK(r.rows[0] == doctest::Approx(0.0f).epsilon(1e-5));
      }
    }
  }
}

TEST_CASE("YoloDetect gaussian: Gaussian YOLOv3 boxes from entries 0, 2, 4, 6 and uncertainty-scaled scores") {
  // 1 anchor (10, 20), 1 class, a 1x1 grid on a 32x32 input; 9 + 1 channels:
  //   tx 0, ux ln 3, ty 0, uy -ln 3, tw ln 2, uw 0, th 0, uh -ln 4, objectness ln 4, class ln 9
  //   bx = (0 + .5) / 1 * 32 = 16 (ty is entry 2: reading entry 1 would give .75 -> 24),  by = 16
  //   bw = exp(ln 2) * 10 = 20, bh = 20  -> (6, 6, 26, 26)
  //   uncertainties .75, .25, .5, .2: mean .425;  score = .8 * .9 * (1 - .425) = .414
  Head head(1, 5, 1, 1);  // 5 "classes" gives 10 channels; the op below is told 1 class, Gaussian
  head.data = {0.0f, std::log(3.0f),  0.0f,           -std::log(3.0f), std::log(2.0f), 0.0f,
               0.0f, -std::log(4.0f), std::log(4.0f), std::log(9.0f)};
  YoloDetectParams p;
  p.mode = YoloDecodeMode::Gaussian;
  p.num_classes = 1;
  p.input_width = 32, p.input_height = 32;
  p.max_detections = 2;
  YoloHeadParams hp;
  hp.anchors = {10, 20};
  p.heads = {hp};
  CHECK(yolo_entries_per_anchor(p) == 10);
  for (bool fast : {false, true}) {
    CAPTURE(fast);
    const Result r = run(p, head.data, fast);
    REQUIRE(r.count == 1.0f);
    const float want[6] = {6, 6, 26, 26, 0.414f, 0};
    for (int c = 0; c < 6; ++c) CHECK(r.rows[static_cast<size_t>(c)] == doctest::Approx(want[c]).epsilon(1e-6));
  }
  // Raising an uncertainty lowers the score below the threshold: uh = ln 9 (.9) gives a mean of .6, so
  // .72 * .4 = .288; ux = uy = uw = ln 9 too gives .72 * .1 = .072 < .25: no detection.
  head.data[7] = std::log(9.0f);
  CHECK(run(p, head.data, false).rows[4] == doctest::Approx(0.288f).epsilon(1e-6));
  head.data[1] = head.data[3] = head.data[5] = std::log(9.0f);
  CHECK(run(p, head.data, false).count == 0.0f);
  CHECK(run(p, head.data, true).count == 0.0f);
}
