// --realtime's reader thread with scripted sources: a slow consumer gets the newest frame and the
// overwritten ones are counted as dropped (never queued), frames keep their order, a consumer that keeps
// up loses nothing, corrupt frames are counted and skipped, releases are paced at the frame rate, and
// destroying the feed while the reader sleeps returns at once.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "apps/vigil/detect/realtime_feed.h"
#include "engine/error.h"

using vigil::Frame;
using vigil::cli::RealtimeFeed;
using Clock = std::chrono::steady_clock;

namespace {

// Frames 0..count-1 as fast as asked; frame `corrupt` (if >= 0) throws like a damaged Y4M frame.
class ScriptedSource final : public vigil::FrameSource {
 public:
  ScriptedSource(int64_t count, int64_t corrupt = -1) : count_(count), corrupt_(corrupt) {}
  bool next(Frame& frame) override {
    if (next_ >= count_) return false;
    const int64_t index = next_++;
    if (index == corrupt_) vigil::fail("scripted: frame ", index, " is corrupt");
    frame.index = index;
    frame.image.width = frame.image.height = 1;
    frame.image.rgb.assign(3, static_cast<uint8_t>(index));
    return true;
  }

 private:
  int64_t count_, corrupt_, next_ = 0;
};

std::vector<int64_t> consume(RealtimeFeed& feed, std::chrono::milliseconds per_frame) {
  std::vector<int64_t> got;
  Frame f;
  while (feed.next(f)) {
    got.push_back(f.index);
    CHECK(f.image.rgb[0] == static_cast<uint8_t>(f.index));  // the pixels travel with their frame
    std::this_thread::sleep_for(per_frame);
  }
  return got;
}

}  // namespace

TEST_CASE("realtime feed: a slow consumer gets the newest frames, the rest are counted as dropped") {
  ScriptedSource source(40);
  RealtimeFeed feed(source, 1000);  // a frame every 1 ms; processing takes 10 ms
  const std::vector<int64_t> got = consume(feed, std::chrono::milliseconds(10));
  CHECK(got.size() < 20);
  CHECK(static_cast<int64_t>(got.size()) + feed.dropped_frames() == 40);
  for (size_t i = 1; i < got.size(); ++i) CHECK(got[i] > got[i - 1]);
  CHECK(got.back() == 39);  // the last frame is never dropped: nothing overwrites it
  CHECK(feed.bad_frames() == 0);
}

TEST_CASE("realtime feed: a consumer that keeps up loses nothing, releases follow the frame rate") {
  ScriptedSource source(6, 2);
  const auto t0 = Clock::now();
  RealtimeFeed feed(source, 50);  // 20 ms apart: frame 5 is due 100 ms after frame 0
  const std::vector<int64_t> got = consume(feed, std::chrono::milliseconds(0));
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  CHECK(got == std::vector<int64_t>{0, 1, 3, 4, 5});
  CHECK(feed.dropped_frames() == 0);
  CHECK(feed.bad_frames() == 1);
  CHECK(seconds >= 0.099);  // paced, not as fast as the source can go
}

TEST_CASE("realtime feed: destroying it while the reader waits for a frame's time returns promptly") {
  ScriptedSource source(5);
  const auto t0 = Clock::now();
  {
    RealtimeFeed feed(source, 0.1);  // frame 1 would be due 10 s after frame 0
    Frame f;
    REQUIRE(feed.next(f));
    CHECK(f.index == 0);
  }
  CHECK(std::chrono::duration<double>(Clock::now() - t0).count() < 2.0);
  CHECK_THROWS_AS(RealtimeFeed(source, 0), vigil::Error);
}
