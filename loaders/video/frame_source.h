// Where `vigil detect` gets its frames from: a Y4M stream (a .y4m file, or "-" for standard input), one
// image file, or a directory of images (sorted by name); raw RGB frames come from loaders/video/raw_rgb.h. Each source yields decoded RGB frames; a frame
// that cannot be decoded is reported (with its number) and skipped.
#pragma once

#include <memory>
#include <string>

#include "loaders/image/image.h"

namespace vigil {

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
  // Frames per second the stream declares (a Y4M header's F tag), or 0 when it carries no rate (images,
  // raw RGB): times then come from the caller's --fps.
  virtual double fps() const { return 0; }
};

// "-" or a .y4m path: a Y4M stream; otherwise an image file or a directory of .jpg/.jpeg/.png/.bmp frames.
std::unique_ptr<FrameSource> open_frame_source(const std::string& path);

}  // namespace vigil
