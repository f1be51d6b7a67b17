// average_pool2d_fast: average_pool2d_reference's results, bit for bit, for planes [plane_begin,
// plane_end). Windows that lie wholly inside the image (both counting modes then divide by kh*kw) are summed
// a kernel tap at a time across a whole run of output columns, in double and in the reference's (i, j)
// order, without per-cell bounds checks; the other windows take the reference's per-cell code
// (average_pool2d_cell).
#include <algorithm>

#include "kernels/pooling/pool_window.h"
#include "kernels/pooling/pooling.h"

namespace vigil::kernels {

namespace {

constexpr int64_t kMaxRun = 256;  // output columns summed at once (a double buffer on the stack)

}  // namespace

void average_pool2d_fast(const Pool2dParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end) {
  const auto [ow_lo, ow_hi] = pool_detail::interior_columns(p);  // rows are checked per output row below
  const double taps = static_cast<double>(p.kernel_h * p.kernel_w);
  double sum[kMaxRun];
  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    const float* x_p = x + plane * p.in_h * p.in_w;
    float* y_p = y + plane * p.out_h * p.out_w;
    for (int64_t oh = 0; oh < p.out_h; ++oh) {
      float* row_out = y_p + oh * p.out_w;
      const int64_t ih0 = oh * p.stride_h - p.pad_top;
      const bool rows_inside = ih0 >= 0 && ih0 + (p.kernel_h - 1) * p.dilation_h < p.in_h;
      const int64_t lo = rows_inside ? ow_lo : p.out_w, hi = rows_inside ? ow_hi : p.out_w;
      for (int64_t ow = 0; ow < lo; ++ow) row_out[ow] = average_pool2d_cell(p, x_p, oh, ow);
      for (int64_t ow = std::max(lo, hi); ow < p.out_w; ++ow) row_out[ow] = average_pool2d_cell(p, x_p, oh, ow);
      for (int64_t run = lo; run < hi; run += kMaxRun) {
        const int64_t n = std::min(kMaxRun, hi - run);
        for (int64_t k = 0; k < n; ++k) sum[k] = 0.0;
        for (int64_t i = 0; i < p.kernel_h; ++i) {
          const float* row_in = x_p + (ih0 + i * p.dilation_h) * p.in_w;
          for (int64_t j = 0; j < p.kernel_w; ++j) {
            const float* src = row_in + run * p.stride_w - p.pad_left + j * p.dilation_w;
            for (int64_t k = 0; k < n; ++k) sum[k] += src[k * p.stride_w];
          }
        }
        for (int64_t k = 0; k < n; ++k) row_out[run + k] = static_cast<float>(sum[k] / taps);
      }
    }
  }
}

}  // namespace vigil::kernels
