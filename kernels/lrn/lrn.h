// Local response normalisation across channels (ONNX LRN; AlexNet, GoogLeNet, CaffeNet): each value is divided
// by a power of the sum of squares of its channel neighbourhood at the same position:
//   y[n, c, s] = x[n, c, s] / (bias + alpha / size * sum_{c'} x[n, c', s]^2)^beta,
//   c' from max(0, c - floor((size - 1) / 2)) to min(C - 1, c + ceil((size - 1) / 2))
#pragma once

#include <cstdint>

namespace vigil::kernels {

struct LrnParams {
  int64_t batch = 1, channels = 1;
  int64_t spatial = 1;  // product of the dims after C
  int64_t size = 1;     // channels in the window, >= 1
  float alpha = 1e-4f, beta = 0.75f, bias = 1.0f;
};

// The sum and the power in double, each output rounded once. y must not alias x.
void lrn_reference(const LrnParams& p, const float* x, float* y);
// The same for output planes [plane_begin, plane_end) of the batch * channels planes (whole-tensor pointers),
// so callers can split planes over threads.
void lrn_reference_planes(const LrnParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end);

}  // namespace vigil::kernels
