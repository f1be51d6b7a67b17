// Raw RGB24 frames: width * height * 3 bytes per frame, rows top to bottom, no header and no frame rate,
// from a file or "-" (standard input), e.g.
//   ffmpeg -i any.mp4 -f rawvideo -pix_fmt rgb24 - | vigil detect model.vgl - --size 640x360
// Nothing in the bytes says how big a frame is, so a wrong size is caught where it can be: a file whose
// length is not a whole number of frames is rejected before the first frame; on a pipe, a trailing partial
// frame is reported with its frame number.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "loaders/video/frame_source.h"

namespace vigil {

// Throws vigil::Error naming the path (and the size) when the size is outside 1..kMaxImageSide, the
// file cannot be opened or its length does not fit the size.
std::unique_ptr<FrameSource> open_raw_rgb_source(const std::string& path, int width, int height);

// Frames from an already open stream (`what` names it in errors); closes `file` if `owned`.
std::unique_ptr<FrameSource> raw_rgb_source(FILE* file, bool owned, std::string what, int width, int height);

}  // namespace vigil
