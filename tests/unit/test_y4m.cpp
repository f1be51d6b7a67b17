// The Y4M reader: header parsing, exact integer colour conversion (the formulas tools/actdet/y4m.py
// uses), and bad streams: clear errors with the frame number, a corrupt marker skipped, truncation.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "engine/error.h"
#include "loaders/video/frame_source.h"
#include "loaders/video/y4m.h"

using namespace vigil;

namespace {

std::string temp_path(const char* name) { return (std::filesystem::temp_directory_path() / name).string(); }

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// One 4x2 4:2:0 frame: Y = 16*i, Cb/Cr planes of 2x1.
std::string frame_420(uint8_t cb0, uint8_t cr0) {
  std::string f = "FRAME\n";
  for (int i = 0; i < 8; ++i) f.push_back(static_cast<char>(16 * i));
  f += {static_cast<char>(cb0), static_cast<char>(128)};
  f += {static_cast<char>(cr0), static_cast<char>(128)};
  return f;
}

}  // namespace

TEST_CASE("y4m: header fields") {
  Y4mHeader h = parse_y4m_header("YUV4MPEG2 W320 H240 F30000:1001 Ip A1:1 C420jpeg XCOLORRANGE=FULL", "t");
  CHECK(h.width == 320);
  CHECK(h.height == 240);
  CHECK(h.fps_num == 30000);
  CHECK(h.fps_den == 1001);
  CHECK(h.full_range);
  CHECK(h.chroma == Y4mHeader::Chroma::C420);
  CHECK_FALSE(parse_y4m_header("YUV4MPEG2 W2 H2", "t").full_range);  // limited range is the default
  CHECK(parse_y4m_header("YUV4MPEG2 W2 H2 C444", "t").chroma == Y4mHeader::Chroma::C444);
  CHECK_THROWS_WITH_AS(parse_y4m_header("YUV4MPEG W2 H2", "f.y4m"), doctest::Contains("f.y4m: not a Y4M"), Error);
  CHECK_THROWS_WITH_AS(parse_y4m_header("YUV4MPEG2 W2", "f"), doctest::Contains("lacks H"), Error);
  CHECK_THROWS_WITH_AS(parse_y4m_header("YUV4MPEG2 W2 H2 C422", "f"), doctest::Contains("C422 is not supported"), Error);
  CHECK_THROWS_WITH_AS(parse_y4m_header("YUV4MPEG2 W2 H2 It", "f"), doctest::Contains("interlaced"), Error);
  CHECK_THROWS_WITH_AS(parse_y4m_header("YUV4MPEG2 W0 H2", "f"), doctest::Contains("outside"), Error);
  CHECK_THROWS_WITH_AS(parse_y4m_header("YUV4MPEG2 W99999 H2", "f"), doctest::Contains("outside"), Error);
  CHECK_THROWS_WITH_AS(parse_y4m_header("YUV4MPEG2 Wabc H2", "f"), doctest::Contains("field W 'abc'"), Error);
  CHECK_THROWS_WITH_AS(parse_y4m_header("YUV4MPEG2 W2 H2 Q7", "f"), doctest::Contains("unknown Y4M header field 'Q7'"), Error);
}

TEST_CASE("y4m: full-range colour conversion is the documented integer formula") {
  Y4mHeader h = parse_y4m_header("YUV4MPEG2 W2 H2 C420jpeg XCOLORRANGE=FULL", "t");
  // Grey (Cb = Cr = 128) stays grey exactly; a strong red chroma moves R up and G down by the formula.
  const uint8_t grey[] = {0, 100, 200, 255, 128, 128};
  Image img;
  y4m_planes_to_rgb(h, grey, img);
  for (int i = 0; i < 4; ++i)
    for (int c = 0; c < 3; ++c) CHECK(img.rgb[static_cast<size_t>(i * 3 + c)] == grey[i]);
  const uint8_t red[] = {100, 100, 100, 100, 90, 240};  // d = -38, e = 112
  y4m_planes_to_rgb(h, red, img);
  CHECK(img.rgb[0] == 255);  // 100 + ((91881 * 112 + 32768) >> 16) = 257, clamped
  CHECK(img.rgb[1] == 100 + ((-22554 * -38 - 46802 * 112 + 32768) >> 16));  // 100 + (-67)
  CHECK(img.rgb[2] == 100 + ((116130 * -38 + 32768) >> 16));                 // 100 + (-67)
}

TEST_CASE("y4m: a stream of frames, a corrupt marker skipped with its frame number, then truncation") {
  const std::string path = temp_path("vigil_test_stream.y4m");
  std::string bytes = "YUV4MPEG2 W4 H2 F10:1 C420jpeg XCOLORRANGE=FULL\n";
  bytes += frame_420(128, 128);
  bytes += "GARBAGE\n" + frame_420(128, 128).substr(0);  // frame 1 is corrupt; frame 2 follows it
  bytes += frame_420(128, 128).substr(0, 10);           // frame 3 is truncated
  write_file(path, bytes);
  auto source = open_frame_source(path);
  Frame f;
  REQUIRE(source->next(f));
  CHECK(f.index == 0);
  CHECK(f.image.width == 4);
  CHECK(f.image.rgb[3 * 3] == 48);  // Y of pixel 3, grey
  CHECK_THROWS_WITH_AS(source->next(f), doctest::Contains("frame 1: expected a FRAME marker"), Error);
  REQUIRE(source->next(f));
  CHECK(f.index == 2);
  CHECK_THROWS_WITH_AS(source->next(f), doctest::Contains("frame 3 is truncated"), Error);
  CHECK_FALSE(source->next(f));
  std::filesystem::remove(path);
}

TEST_CASE("y4m: empty input and a bad header are errors before any frame") {
  const std::string path = temp_path("vigil_test_empty.y4m");
  write_file(path, "");
  CHECK_THROWS_WITH_AS(open_frame_source(path), doctest::Contains("empty input"), Error);
  write_file(path, "RIFF....\n");
  CHECK_THROWS_WITH_AS(open_frame_source(path), doctest::Contains("not a Y4M stream"), Error);
  std::filesystem::remove(path);
}

TEST_CASE("y4m: the source reports the header's frame rate, 0 without an F tag") {
  const std::string with_rate = temp_path("vigil_y4m_rate.y4m"), without = temp_path("vigil_y4m_norate.y4m");
  write_file(with_rate, "YUV4MPEG2 W4 H2 F30000:1001 C420jpeg\n" + frame_420(128, 128));
  write_file(without, "YUV4MPEG2 W4 H2 C420jpeg\n" + frame_420(128, 128));
  CHECK(open_y4m_source(with_rate)->fps() == doctest::Approx(29.97002997));
  CHECK(open_y4m_source(without)->fps() == 0);
}
