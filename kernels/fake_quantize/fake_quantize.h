// Fake quantization: ONNX's QuantizeLinear followed by DequantizeLinear with the same scale and zero point,
// computed in f32 as ONNX specifies both ops. For every element x of channel c (scale s = scales[c],
// zero point z = zero_points[c]):
//   q = clamp(round_half_to_even(x / s) + z, qmin, qmax)     (x / s is one f32 division)
//   y = float(q - z) * s                                     (one f32 multiplication)
// A NaN x (or x / s) gives q = qmin, as onnxruntime's QuantizeLinear does; +-inf saturates to qmax / qmin
// (or the other way round for a negative scale).
//
// Layout: the input is [outer, channels, inner] row-major; per-tensor quantization is channels = 1.
// Preconditions (checked at load): every scale finite and non-zero, qmin <= z <= qmax.
#pragma once

#include <cstdint>

namespace vigil::kernels {

struct FakeQuantizeParams {
  int64_t outer = 1;
  int64_t channels = 1;
  int64_t inner = 1;
  const float* scales = nullptr;         // `channels` values
  const int32_t* zero_points = nullptr;  // `channels` values
  int32_t qmin = 0;
  int32_t qmax = 255;
};

// q of one element (QuantizeLinear alone; the importer folds constant QuantizeLinear with it).
int32_t quantize_value(float x, float scale, int32_t zero_point, int32_t qmin, int32_t qmax);

// One element, the definition above.
float fake_quantize_value(float x, float scale, int32_t zero_point, int32_t qmin, int32_t qmax);

// Every element of `in` into `out` (may alias).
void fake_quantize_reference(const FakeQuantizeParams& p, const float* in, float* out);

}  // namespace vigil::kernels
