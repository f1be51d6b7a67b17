// max_pool2d_separable: max pooling as a row pass and a column pass, for large windows (the 5x5, 9x9 and
// 13x13 stride-1 pools of YOLO's SPP blocks): kh + kw steps per output instead of kh * kw, and no border
// windows taken the slow way (a 9x9 pool with pad 4 on a 10x10 map has only 2 interior columns).
// Bit-identical to max_pool2d_reference: its row-major scan keeps the first occurrence of the maximum
// (a later equal value, e.g. -0 after +0, does not replace it) and the last NaN. The first occurrence in
// row-major order is the first occurrence within the first row that holds the maximum, which is what a
// first-occurrence scan over each row's first-occurrence maxima finds; the last NaN likewise is the last
// NaN of the last row that holds one. Cells outside the image are skipped in both passes.
#include <cmath>
#include <limits>

#include "kernels/pooling/pool_window.h"
#include "kernels/pooling/pooling.h"

namespace vigil::kernels {

namespace {

using pool_detail::max_step;

// Output positions o in [lo, hi) whose tap at k * dilation - pad lands inside [0, in): 0 <= o*s + t < in.
void tap_range(int64_t t, int64_t stride, int64_t in, int64_t out, int64_t& lo, int64_t& hi) {
  lo = t >= 0 ? 0 : (-t + stride - 1) / stride;
  hi = in - t > 0 ? (in - t - 1) / stride + 1 : 0;
  if (hi > out) hi = out;
  if (lo > hi) lo = hi;
}

}  // namespace

int64_t max_pool2d_separable_scratch_floats(const Pool2dParams& p) { return p.in_h * p.out_w; }

void max_pool2d_separable(const Pool2dParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end,
                          float* scratch) {
  const float lowest = -std::numeric_limits<float>::infinity();
  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    const float* x_p = x + plane * p.in_h * p.in_w;
    float* y_p = y + plane * p.out_h * p.out_w;
    // Row pass: scratch[ih][ow] = max over the kernel columns of input row ih.
    for (int64_t ih = 0; ih < p.in_h; ++ih) {
      float* r = scratch + ih * p.out_w;
      const float* row = x_p + ih * p.in_w;
      for (int64_t ow = 0; ow < p.out_w; ++ow) r[ow] = lowest;
      for (int64_t j = 0; j < p.kernel_w; ++j) {
        const int64_t t = j * p.dilation_w - p.pad_left;
        int64_t lo, hi;
        tap_range(t, p.stride_w, p.in_w, p.out_w, lo, hi);
        for (int64_t ow = lo; ow < hi; ++ow) r[ow] = max_step(r[ow], row[ow * p.stride_w + t]);
      }
    }
    // Column pass over the row maxima.
    for (int64_t oh = 0; oh < p.out_h; ++oh) {
      float* out = y_p + oh * p.out_w;
      for (int64_t ow = 0; ow < p.out_w; ++ow) out[ow] = lowest;
      for (int64_t i = 0; i < p.kernel_h; ++i) {
        const int64_t ih = oh * p.stride_h - p.pad_top + i * p.dilation_h;
        if (ih < 0 || ih >= p.in_h) continue;
        const float* r = scratch + ih * p.out_w;
        for (int64_t ow = 0; ow < p.out_w; ++ow) out[ow] = max_step(out[ow], r[ow]);
      }
    }
  }
}

}  // namespace vigil::kernels
