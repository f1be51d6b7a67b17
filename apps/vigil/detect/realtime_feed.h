// --realtime: the input is consumed at its own pace and never waits for processing. A reader thread takes
// frames from the source, releases frame i at (i - i0) / fps seconds after the first (never faster than
// the source delivers them: it reads them first), and puts it in a one-frame mailbox. When processing
// falls behind, a newer frame overwrites the unprocessed one, which counts as dropped: latency stays
// bounded instead of a queue growing. The action windows then run over the frames actually processed.
//
// Shutdown: at the end of the stream the reader marks the feed finished after its last frame; the
// destructor stops the reader (it wakes from its pacing sleep at once; a read blocked on a stalled pipe
// finishes first). An unexpected error in the reader is rethrown by next().
#pragma once

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "apps/vigil/detect/frame_feed.h"

namespace vigil::cli {

class RealtimeFeed final : public FrameFeed {
 public:
  // fps > 0: the rate frames are released at. Starts the reader thread.
  RealtimeFeed(FrameSource& source, double fps);
  ~RealtimeFeed() override;
  RealtimeFeed(const RealtimeFeed&) = delete;
  RealtimeFeed& operator=(const RealtimeFeed&) = delete;

  // Blocks (without spinning) until a frame not yet processed is available or the stream has ended.
  bool next(Frame& frame) override;
  int64_t bad_frames() const override { return bad_.load(); }
  int64_t dropped_frames() const override;

 private:
  void read_loop();

  FrameSource& source_;
  const double fps_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  Frame mailbox_;
  bool full_ = false;      // mailbox_ holds a frame not yet handed out
  bool finished_ = false;  // the reader has stopped: no frame will follow the mailbox's
  bool stop_ = false;      // the consumer is going away
  std::exception_ptr error_;
  int64_t dropped_ = 0;
  std::atomic<int64_t> bad_{0};
  std::thread reader_;
};

}  // namespace vigil::cli
