// The segment tracker's hysteresis: opening at `on`, staying open down to `off`, a different label
// taking over, the background label never forming segments, gaps in frame numbers (dropped frames),
// segments closed at the end, and argmax ties resolved like numpy.
#include <doctest/doctest.h>

#include <optional>
#include <vector>

#include "apps/vigil/detect/segment_tracker.h"
#include "error_of.h"

using vigil::cli::Segment;
using vigil::cli::SegmentThresholds;
using vigil::cli::SegmentTracker;

namespace {

// Feeds rows of probabilities (frame numbers from `frames`, else 0, 1, 2...) and collects every segment.
std::vector<Segment> track(SegmentTracker tracker, const std::vector<std::vector<double>>& rows,
                           std::vector<int64_t> frames = {}) {
  std::vector<Segment> out;
  for (size_t i = 0; i < rows.size(); ++i)
    if (auto s = tracker.push(frames.empty() ? static_cast<int64_t>(i) : frames[i], rows[i])) out.push_back(*s);
  if (auto s = tracker.finish()) out.push_back(*s);
  return out;
}

}  // namespace

TEST_CASE("segment tracker: hysteresis between on and off") {
  // Label 1 rises to 0.7 (opens at frame 1), dips to 0.5 (stays: above off), falls to 0.3 (closes after 3).
  auto segs = track(SegmentTracker({0.6, 0.4}, 0), {{0.9, 0.1}, {0.3, 0.7}, {0.5, 0.5}, {0.7, 0.3}, {0.8, 0.2}});
  REQUIRE(segs.size() == 1);
  CHECK(segs[0].label == 1);
  CHECK(segs[0].start_frame == 1);
  CHECK(segs[0].end_frame == 2);
  CHECK(segs[0].confidence == doctest::Approx((0.7 + 0.5) / 2));
  // Never reaching `on` opens nothing, however long it lasts.
  CHECK(track(SegmentTracker({0.6, 0.4}, 0), {{0.45, 0.55}, {0.41, 0.59}, {0.45, 0.55}}).empty());
  // Exactly `on` opens; exactly `off` keeps it open.
  segs = track(SegmentTracker({0.6, 0.4}, -1), {{0.4, 0.6}, {0.6, 0.4}});
  REQUIRE(segs.size() == 2);  // label 1 at 0.6 opens; label 0 reaching 0.6 takes over at frame 1
  CHECK(segs[0].label == 1);
  CHECK(segs[0].end_frame == 0);
  CHECK(segs[1].label == 0);
  CHECK(segs[1].start_frame == 1);
  segs = track(SegmentTracker({0.6, 0.4}, 0), {{0.2, 0.8, 0}, {0.4, 0.4, 0.2}});
  REQUIRE(segs.size() == 1);
  CHECK(segs[0].end_frame == 1);
}

TEST_CASE("segment tracker: another label takes over, background never opens, end closes") {
  // Labels: 0 background, 1, 2. Frame 2: label 2 opens (>= on) while 1 is still above off: 1 closes at 1.
  auto segs = track(SegmentTracker({0.6, 0.4}, 0),
                    {{0.1, 0.8, 0.1}, {0.1, 0.7, 0.2}, {0.0, 0.35, 0.65}, {0.0, 0.3, 0.7}, {0.95, 0.0, 0.05}});
  REQUIRE(segs.size() == 2);
  CHECK(segs[0].label == 1);
  CHECK(segs[0].start_frame == 0);
  CHECK(segs[0].end_frame == 1);
  CHECK(segs[1].label == 2);
  CHECK(segs[1].start_frame == 2);
  CHECK(segs[1].end_frame == 3);
  CHECK(segs[1].confidence == doctest::Approx(0.675));
  // A confident background opens nothing; without a background label it would.
  CHECK(track(SegmentTracker({0.6, 0.4}, 0), {{0.9, 0.1}}).empty());
  CHECK(track(SegmentTracker({0.6, 0.4}, -1), {{0.9, 0.1}}).size() == 1);
  // Still open at the end: closed at the last frame, with frame numbers that skip (dropped frames).
  segs = track(SegmentTracker({0.6, 0.4}, 0), {{0.1, 0.9}, {0.1, 0.9}, {0.2, 0.8}}, {3, 7, 12});
  REQUIRE(segs.size() == 1);
  CHECK(segs[0].start_frame == 3);
  CHECK(segs[0].end_frame == 12);
}

TEST_CASE("segment tracker: argmax ties and threshold errors") {
  CHECK(vigil::cli::top1(std::vector<double>{0.5, 0.5}) == 0);
  CHECK(vigil::cli::top1(std::vector<double>{0.1, 0.45, 0.45}) == 1);
  using vigil::test::error_of;
  CHECK(error_of([] { SegmentTracker({0.4, 0.6}, -1); }).find("--off 0.6 is above --on 0.4") != std::string::npos);
  CHECK(error_of([] { SegmentTracker({1.5, 0.4}, -1); }).find("--on 1.5 is outside 0..1") != std::string::npos);
  CHECK(error_of([] { SegmentTracker({0.6, -1}, -1); }).find("--off -1 is outside") != std::string::npos);
}
