// vigil::cli::preprocess (bilinear resize + normalisation into the NCHW input) against the formula of
// apps/vigil/preprocess.h evaluated pixel by pixel, bit for bit: downscaling, upscaling, the same size,
// odd sizes, BGR order, per-channel mean and std.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <optional>
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

TEST_CASE("letterbox_placement: darknet's letterbox_image geometry, worked out by hand") {
  // 768x576 into 416x416: 416/768 = .542 < 416/576 = .722, so the width fills: 416 x (576*416)/768 = 312,
  // centred at y = (416-312)/2 = 52.
  InputPlacement p = letterbox_placement(768, 576, 416, 416);
  CHECK((p.x == 0 && p.y == 52 && p.width == 416 && p.height == 312));
  // 500x500 into 160x128: 160/500 = .32 >= 128/500 = .256, so the height fills: (500*128)/500 = 128 wide,
  // x = (160-128)/2 = 16.
  p = letterbox_placement(500, 500, 160, 128);
  CHECK((p.x == 16 && p.y == 0 && p.width == 128 && p.height == 128));
  // 773x512 into 320x320: width fills, (512*320)/773 = 211.9 -> 211, y = (320-211)/2 = 54 (rounded down).
  p = letterbox_placement(773, 512, 320, 320);
  CHECK((p.x == 0 && p.y == 54 && p.width == 320 && p.height == 211));
  // An odd margin: 500x500 into 161x128, x = (161-128)/2 = 16 (rounded down, as darknet's integer division).
  p = letterbox_placement(500, 500, 161, 128);
  CHECK((p.x == 16 && p.y == 0 && p.width == 128 && p.height == 128));
  // The same aspect ratio: the whole input, no border.
  p = letterbox_placement(640, 480, 320, 240);
  CHECK((p.x == 0 && p.y == 0 && p.width == 320 && p.height == 240));
  // A 1000x1 sliver keeps one row.
  p = letterbox_placement(1000, 1, 100, 100);
  CHECK((p.width == 100 && p.height == 1 && p.y == 49));

  // Without letterbox the placement is the whole input whatever the frame.
  Preprocessing plain;
  plain.width = 160, plain.height = 128;
  p = input_placement(plain, 500, 500);
  CHECK((p.x == 0 && p.y == 0 && p.width == 160 && p.height == 128));
  // Mapping back inverts the placement: input (16 + 64, 0 + 128) of the 500x500 frame's 128x128 rectangle is
  // frame (250, 500).
  const InputPlacement boxed = letterbox_placement(500, 500, 160, 128);
  CHECK(input_to_frame_x(boxed, 80.0f, 500) == doctest::Approx(250.0f));
  CHECK(input_to_frame_y(boxed, 128.0f, 500) == doctest::Approx(500.0f));
  CHECK(input_to_frame_x(boxed, 16.0f, 500) == 0.0f);
  // Plain: a per-axis scale (x 500/160, y 500/128).
  CHECK(input_to_frame_x(p, 80.0f, 500) == doctest::Approx(250.0f));
  CHECK(input_to_frame_y(p, 64.0f, 500) == doctest::Approx(250.0f));
}

TEST_CASE("preprocess with letterbox: gray border, the frame resized into its rectangle bit for bit") {
  std::mt19937 rng(9);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int index = 0; index < 30; ++index) {
    Image image;
    image.width = index == 0 ? 160 : pick(1, 300), image.height = index == 0 ? 64 : pick(1, 300);
    Preprocessing p;
    p.width = index == 0 ? 80 : pick(1, 200), p.height = index == 0 ? 80 : pick(1, 200);
    p.letterbox = true;
    if (index % 4 == 2) p.letterbox_fill = 114.0f / 255.0f;  // Ultralytics' gray
    p.bgr = index % 2 == 1;
    if (index % 3 != 0)
      for (int c = 0; c < 3; ++c) p.mean[c] = 0.4f + 0.05f * c, p.std[c] = 0.2f + 0.03f * c;
    image.rgb.resize(static_cast<size_t>(image.width) * image.height * 3);
    for (auto& v : image.rgb) v = static_cast<uint8_t>(pick(0, 255));
    std::vector<float> got(static_cast<size_t>(3) * p.width * p.height, -1.0f);
    preprocess(image, p, got.data());

    const InputPlacement place = letterbox_placement(image.width, image.height, p.width, p.height);
    // Inside: the plain resize of the frame to the rectangle's size, shifted by its offset.
    Preprocessing inner = p;
    inner.letterbox = false;
    inner.width = place.width, inner.height = place.height;
    int mismatches = 0, border = 0;
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < p.height; ++y)
        for (int x = 0; x < p.width; ++x) {
          const bool inside = x >= place.x && x < place.x + place.width && y >= place.y && y < place.y + place.height;
          const float want = inside ? formula(image, inner, c, y - place.y, x - place.x)
                                    : static_cast<float>((double{p.letterbox_fill} - p.mean[c]) / p.std[c]);
          border += !inside;
          const float have = got[(static_cast<size_t>(c) * p.height + y) * p.width + x];
          mismatches += std::memcmp(&want, &have, sizeof(float)) != 0;
        }
    CAPTURE(index);
    CHECK(mismatches == 0);
    if (index == 0) CHECK(border == 3 * 80 * 48);  // 160x64 -> 80x32 at y = 24: 48 gray rows per channel
  }
}

namespace {

// A graph with one f32 [1,3,8,8] input and the given metadata.
Graph image_graph(const Metadata& metadata) {
  Graph g;
  Value v;
  v.name = "input";
  v.dtype = DType::F32;
  v.shape = Shape{1, 3, 8, 8};
  g.values.push_back(v);
  g.inputs.push_back(0);
  g.metadata = metadata;
  return g;
}

}  // namespace

TEST_CASE("preprocessing_for reads metadata letterbox, and rejects a value other than 0 or 1") {
  auto graph_with = [](std::optional<AttrValue> letterbox) {
    Metadata m;
    if (letterbox) m["letterbox"] = *letterbox;
    return image_graph(m);
  };
  CHECK_FALSE(preprocessing_for(graph_with(std::nullopt), 0).letterbox);
  CHECK_FALSE(preprocessing_for(graph_with(AttrValue{int64_t{0}}), 0).letterbox);
  CHECK(preprocessing_for(graph_with(AttrValue{int64_t{1}}), 0).letterbox);
  std::string error;
  try {
    preprocessing_for(graph_with(AttrValue{int64_t{2}}), 0);
  } catch (const std::exception& e) {
    error = e.what();
  }
  CHECK(error == "metadata letterbox must be the integer 0 or 1");
}

TEST_CASE("preprocessing_for reads metadata letterbox_fill (default 0.5), and rejects values outside [0, 1]") {
  auto fill_of = [](std::optional<AttrValue> fill) {
    Metadata m;
    m["letterbox"] = int64_t{1};
    if (fill) m["letterbox_fill"] = *fill;
    return preprocessing_for(image_graph(m), 0).letterbox_fill;
  };
  CHECK(fill_of(std::nullopt) == 0.5f);
  CHECK(fill_of(AttrValue{114.0f / 255.0f}) == 114.0f / 255.0f);
  for (AttrValue bad : {AttrValue{1.5f}, AttrValue{-0.1f}, AttrValue{int64_t{1}}}) {
    std::string error;
    try {
      fill_of(bad);
    } catch (const std::exception& e) {
      error = e.what();
    }
    CHECK(error == "metadata letterbox_fill must be a float in [0, 1]");
  }
}
