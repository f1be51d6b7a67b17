// vigil::cli::preprocess (bilinear resize + normalisation into the NCHW input) against the formula of
// apps/vigil/preprocess.h evaluated pixel by pixel, bit for bit: downscaling, upscaling, the same size,
// odd sizes, BGR order, per-channel mean and std.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "apps/vigil/preprocess.h"

using namespace vigil;
using namespace vigil::cli;

namespace {

float formula(const Image& image, const Preprocessing& p, int dst_c, int y, int x) {
  const int c = p.bgr ? 2 - dst_c : dst_c;
  const double sx = static_cast<double>(image.width) / p.width, sy = static_cast<double>(image.height) / p.height;
  const double fy = std::clamp((y + 0.5) * sy - 0.5, 0.0, image.height - 1.0);
  const double fx = std::clamp((x + 0.5) * sx - 0.5, 0.0, image.width - 1.0);
  const int y0 = static_cast<int>(fy), y1 = std::min(y0 + 1, image.height - 1);
  const int x0 = static_cast<int>(fx), x1 = std::min(x0 + 1, image.width - 1);
  const double wy = fy - y0, wx = fx - x0;
  const double top = image.pixel(x0, y0)[c] * (1 - wx) + image.pixel(x1, y0)[c] * wx;
  const double bottom = image.pixel(x0, y1)[c] * (1 - wx) + image.pixel(x1, y1)[c] * wx;
  const double v = (top * (1 - wy) + bottom * wy) / 255.0;
  return static_cast<float>((v - p.mean[dst_c]) / p.std[dst_c]);
}

}  // namespace

TEST_CASE("preprocess: bilinear resize and normalisation match the per-pixel formula bit for bit") {
  std::mt19937 rng(7);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const int sizes[][4] = {
      {256, 256, 256, 256}, {640, 480, 256, 256}, {97, 61, 128, 96}, {1, 1, 5, 3}, {33, 17, 33, 17}};
  for (int index = 0; index < 40; ++index) {
    Image image;
    Preprocessing p;
    if (index < 5) {
      image.width = sizes[index][0], image.height = sizes[index][1], p.width = sizes[index][2],
      p.height = sizes[index][3];
    } else {
      image.width = pick(1, 300), image.height = pick(1, 300), p.width = pick(1, 200), p.height = pick(1, 200);
    }
    p.bgr = index % 2 == 1;
    if (index % 3 != 0)
      for (int c = 0; c < 3; ++c) p.mean[c] = 0.4f + 0.05f * c, p.std[c] = 0.2f + 0.03f * c;
    image.rgb.resize(static_cast<size_t>(image.width) * image.height * 3);
    for (auto& v : image.rgb) v = static_cast<uint8_t>(pick(0, 255));
    std::vector<float> got(static_cast<size_t>(3) * p.width * p.height, -1.0f);
    preprocess(image, p, got.data());
    int mismatches = 0;
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < p.height; ++y)
        for (int x = 0; x < p.width; ++x) {
          const float want = formula(image, p, c, y, x);
          const float have = got[(static_cast<size_t>(c) * p.height + y) * p.width + x];
          mismatches += std::memcmp(&want, &have, sizeof(float)) != 0;
        }
    CAPTURE(index);
    CHECK(mismatches == 0);
  }
}
