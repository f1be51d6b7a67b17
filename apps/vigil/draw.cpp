#include "apps/vigil/draw.h"

#include <algorithm>
#include <vector>

#include "apps/vigil/text_quads.h"

namespace vigil::cli {

Color class_color(int class_id) {
  static constexpr Color palette[] = {{230, 25, 75},  {60, 180, 75},  {255, 225, 25}, {0, 130, 200},
                                      {245, 130, 48}, {145, 30, 180}, {70, 240, 240}, {240, 50, 230},
                                      {210, 245, 60}, {250, 190, 212}, {0, 128, 128}, {170, 110, 40}};
  return palette[static_cast<size_t>(class_id < 0 ? 0 : class_id) % std::size(palette)];
}

void fill_rect(Image& img, int x1, int y1, int x2, int y2, Color c) {
  x1 = std::max(x1, 0), y1 = std::max(y1, 0);
  x2 = std::min(x2, img.width - 1), y2 = std::min(y2, img.height - 1);
  for (int y = y1; y <= y2; ++y)
    for (int x = x1; x <= x2; ++x) {
      uint8_t* p = img.pixel(x, y);
      p[0] = c.r, p[1] = c.g, p[2] = c.b;
    }
}

void draw_rect(Image& img, int x1, int y1, int x2, int y2, Color c, int t) {
  fill_rect(img, x1, y1, x2, y1 + t - 1, c);
  fill_rect(img, x1, y2 - t + 1, x2, y2, c);
  fill_rect(img, x1, y1, x1 + t - 1, y2, c);
  fill_rect(img, x2 - t + 1, y1, x2, y2, c);
}

void draw_label(Image& img, int x, int y, const std::string& text, Color background) {
  constexpr int kScale = 2;  // the font is 7 px tall; doubled it stays readable on video frames
  std::vector<TextQuad> quads = text_quads(text);
  int w = 0;
  for (const auto& q : quads) w = std::max(w, static_cast<int>(q.x1));
  fill_rect(img, x, y, x + w * kScale + 3, y + 9 * kScale + 2, background);
  for (const auto& q : quads)
    fill_rect(img, x + 2 + static_cast<int>(q.x0) * kScale, y + 2 + static_cast<int>(q.y0) * kScale,
              x + 2 + static_cast<int>(q.x1) * kScale - 1, y + 2 + static_cast<int>(q.y1) * kScale - 1, {255, 255, 255});
}

}  // namespace vigil::cli
