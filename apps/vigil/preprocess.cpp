#include "apps/vigil/preprocess.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/error.h"

namespace vigil::cli {

Preprocessing preprocessing_for(const Graph& g, int input_value) {
  const Value& in = g.values[static_cast<size_t>(input_value)];
  if (in.dtype != DType::F32 || in.shape.rank != 4 || in.shape[0] != 1 || in.shape[1] != 3)
    fail("input '", in.name, "' is ", dtype_name(in.dtype), in.shape.str(), ", not an f32 [1,3,H,W] image");
  Preprocessing p;
  p.height = static_cast<int>(in.shape[2]);
  p.width = static_cast<int>(in.shape[3]);
  if (auto it = g.metadata.find("channel_order"); it != g.metadata.end()) {
    const auto* s = std::get_if<std::string>(&it->second);
    if (!s || (*s != "RGB" && *s != "BGR")) fail("metadata channel_order must be \"RGB\" or \"BGR\"");
    p.bgr = *s == "BGR";
  }
  auto per_channel = [&](const char* key, float* dst) {
    auto it = g.metadata.find(key);
    if (it == g.metadata.end()) return;
    const auto* v = std::get_if<std::vector<float>>(&it->second);
    if (!v || (v->size() != 1 && v->size() != 3)) fail("metadata ", key, " must hold 1 or 3 floats");
    for (int c = 0; c < 3; ++c) dst[c] = (*v)[v->size() == 1 ? 0 : static_cast<size_t>(c)];
  };
  per_channel("mean", p.mean);
  per_channel("std", p.std);
  for (float s : p.std)
    if (!(s > 0)) fail("metadata std must be positive");
  if (auto it = g.metadata.find("letterbox"); it != g.metadata.end()) {
    const auto* v = std::get_if<int64_t>(&it->second);
    if (!v || (*v != 0 && *v != 1)) fail("metadata letterbox must be the integer 0 or 1");
    p.letterbox = *v == 1;
  }
  if (auto it = g.metadata.find("letterbox_fill"); it != g.metadata.end()) {
    const auto* v = std::get_if<float>(&it->second);
    if (!v || !(*v >= 0.0f && *v <= 1.0f)) fail("metadata letterbox_fill must be a float in [0, 1]");
    p.letterbox_fill = *v;
  }
  return p;
}

InputPlacement letterbox_placement(int frame_w, int frame_h, int input_w, int input_h) {
  // darknet's letterbox_image: the axis with the smaller scale fills the input; the other is scaled in
  // integer arithmetic ((size * input) / frame, rounded down) and centred with an offset rounded down.
  int new_w = input_w, new_h = input_h;
  if (static_cast<float>(input_w) / static_cast<float>(frame_w) <
      static_cast<float>(input_h) / static_cast<float>(frame_h)) {
    new_h = static_cast<int>(static_cast<int64_t>(frame_h) * input_w / frame_w);
  } else {
    new_w = static_cast<int>(static_cast<int64_t>(frame_w) * input_h / frame_h);
  }
  // A sliver frame would round to nothing: keep at least one pixel so that it is still sampled.
  new_w = std::max(new_w, 1), new_h = std::max(new_h, 1);
  return {(input_w - new_w) / 2, (input_h - new_h) / 2, new_w, new_h};
}

InputPlacement input_placement(const Preprocessing& p, int frame_w, int frame_h) {
  if (p.letterbox) return letterbox_placement(frame_w, frame_h, p.width, p.height);
  return {0, 0, p.width, p.height};
}

float input_to_frame_x(const InputPlacement& place, float x, int frame_w) {
  return (x - static_cast<float>(place.x)) * (static_cast<float>(frame_w) / static_cast<float>(place.width));
}

float input_to_frame_y(const InputPlacement& place, float y, int frame_h) {
  return (y - static_cast<float>(place.y)) * (static_cast<float>(frame_h) / static_cast<float>(place.height));
}

namespace {

// Where output coordinate i of n samples the input of size `in`: the two neighbours and the weight of
// the second (pixel centres aligned), exactly as the per-pixel formula computes them.
struct Tap {
  int i0, i1;
  double w;
};
Tap tap(int i, double scale, int in) {
  const double f = std::clamp((i + 0.5) * scale - 0.5, 0.0, in - 1.0);
  const int i0 = static_cast<int>(f);
  return {i0, std::min(i0 + 1, in - 1), f - i0};
}

}  // namespace

void preprocess(const Image& image, const Preprocessing& p, float* nchw) {
  const size_t plane = static_cast<size_t>(p.width) * p.height;
  const InputPlacement place = input_placement(p, image.width, image.height);
  if (place.x != 0 || place.y != 0 || place.width != p.width || place.height != p.height) {
    for (int c = 0; c < 3; ++c) {  // the letterbox gray, normalised like any pixel
      const float gray = static_cast<float>((static_cast<double>(p.letterbox_fill) - p.mean[c]) / p.std[c]);
      std::fill(nchw + static_cast<size_t>(c) * plane, nchw + static_cast<size_t>(c + 1) * plane, gray);
    }
  }
  // The frame goes into the placement's rectangle: offset `origin` into every plane, rows p.width apart.
  const size_t origin = static_cast<size_t>(place.y) * p.width + static_cast<size_t>(place.x);
  const double sx = static_cast<double>(image.width) / place.width;
  const double sy = static_cast<double>(image.height) / place.height;
  // The column taps are the same on every row: computed once (a 256x256 frame took ~1 ms per call with
  // them recomputed per pixel; `vigil detect` at 2 threads spent 7 % of its CPU time here).
  if (image.width == place.width && image.height == place.height) {
    // No resize: every tap has weight 0 and the formula reduces to ((v / 255) - mean) / std of the pixel
    // itself (x * 1 + y * 0 is x exactly), so a table over the 256 byte values gives the same bits.
    for (int c = 0; c < 3; ++c) {
      const int dst_c = p.bgr ? 2 - c : c;
      float table[256];
      for (int v = 0; v < 256; ++v) table[v] = static_cast<float>((v / 255.0 - p.mean[dst_c]) / p.std[dst_c]);
      for (int y = 0; y < place.height; ++y) {
        float* out = nchw + static_cast<size_t>(dst_c) * plane + origin + static_cast<size_t>(y) * p.width;
        const uint8_t* in = image.pixel(0, y);
        for (int x = 0; x < place.width; ++x) out[x] = table[in[3 * x + c]];
      }
    }
    return;
  }
  std::vector<Tap> columns(static_cast<size_t>(place.width));
  for (int x = 0; x < place.width; ++x) columns[static_cast<size_t>(x)] = tap(x, sx, image.width);
  for (int y = 0; y < place.height; ++y) {
    const Tap row = tap(y, sy, image.height);
    const uint8_t* r0 = image.pixel(0, row.i0);
    const uint8_t* r1 = image.pixel(0, row.i1);
    for (int c = 0; c < 3; ++c) {
      const int dst_c = p.bgr ? 2 - c : c;
      const double mean = p.mean[dst_c], std = p.std[dst_c];
      float* out = nchw + static_cast<size_t>(dst_c) * plane + origin + static_cast<size_t>(y) * p.width;
      for (int x = 0; x < place.width; ++x) {
        const Tap& col = columns[static_cast<size_t>(x)];
        const double top = r0[3 * col.i0 + c] * (1 - col.w) + r0[3 * col.i1 + c] * col.w;
        const double bottom = r1[3 * col.i0 + c] * (1 - col.w) + r1[3 * col.i1 + c] * col.w;
        const double v = (top * (1 - row.w) + bottom * row.w) / 255.0;
        out[x] = static_cast<float>((v - mean) / std);
      }
    }
  }
}

}  // namespace vigil::cli
