#include "loaders/image/image.h"

#include <fstream>
#include <iterator>

#include "engine/error.h"
#include "loaders/image/stb.h"

namespace vigil {

Image decode_image(const uint8_t* bytes, size_t size, const std::string& what) {
  if (size > static_cast<size_t>(INT32_MAX)) fail(what, ": file too large for the image decoder");
  int w = 0, h = 0, channels = 0;
  if (!stbi_info_from_memory(bytes, static_cast<int>(size), &w, &h, &channels))
    fail(what, ": not a readable image (", stbi_failure_reason(), ")");
  if (w <= 0 || h <= 0 || w > kMaxImageSide || h > kMaxImageSide)
    fail(what, ": image size ", w, "x", h, " is outside 1..", kMaxImageSide);
  unsigned char* data = stbi_load_from_memory(bytes, static_cast<int>(size), &w, &h, &channels, 3);
  if (!data) fail(what, ": cannot decode image (", stbi_failure_reason(), ")");
  Image img;
  img.width = w;
  img.height = h;
  img.rgb.assign(data, data + static_cast<size_t>(w) * h * 3);
  stbi_image_free(data);
  return img;
}

Image read_image(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, ": cannot open");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return decode_image(bytes.data(), bytes.size(), path);
}

void write_image(const std::string& path, const Image& image) {
  int ok = 0;
  if (path.ends_with(".png")) ok = stbi_write_png(path.c_str(), image.width, image.height, 3, image.rgb.data(), image.width * 3);
  else if (path.ends_with(".jpg") || path.ends_with(".jpeg"))
    ok = stbi_write_jpg(path.c_str(), image.width, image.height, 3, image.rgb.data(), 90);
  else fail(path, ": unknown image type (use .png or .jpg)");
  if (!ok) fail(path, ": cannot write image");
}

}  // namespace vigil
