// Frames for the processing loop, in order, with corrupt frames already reported and skipped. Straight
// from the source (every frame, as fast as they can be processed), or, with --realtime, through a reader
// thread that paces the stream at its frame rate and hands over only the newest frame (realtime_feed.h).
#pragma once

#include <cstdint>

#include "loaders/video/frame_source.h"

namespace vigil::cli {

class FrameFeed {
 public:
  virtual ~FrameFeed() = default;
  // The next frame to process, or false at the end of the stream.
  virtual bool next(Frame& frame) = 0;
  virtual int64_t bad_frames() const = 0;      // corrupt frames reported and skipped
  virtual int64_t dropped_frames() const = 0;  // good frames never processed (--realtime)
};

// Every frame of `source`, in order; a corrupt frame is reported on stderr with its number and skipped.
class DirectFeed final : public FrameFeed {
 public:
  explicit DirectFeed(FrameSource& source) : source_(source) {}
  bool next(Frame& frame) override;
  int64_t bad_frames() const override { return bad_; }
  int64_t dropped_frames() const override { return 0; }

 private:
  FrameSource& source_;
  int64_t bad_ = 0;
};

// One skipped frame's report, shared by both feeds: "vigil detect: skipping a frame: <reason>".
void report_bad_frame(const char* reason);

}  // namespace vigil::cli
