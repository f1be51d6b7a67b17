// Per-frame action probabilities from overlapping temporal windows, streamed: the same numbers
// tools/actdet/inference.py computes over a whole video, produced while the video is still arriving.
//
// The rule (inference.py): over N frames, window T, stride D, windows start at 0, D, 2D, ... while
// start + T <= N, plus one window starting at N - T when that start is not already on the list; a stream
// shorter than T gets one window at 0 over its frames padded with the last one. A frame's probabilities
// are the mean over the windows that contain it, summed in window order in double precision (as NumPy's
// float64 accumulator does) so that the means are bit-identical.
//
// Streaming: a regular window runs as soon as its last frame arrives; the final window (N - T, or the
// padded one) only at the end, because N is unknown until then. With n frames in, frames f < n - T are in
// no window still to come (every future window starts after n - T), so they are final; the last T wait
// for the end. The caller therefore holds at most T + 1 frames; capacity() = T + D bounds its rings.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace vigil::cli {

class WindowAverager {
 public:
  // Throws vigil::Error unless window >= 1, 1 <= stride <= window and classes >= 1.
  WindowAverager(int64_t window, int64_t stride, int64_t classes);

  int64_t window() const { return window_; }
  int64_t stride() const { return stride_; }
  // Ring size for per-frame data the caller keeps until pop() hands the frame out (frame p at p % capacity).
  int64_t capacity() const { return capacity_; }
  int64_t frames() const { return frames_; }

  // Counts one more frame. Returns the start of the window to run now (it ends at this frame), if any.
  std::optional<int64_t> push_frame();
  // The stream ended: returns the start of the one window still owed, if any. For a stream shorter than
  // the window this is 0, and the caller pads frames [frames(), window) with the last frame's data.
  // Throws on an empty stream.
  std::optional<int64_t> finish();
  // Adds the temporal head's output for the window starting at `start`: probs[t * classes + k] for its
  // T rows; rows beyond the end of the stream (the padding) are ignored.
  void add(int64_t start, const float* probs);
  // The next frame whose probabilities are final, in frame order: fills `frame` and `mean` (classes
  // values) and returns true, or returns false if the next frame may still get windows.
  bool pop(int64_t& frame, std::vector<double>& mean);

 private:
  int64_t window_, stride_, classes_, capacity_;
  int64_t frames_ = 0;
  int64_t popped_ = 0;
  bool finished_ = false;
  std::vector<double> sum_;     // capacity x classes
  std::vector<int32_t> count_;  // capacity
};

}  // namespace vigil::cli
