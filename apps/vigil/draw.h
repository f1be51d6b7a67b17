// Minimal drawing for annotated frames: rectangles and short ASCII labels.
#pragma once

#include <cstdint>
#include <string>

#include "loaders/image/image.h"

namespace vigil::cli {

struct Color {
  uint8_t r, g, b;
};

Color class_color(int class_id);  // a stable, distinct colour per class
void draw_rect(Image& img, int x1, int y1, int x2, int y2, Color c, int thickness = 2);
void fill_rect(Image& img, int x1, int y1, int x2, int y2, Color c);
// Text with its top-left corner at (x, y), on a filled background box.
void draw_label(Image& img, int x, int y, const std::string& text, Color background);

}  // namespace vigil::cli
