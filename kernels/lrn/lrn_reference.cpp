#include <algorithm>
#include <cmath>

#include "kernels/lrn/lrn.h"

namespace vigil::kernels {

void lrn_reference_planes(const LrnParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end) {
  const int64_t before = (p.size - 1) / 2, after = p.size - 1 - before;  // floor and ceil of (size - 1) / 2
  const double scale = static_cast<double>(p.alpha) / static_cast<double>(p.size);
  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    const int64_t n = plane / p.channels, c = plane % p.channels;
    const float* xn = x + n * p.channels * p.spatial;
    float* yn = y + n * p.channels * p.spatial;
    const int64_t first = std::max<int64_t>(0, c - before), last = std::min<int64_t>(p.channels - 1, c + after);
    for (int64_t s = 0; s < p.spatial; ++s) {
      double squares = 0.0;
      for (int64_t k = first; k <= last; ++k) {
        const double v = xn[k * p.spatial + s];
        squares += v * v;
      }
      const double denominator = std::pow(static_cast<double>(p.bias) + scale * squares, static_cast<double>(p.beta));
      yn[c * p.spatial + s] = static_cast<float>(xn[c * p.spatial + s] / denominator);
    }
  }
}

void lrn_reference(const LrnParams& p, const float* x, float* y) {
  lrn_reference_planes(p, x, y, 0, p.batch * p.channels);
}

}  // namespace vigil::kernels
