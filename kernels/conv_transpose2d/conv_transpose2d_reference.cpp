#include "kernels/conv_transpose2d/conv_transpose2d.h"

namespace vigil::kernels {

int64_t conv_transpose_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, int64_t pad_begin,
                                   int64_t pad_end, int64_t output_padding) {
  return stride * (in - 1) + output_padding + (kernel - 1) * dilation + 1 - pad_begin - pad_end;
}

void conv_transpose2d_reference(const ConvTranspose2dParams& p, const float* x, const float* w, const float* bias,
                                float* y) {
  const int64_t in_per_group = p.in_channels / p.group;
  const int64_t out_per_group = p.out_channels / p.group;
  const int64_t in_plane = p.in_h * p.in_w;
  const int64_t kernel_size = p.kernel_h * p.kernel_w;
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t m = 0; m < p.out_channels; ++m) {
      const int64_t g = m / out_per_group;
      const int64_t m_in_group = m % out_per_group;
      float* y_m = y + (n * p.out_channels + m) * p.out_h * p.out_w;
      for (int64_t oh = 0; oh < p.out_h; ++oh) {
        for (int64_t ow = 0; ow < p.out_w; ++ow) {
          double acc = bias ? static_cast<double>(bias[m]) : 0.0;
          for (int64_t c = 0; c < in_per_group; ++c) {
            const int64_t ci = g * in_per_group + c;
            const float* x_c = x + (n * p.in_channels + ci) * in_plane;
            const float* w_cm = w + (ci * out_per_group + m_in_group) * kernel_size;
            for (int64_t i = 0; i < p.kernel_h; ++i) {
              // Tap i of input row ih lands on full row ih*sh + i*dh = oh + pad_top.
              const int64_t row = oh + p.pad_top - i * p.dilation_h;
              if (row < 0 || row % p.stride_h != 0) continue;
              const int64_t ih = row / p.stride_h;
              if (ih >= p.in_h) continue;
              for (int64_t j = 0; j < p.kernel_w; ++j) {
                const int64_t col = ow + p.pad_left - j * p.dilation_w;
                if (col < 0 || col % p.stride_w != 0) continue;
                const int64_t iw = col / p.stride_w;
                if (iw >= p.in_w) continue;
                acc += static_cast<double>(w_cm[i * p.kernel_w + j]) * static_cast<double>(x_c[ih * p.in_w + iw]);
              }
            }
          }
          y_m[oh * p.out_w + ow] = activate_reference(p.activation, static_cast<float>(acc));
        }
      }
    }
  }
}

}  // namespace vigil::kernels
