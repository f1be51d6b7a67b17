// Wraps stb_easy_font (third-party code: compiled with warnings off, see CMakeLists.txt).
#include "apps/vigil/text_quads.h"

#include <stb_easy_font.h>

namespace vigil::cli {

std::vector<TextQuad> text_quads(const std::string& text) {
  struct Vertex {
    float x, y, z;
    unsigned char color[4];
  };
  std::vector<Vertex> buffer(text.size() * 300 + 64);
  std::string copy = text;
  int quads = stb_easy_font_print(0, 0, copy.data(), nullptr, buffer.data(), static_cast<int>(buffer.size() * sizeof(Vertex)));
  std::vector<TextQuad> out;
  for (int q = 0; q < quads; ++q) {
    const Vertex* v = &buffer[static_cast<size_t>(q) * 4];
    out.push_back({v[0].x, v[0].y, v[2].x, v[2].y});
  }
  return out;
}

}  // namespace vigil::cli
