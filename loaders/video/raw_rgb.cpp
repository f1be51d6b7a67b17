#include "loaders/video/raw_rgb.h"

#include <filesystem>

#include "engine/error.h"

namespace vigil {

namespace {

void check_size(const std::string& what, int width, int height) {
  if (width < 1 || height < 1 || width > kMaxImageSide || height > kMaxImageSide)
    fail(what, ": raw RGB frame size ", width, "x", height, " is outside 1..", kMaxImageSide);
}

class RawRgbSource final : public FrameSource {
 public:
  RawRgbSource(FILE* file, bool owned, std::string what, int width, int height)
      : file_(file), owned_(owned), what_(std::move(what)), width_(width), height_(height) {}
  ~RawRgbSource() override {
    if (owned_) std::fclose(file_);
  }

  bool next(Frame& frame) override {
    if (done_) return false;
    const size_t bytes = static_cast<size_t>(width_) * height_ * 3;
    frame.image.width = width_;
    frame.image.height = height_;
    frame.image.rgb.resize(bytes);
    const size_t got = std::fread(frame.image.rgb.data(), 1, bytes, file_);
    const int64_t index = next_index_++;
    if (got == 0 && !std::ferror(file_)) {
      done_ = true;
      if (index == 0) fail(what_, ": empty input, no raw RGB frames");
      return false;
    }
    if (got != bytes) {
      done_ = true;  // nothing follows a short read: the stream is over (or unreadable)
      if (std::ferror(file_)) fail(what_, ": frame ", index, ": read error");
      fail(what_, ": frame ", index, " is truncated: ", got, " of ", bytes, " bytes (", width_, "x", height_,
           " RGB); is --size right?");
    }
    frame.index = index;
    char name[32];
    std::snprintf(name, sizeof name, "frame_%06lld", static_cast<long long>(index));
    frame.name = name;
    return true;
  }

 private:
  FILE* file_;
  bool owned_;
  std::string what_;
  int width_, height_;
  int64_t next_index_ = 0;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<FrameSource> raw_rgb_source(FILE* file, bool owned, std::string what, int width, int height) {
  try {
    check_size(what, width, height);
  } catch (...) {
    if (owned) std::fclose(file);
    throw;
  }
  return std::make_unique<RawRgbSource>(file, owned, std::move(what), width, height);
}

std::unique_ptr<FrameSource> open_raw_rgb_source(const std::string& path, int width, int height) {
  if (path == "-") return raw_rgb_source(stdin, false, "<stdin>", width, height);
  check_size(path, width, height);
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) fail(path, ": is a directory, not a raw RGB stream (--size is for raw RGB input)");
  // A regular file's length is known: a size that does not divide it is wrong, and is said so up front.
  if (fs::is_regular_file(path, ec)) {
    const uintmax_t length = fs::file_size(path, ec);
    const uintmax_t frame = static_cast<uintmax_t>(width) * height * 3;
    if (!ec && length == 0) fail(path, ": empty file, no raw RGB frames");
    if (!ec && length % frame != 0)
      fail(path, ": ", length, " bytes is not a whole number of ", width, "x", height, " RGB frames (", frame,
           " bytes each): is --size right?");
  }
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) fail(path, ": cannot open");
  return raw_rgb_source(f, true, path, width, height);
}

}  // namespace vigil
