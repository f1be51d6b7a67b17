// YUV4MPEG2 (.y4m) frames from a file or standard input, so that any video reaches vigil through
//   ffmpeg -i any.mp4 -f yuv4mpegpipe - | vigil detect model.vgl -
// Supported: 8-bit 4:2:0 (C420jpeg, C420paldv, C420mpeg2, C420, or no C tag), 4:4:4 (C444) and mono.
// Colour: BT.601; full range when the header says XCOLORRANGE=FULL, else limited (studio) range, the
// Y4M default. Decoding uses 16-bit fixed-point integer formulas (docs/ACTDET_TRAINING.md,
// tools/actdet/y4m.py) so that vigil and the Python tools see bit-identical pixels.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "loaders/video/frame_source.h"

namespace vigil {

struct Y4mHeader {
  int width = 0, height = 0;
  int fps_num = 0, fps_den = 1;  // 0/1 when the header has no F tag
  enum class Chroma { C420, C444, Mono } chroma = Chroma::C420;
  bool full_range = false;
};

// Parses the header line (without its newline); throws vigil::Error naming `what` and the field.
Y4mHeader parse_y4m_header(const std::string& line, const std::string& what);

// Converts one frame's planes to RGB with the integer formulas above.
void y4m_planes_to_rgb(const Y4mHeader& h, const uint8_t* planes, Image& out);

// `path` "-" reads standard input. The header is read (and checked) here, before any frame.
std::unique_ptr<FrameSource> open_y4m_source(const std::string& path);

}  // namespace vigil
