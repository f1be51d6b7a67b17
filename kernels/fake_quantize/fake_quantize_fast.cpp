#include "kernels/fake_quantize/fake_quantize_fast.h"

#include <algorithm>
#include <cmath>

namespace vigil::kernels {

bool fake_quantize_fast_supported(const FakeQuantizeParams& p) {
  constexpr int64_t limit = int64_t{1} << 24;
  for (int64_t c = 0; c < p.channels; ++c) {
    const int64_t lo = int64_t{p.qmin} - p.zero_points[c], hi = int64_t{p.qmax} - p.zero_points[c];
    if (lo < -limit || lo > limit || hi < -limit || hi > limit) return false;
  }
  return true;
}

void fake_quantize_run_scalar(const float* x, float* y, int64_t n, float s, float lo, float hi) {
  for (int64_t i = 0; i < n; ++i) {
    float r = std::nearbyint(x[i] / s);  // the default rounding mode: to nearest, ties to even
    r = r > lo ? r : lo;                 // NaN -> lo
    r = r < hi ? r : hi;
    y[i] = (r + 0.0f) * s;  // -0 + 0 = +0: the reference's integer 0 converts to +0
  }
}

void fake_quantize_fast(KernelIsa isa, const FakeQuantizeParams& p, const float* in, float* out, int64_t begin,
                        int64_t end) {
  while (begin < end) {
    const int64_t row = begin / p.inner;
    const int64_t stop = std::min(end, (row + 1) * p.inner);
    const int64_t c = row % p.channels;
    const float s = p.scales[c];
    const auto lo = static_cast<float>(int64_t{p.qmin} - p.zero_points[c]);
    const auto hi = static_cast<float>(int64_t{p.qmax} - p.zero_points[c]);
    switch (isa) {
      case KernelIsa::Avx512:
        fake_quantize_run_avx512(in + begin, out + begin, stop - begin, s, lo, hi);
        break;
      case KernelIsa::Avx2:
        fake_quantize_run_avx2(in + begin, out + begin, stop - begin, s, lo, hi);
        break;
      default:
        fake_quantize_run_scalar(in + begin, out + begin, stop - begin, s, lo, hi);
        break;
    }
    begin = stop;
  }
}

}  // namespace vigil::kernels
