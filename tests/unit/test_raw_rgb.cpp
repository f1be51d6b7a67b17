// Raw RGB24 frames: pixels arrive unchanged, a file whose length does not fit --size is rejected before
// the first frame, a stream's trailing partial frame is reported with its number, bad sizes are errors.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "engine/error.h"
#include "error_of.h"
#include "loaders/video/raw_rgb.h"

using namespace vigil;
using vigil::test::error_of;

namespace {

std::string temp_file(const char* name, const std::string& bytes) {
  const std::string path = (std::filesystem::temp_directory_path() / name).string();
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string frames(int count, int bytes_each) {
  std::string s;
  for (int i = 0; i < count * bytes_each; ++i) s.push_back(static_cast<char>(i % 251));
  return s;
}

}  // namespace

TEST_CASE("raw rgb: frames, pixels, names, no frame rate") {
  const std::string path = temp_file("vigil_raw_ok.rgb", frames(3, 4 * 2 * 3));
  auto src = open_raw_rgb_source(path, 4, 2);
  CHECK(src->fps() == 0);
  Frame f;
  for (int i = 0; i < 3; ++i) {
    REQUIRE(src->next(f));
    CHECK(f.index == i);
    CHECK(f.image.width == 4);
    CHECK(f.image.height == 2);
    CHECK(f.image.pixel(1, 1)[2] == static_cast<uint8_t>((i * 24 + (4 + 1) * 3 + 2) % 251));
  }
  CHECK(f.name == "frame_000002");
  CHECK_FALSE(src->next(f));
  CHECK_FALSE(src->next(f));
}

TEST_CASE("raw rgb: a file that does not fit the size is rejected up front") {
  const std::string path = temp_file("vigil_raw_bad.rgb", frames(2, 24) + "xyz");
  CHECK(error_of([&] { open_raw_rgb_source(path, 4, 2); }) ==
        path + ": 51 bytes is not a whole number of 4x2 RGB frames (24 bytes each): is --size right?");
  const std::string empty = temp_file("vigil_raw_empty.rgb", "");
  CHECK(error_of([&] { open_raw_rgb_source(empty, 4, 2); }).find("empty file") != std::string::npos);
  CHECK(error_of([&] { open_raw_rgb_source(path, 0, 2); }).find("size 0x2 is outside 1..16384") != std::string::npos);
  CHECK(error_of([&] { open_raw_rgb_source(path, 4, 99999); }).find("outside") != std::string::npos);
  CHECK(error_of([&] { open_raw_rgb_source("/no/such/file.rgb", 4, 2); }).find("cannot open") != std::string::npos);
}

TEST_CASE("raw rgb: a stream's trailing partial frame is reported with its number, then the stream ends") {
  // A stream (as from a pipe): nothing is known about its length in advance.
  const std::string path = temp_file("vigil_raw_partial.rgb", frames(2, 24) + std::string(10, 'x'));
  FILE* file = std::fopen(path.c_str(), "rb");
  REQUIRE(file);
  auto src = raw_rgb_source(file, true, "<stdin>", 4, 2);
  Frame f;
  CHECK(src->next(f));
  CHECK(src->next(f));
  CHECK(error_of([&] { src->next(f); }) == "<stdin>: frame 2 is truncated: 10 of 24 bytes (4x2 RGB); is --size right?");
  CHECK_FALSE(src->next(f));

  FILE* none = std::fopen(temp_file("vigil_raw_none.rgb", "").c_str(), "rb");
  REQUIRE(none);
  auto empty = raw_rgb_source(none, true, "<stdin>", 4, 2);
  CHECK(error_of([&] { empty->next(f); }) == "<stdin>: empty input, no raw RGB frames");
}
