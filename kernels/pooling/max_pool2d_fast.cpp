#include <cmath>
#include <limits>

#include "kernels/pooling/pool_window.h"
#include "kernels/pooling/pooling.h"

namespace vigil::kernels {

using pool_detail::max_step;

void max_pool2d_fast(const Pool2dParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end) {
  const float lowest = -std::numeric_limits<float>::infinity();
  const auto [ow_lo, ow_hi] = pool_detail::interior_columns(p);

  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    const float* x_p = x + plane * p.in_h * p.in_w;
    float* y_p = y + plane * p.out_h * p.out_w;
    for (int64_t oh = 0; oh < p.out_h; ++oh) {
      float* row_out = y_p + oh * p.out_w;
      for (int64_t ow = 0; ow < p.out_w; ++ow) row_out[ow] = lowest;
      for (int64_t i = 0; i < p.kernel_h; ++i) {
        const int64_t ih = oh * p.stride_h - p.pad_top + i * p.dilation_h;
        if (ih < 0 || ih >= p.in_h) continue;
        const float* row_in = x_p + ih * p.in_w;
        for (int64_t j = 0; j < p.kernel_w; ++j) {
          const int64_t offset = j * p.dilation_w - p.pad_left;
          // Interior: no bounds checks.
          for (int64_t ow = ow_lo; ow < ow_hi; ++ow)
            row_out[ow] = max_step(row_out[ow], row_in[ow * p.stride_w + offset]);
          // Borders: check the column.
          for (int64_t ow = 0; ow < p.out_w; ++ow) {
            if (ow == ow_lo) ow = ow_hi;
            if (ow >= p.out_w) break;
            const int64_t iw = ow * p.stride_w + offset;
            if (iw >= 0 && iw < p.in_w) row_out[ow] = max_step(row_out[ow], row_in[iw]);
          }
        }
      }
    }
  }
}

}  // namespace vigil::kernels
