#include "apps/vigil/detect/frame_feed.h"

#include <cstdio>

#include "engine/error.h"

namespace vigil::cli {

void report_bad_frame(const char* reason) { std::fprintf(stderr, "vigil detect: skipping a frame: %s\n", reason); }

bool DirectFeed::next(Frame& frame) {
  for (;;) {
    try {
      return source_.next(frame);
    } catch (const Error& e) {
      // The source has named the frame and positioned itself after it (or at the end).
      ++bad_;
      report_bad_frame(e.what());
    }
  }
}

}  // namespace vigil::cli
