#include "apps/vigil/detect/realtime_feed.h"

#include <chrono>
#include <utility>

#include "engine/error.h"

namespace vigil::cli {

RealtimeFeed::RealtimeFeed(FrameSource& source, double fps) : source_(source), fps_(fps) {
  if (!(fps > 0)) fail("--realtime needs a positive frame rate, got ", fps);
  reader_ = std::thread([this] { read_loop(); });
}

RealtimeFeed::~RealtimeFeed() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  reader_.join();
}

void RealtimeFeed::read_loop() {
  using clock = std::chrono::steady_clock;
  Frame frame;
  clock::time_point start;
  int64_t first_index = -1;
  try {
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        if (stop_) break;
      }
      bool got = false;
      try {
        got = source_.next(frame);
      } catch (const Error& e) {
        bad_.fetch_add(1);
        report_bad_frame(e.what());
        continue;  // a corrupt frame's time slot passes unused: pacing follows frame numbers
      }
      if (!got) break;
      if (first_index < 0) first_index = frame.index, start = clock::now();
      const auto due = start + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(
                                   static_cast<double>(frame.index - first_index) / fps_));
      std::unique_lock lock(mutex_);
      // Sleep until the frame is due; a stop request wakes it early. Not a spin: the wait blocks.
      if (changed_.wait_until(lock, due, [this] { return stop_; })) break;
      if (full_) ++dropped_;
      std::swap(mailbox_, frame);  // `frame` keeps the old buffers for the next read: no allocation per frame
      full_ = true;
      lock.unlock();
      changed_.notify_all();
    }
  } catch (...) {
    std::lock_guard lock(mutex_);
    error_ = std::current_exception();
  }
  {
    std::lock_guard lock(mutex_);
    finished_ = true;
  }
  changed_.notify_all();
}

bool RealtimeFeed::next(Frame& frame) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return full_ || finished_; });
  if (full_) {
    std::swap(frame, mailbox_);
    full_ = false;
    return true;
  }
  if (error_) std::rethrow_exception(error_);
  return false;
}

int64_t RealtimeFeed::dropped_frames() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace vigil::cli
