#include "apps/vigil/preprocess.h"

#include <algorithm>
#include <cmath>

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

void preprocess(const Image& image, const Preprocessing& p, float* nchw) {
  const double sx = static_cast<double>(image.width) / p.width, sy = static_cast<double>(image.height) / p.height;
  const size_t plane = static_cast<size_t>(p.width) * p.height;
  for (int y = 0; y < p.height; ++y) {
    double fy = std::clamp((y + 0.5) * sy - 0.5, 0.0, image.height - 1.0);
    int y0 = static_cast<int>(fy), y1 = std::min(y0 + 1, image.height - 1);
    double wy = fy - y0;
    for (int x = 0; x < p.width; ++x) {
      double fx = std::clamp((x + 0.5) * sx - 0.5, 0.0, image.width - 1.0);
      int x0 = static_cast<int>(fx), x1 = std::min(x0 + 1, image.width - 1);
      double wx = fx - x0;
      for (int c = 0; c < 3; ++c) {
        double top = image.pixel(x0, y0)[c] * (1 - wx) + image.pixel(x1, y0)[c] * wx;
        double bottom = image.pixel(x0, y1)[c] * (1 - wx) + image.pixel(x1, y1)[c] * wx;
        double v = (top * (1 - wy) + bottom * wy) / 255.0;
        int dst_c = p.bgr ? 2 - c : c;
        nchw[static_cast<size_t>(dst_c) * plane + static_cast<size_t>(y) * p.width + x] =
            static_cast<float>((v - p.mean[dst_c]) / p.std[dst_c]);
      }
    }
  }
}

}  // namespace vigil::cli
