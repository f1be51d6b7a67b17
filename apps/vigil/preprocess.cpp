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
  return p;
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
  const double sx = static_cast<double>(image.width) / p.width, sy = static_cast<double>(image.height) / p.height;
  const size_t plane = static_cast<size_t>(p.width) * p.height;
  // The column taps are the same on every row: computed once (a 256x256 frame took ~1 ms per call with
  // them recomputed per pixel; `vigil detect` at 2 threads spent 7 % of its CPU time here).
  if (image.width == p.width && image.height == p.height) {
    // No resize: every tap has weight 0 and the formula reduces to ((v / 255) - mean) / std of the pixel
    // itself (x * 1 + y * 0 is x exactly), so a table over the 256 byte values gives the same bits.
    for (int c = 0; c < 3; ++c) {
      const int dst_c = p.bgr ? 2 - c : c;
      float table[256];
      for (int v = 0; v < 256; ++v) table[v] = static_cast<float>((v / 255.0 - p.mean[dst_c]) / p.std[dst_c]);
      float* out = nchw + static_cast<size_t>(dst_c) * plane;
      for (size_t i = 0; i < plane; ++i) out[i] = table[image.rgb[3 * i + static_cast<size_t>(c)]];
    }
    return;
  }
  std::vector<Tap> columns(static_cast<size_t>(p.width));
  for (int x = 0; x < p.width; ++x) columns[static_cast<size_t>(x)] = tap(x, sx, image.width);
  for (int y = 0; y < p.height; ++y) {
    const Tap row = tap(y, sy, image.height);
    const uint8_t* r0 = image.pixel(0, row.i0);
    const uint8_t* r1 = image.pixel(0, row.i1);
    for (int c = 0; c < 3; ++c) {
      const int dst_c = p.bgr ? 2 - c : c;
      const double mean = p.mean[dst_c], std = p.std[dst_c];
      float* out = nchw + static_cast<size_t>(dst_c) * plane + static_cast<size_t>(y) * p.width;
      for (int x = 0; x < p.width; ++x) {
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
