#include "loaders/video/frame_source.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "loaders/video/y4m.h"
#include "engine/error.h"

namespace vigil {

namespace {

bool is_image_file(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp";
}

class ImageListSource final : public FrameSource {
 public:
  explicit ImageListSource(std::vector<std::string> files) : files_(std::move(files)) {}
  bool next(Frame& frame) override {
    if (pos_ >= files_.size()) return false;
    const std::string& file = files_[pos_];
    frame.index = static_cast<int64_t>(pos_++);
    frame.name = std::filesystem::path(file).filename().string();
    frame.image = read_image(file);
    return true;
  }

 private:
  std::vector<std::string> files_;
  size_t pos_ = 0;
};

}  // namespace

std::unique_ptr<FrameSource> open_frame_source(const std::string& path) {
  namespace fs = std::filesystem;
  if (path == "-" || fs::path(path).extension() == ".y4m") return open_y4m_source(path);
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(path, ec))
      if (entry.is_regular_file() && is_image_file(entry.path())) files.push_back(entry.path().string());
    if (ec) fail(path, ": cannot list the directory: ", ec.message());
    if (files.empty()) fail(path, ": no .jpg, .jpeg, .png or .bmp frames in this directory");
    std::sort(files.begin(), files.end());
    return std::make_unique<ImageListSource>(std::move(files));
  }
  if (!fs::exists(path, ec)) fail(path, ": no such file or directory");
  if (!is_image_file(path)) fail(path, ": unsupported input (expected an image file or a directory of frames)");
  return std::make_unique<ImageListSource>(std::vector<std::string>{path});
}

}  // namespace vigil
