// Text as axis-aligned quads (stb_easy_font's tiny bitmap font), for drawing labels into frames.
#pragma once

#include <string>
#include <vector>

namespace vigil::cli {

struct TextQuad {
  float x0, y0, x1, y1;  // pixels at font scale 1, y down
};

std::vector<TextQuad> text_quads(const std::string& text);

}  // namespace vigil::cli
