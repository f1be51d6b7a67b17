#include "apps/vigil/detect/segment_tracker.h"

#include "engine/error.h"

namespace vigil::cli {

int64_t top1(std::span<const double> values) {
  int64_t best = values.empty() ? -1 : 0;
  for (size_t i = 1; i < values.size(); ++i)
    if (values[i] > values[static_cast<size_t>(best)]) best = static_cast<int64_t>(i);
  return best;
}

SegmentTracker::SegmentTracker(SegmentThresholds thresholds, int64_t background)
    : t_(thresholds), background_(background) {
  if (!(t_.on >= 0 && t_.on <= 1)) fail("--on ", t_.on, " is outside 0..1");
  if (!(t_.off >= 0 && t_.off <= 1)) fail("--off ", t_.off, " is outside 0..1");
  if (t_.off > t_.on) fail("--off ", t_.off, " is above --on ", t_.on, ": hysteresis needs off <= on");
}

Segment SegmentTracker::close() {
  open_ = false;
  current_.end_frame = last_frame_;
  current_.confidence = sum_ / static_cast<double>(count_);
  return current_;
}

std::optional<Segment> SegmentTracker::push(int64_t frame, std::span<const double> probs) {
  std::optional<Segment> closed;
  const int64_t best = top1(probs);
  const bool opens = best >= 0 && best != background_ && probs[static_cast<size_t>(best)] >= t_.on;
  if (open_) {
    const double p = probs[static_cast<size_t>(current_.label)];
    if (p < t_.off || (opens && best != current_.label)) closed = close();
  }
  if (!open_ && opens) {
    open_ = true;
    current_ = Segment{best, frame, frame, 0};
    sum_ = 0;
    count_ = 0;
  }
  if (open_) {
    sum_ += probs[static_cast<size_t>(current_.label)];
    ++count_;
  }
  last_frame_ = frame;
  return closed;
}

std::optional<Segment> SegmentTracker::finish() {
  if (!open_) return std::nullopt;
  return close();
}

}  // namespace vigil::cli
