// Still images in and out (JPEG, PNG, BMP... through stb_image; PNG and JPEG out through
// stb_image_write). Pixels are 8-bit RGB, interleaved, row-major.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vigil {

struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  // width * height * 3

  uint8_t* pixel(int x, int y) { return rgb.data() + (static_cast<size_t>(y) * width + x) * 3; }
  const uint8_t* pixel(int x, int y) const { return rgb.data() + (static_cast<size_t>(y) * width + x) * 3; }
};

// Largest accepted width or height: a corrupt header must not drive a huge allocation.
inline constexpr int kMaxImageSide = 16384;

// Throws vigil::Error naming the file and the decoder's reason.
Image read_image(const std::string& path);
Image decode_image(const uint8_t* bytes, size_t size, const std::string& what);
// Format by extension: .png or .jpg/.jpeg (quality 90).
void write_image(const std::string& path, const Image& image);

}  // namespace vigil
