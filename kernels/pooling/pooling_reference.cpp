#include <cmath>
#include <limits>

#include "kernels/pooling/pooling.h"

namespace vigil::kernels {

int64_t pool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, int64_t pad_begin,
                         int64_t pad_end, bool ceil_mode) {
  const int64_t span = in + pad_begin + pad_end - ((kernel - 1) * dilation + 1);
  if (span < 0) return 0;
  int64_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad_begin) --out;
  return out;
}

void max_pool2d_reference(const Pool2dParams& p, const float* x, float* y) {
  for (int64_t plane = 0; plane < p.planes; ++plane) {
    const float* x_p = x + plane * p.in_h * p.in_w;
    float* y_p = y + plane * p.out_h * p.out_w;
    for (int64_t oh = 0; oh < p.out_h; ++oh) {
      for (int64_t ow = 0; ow < p.out_w; ++ow) {
        float best = -std::numeric_limits<float>::infinity();
        for (int64_t i = 0; i < p.kernel_h; ++i) {
          const int64_t ih = oh * p.stride_h - p.pad_top + i * p.dilation_h;
          if (ih < 0 || ih >= p.in_h) continue;
          for (int64_t j = 0; j < p.kernel_w; ++j) {
            const int64_t iw = ow * p.stride_w - p.pad_left + j * p.dilation_w;
            if (iw < 0 || iw >= p.in_w) continue;
            const float v = x_p[ih * p.in_w + iw];
            if (v > best || std::isnan(v)) best = v;  // once NaN, `v > best` is never true again
          }
        }
        y_p[oh * p.out_w + ow] = best;
      }
    }
  }
}

float average_pool2d_cell(const Pool2dParams& p, const float* x_p, int64_t oh, int64_t ow) {
  double sum = 0.0;
  int64_t inside = 0, inside_padded = 0;
  for (int64_t i = 0; i < p.kernel_h; ++i) {
    const int64_t ih = oh * p.stride_h - p.pad_top + i * p.dilation_h;
    const bool row_in = ih >= 0 && ih < p.in_h;
    const bool row_in_padded = ih >= -p.pad_top && ih < p.in_h + p.pad_bottom;
    for (int64_t j = 0; j < p.kernel_w; ++j) {
      const int64_t iw = ow * p.stride_w - p.pad_left + j * p.dilation_w;
      const bool col_in = iw >= 0 && iw < p.in_w;
      const bool col_in_padded = iw >= -p.pad_left && iw < p.in_w + p.pad_right;
      if (row_in_padded && col_in_padded) ++inside_padded;
      if (row_in && col_in) {
        ++inside;
        sum += x_p[ih * p.in_w + iw];
      }
    }
  }
  const int64_t count = p.count_include_pad ? inside_padded : inside;
  return static_cast<float>(sum / static_cast<double>(count));
}

void average_pool2d_reference(const Pool2dParams& p, const float* x, float* y) {
  for (int64_t plane = 0; plane < p.planes; ++plane) {
    const float* x_p = x + plane * p.in_h * p.in_w;
    float* y_p = y + plane * p.out_h * p.out_w;
    for (int64_t oh = 0; oh < p.out_h; ++oh)
      for (int64_t ow = 0; ow < p.out_w; ++ow) y_p[oh * p.out_w + ow] = average_pool2d_cell(p, x_p, oh, ow);
  }
}

void lp_pool2d_reference(const Pool2dParams& p, double norm_p, const float* x, float* y) {
  for (int64_t plane = 0; plane < p.planes; ++plane) {
    const float* x_p = x + plane * p.in_h * p.in_w;
    float* y_p = y + plane * p.out_h * p.out_w;
    for (int64_t oh = 0; oh < p.out_h; ++oh)
      for (int64_t ow = 0; ow < p.out_w; ++ow) {
        double sum = 0.0;
        for (int64_t i = 0; i < p.kernel_h; ++i) {
          const int64_t ih = oh * p.stride_h - p.pad_top + i * p.dilation_h;
          if (ih < 0 || ih >= p.in_h) continue;
          for (int64_t j = 0; j < p.kernel_w; ++j) {
            const int64_t iw = ow * p.stride_w - p.pad_left + j * p.dilation_w;
            if (iw >= 0 && iw < p.in_w) sum += std::pow(std::fabs(static_cast<double>(x_p[ih * p.in_w + iw])), norm_p);
          }
        }
        y_p[oh * p.out_w + ow] = static_cast<float>(std::pow(sum, 1.0 / norm_p));
      }
  }
}

void global_average_pool_reference(int64_t planes, int64_t plane_size, const float* x, float* y) {
  for (int64_t plane = 0; plane < planes; ++plane) {
    double sum = 0.0;
    for (int64_t i = 0; i < plane_size; ++i) sum += x[plane * plane_size + i];
    y[plane] = static_cast<float>(sum / static_cast<double>(plane_size));
  }
}

}  // namespace vigil::kernels
