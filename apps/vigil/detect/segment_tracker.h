// Action segments from final per-frame probabilities, with hysteresis so that a label hovering around one
// threshold does not flicker into many tiny segments.
//
// A segment opens at a frame whose top-1 label (first of equal maxima, like numpy.argmax) is not the
// background label and has probability >= on. An open segment of label L closes before the first frame
// where p(L) < off, or where another label opens (that frame then starts the new segment). Segments still
// open at the end of the stream close at its last frame. Confidence is the mean p(L) over the segment.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace vigil::cli {

struct Segment {
  int64_t label = 0;
  int64_t start_frame = 0, end_frame = 0;  // inclusive, source frame numbers
  double confidence = 0;
};

struct SegmentThresholds {
  double on = 0.6, off = 0.4;
};

class SegmentTracker {
 public:
  // background: the label that never forms segments, or -1. Throws vigil::Error unless
  // 0 <= off <= on <= 1 (naming --on / --off).
  SegmentTracker(SegmentThresholds thresholds, int64_t background);

  // One frame's final probabilities, frames in increasing order (numbers may skip: dropped frames).
  // Returns the segment this frame closed, if any.
  std::optional<Segment> push(int64_t frame, std::span<const double> probs);
  // End of stream: closes the open segment, if any.
  std::optional<Segment> finish();

 private:
  SegmentThresholds t_;
  int64_t background_;
  bool open_ = false;
  Segment current_;
  double sum_ = 0;
  int64_t count_ = 0;
  int64_t last_frame_ = -1;

  Segment close();
};

// The index of the largest value, the first of equal maxima (numpy.argmax); -1 for an empty span.
int64_t top1(std::span<const double> values);

}  // namespace vigil::cli
