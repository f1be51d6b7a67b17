// Where `vigil detect` gets its frames from. Today: one image file or a directory of images (sorted by
// name). Each source yields decoded RGB frames; a frame that cannot be decoded is reported and skipped.
#pragma once

#include <memory>
#include <string>

#include "loaders/image/image.h"

namespace vigil::cli {

struct Frame {
  Image image;
  int64_t index = 0;  // 0-based position in the stream
  std::string name;   // file name, for reports
};

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  // Fills `frame` and returns true, or returns false at the end. A corrupt frame throws vigil::Error
  // naming it; the caller reports it and calls next() again.
  virtual bool next(Frame& frame) = 0;
};

// A path naming an image file or a directory of .jpg/.jpeg/.png/.bmp frames.
std::unique_ptr<FrameSource> open_frame_source(const std::string& path);

}  // namespace vigil::cli
