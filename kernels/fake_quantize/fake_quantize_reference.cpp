#include <cmath>

#include "kernels/fake_quantize/fake_quantize.h"

namespace vigil::kernels {

namespace {

// Rounds to the nearest integer, ties to the even one, written out rather than relying on the FPU's
// rounding mode. `v` is a finite double converted from a float, so v - floor(v) is exact.
double round_half_to_even(double v) {
  const double below = std::floor(v);
  const double frac = v - below;
  if (frac < 0.5) return below;
  if (frac > 0.5) return below + 1.0;
  return std::fmod(below, 2.0) == 0.0 ? below : below + 1.0;
}

}  // namespace

int32_t quantize_value(float x, float scale, int32_t zero_point, int32_t qmin, int32_t qmax) {
  const float scaled = x / scale;  // the spec divides in the input's type, f32
  double q;
  if (std::isnan(scaled))
    q = qmin;  // onnxruntime's choice; the spec leaves NaN undefined for integer outputs
  else if (std::isinf(scaled))
    q = scaled > 0 ? qmax : qmin;
  else
    q = round_half_to_even(static_cast<double>(scaled)) + zero_point;
  if (q < qmin) q = qmin;
  if (q > qmax) q = qmax;
  return static_cast<int32_t>(q);
}

float fake_quantize_value(float x, float scale, int32_t zero_point, int32_t qmin, int32_t qmax) {
  const int64_t centered = int64_t{quantize_value(x, scale, zero_point, qmin, qmax)} - zero_point;
  return static_cast<float>(centered) * scale;
}

void fake_quantize_reference(const FakeQuantizeParams& p, const float* in, float* out) {
  for (int64_t o = 0; o < p.outer; ++o)
    for (int64_t c = 0; c < p.channels; ++c) {
      const int64_t base = (o * p.channels + c) * p.inner;
      for (int64_t i = 0; i < p.inner; ++i)
        out[base + i] = fake_quantize_value(in[base + i], p.scales[c], p.zero_points[c], p.qmin, p.qmax);
    }
}

}  // namespace vigil::kernels
