#include "kernels/conv3d/conv3d.h"

namespace vigil::kernels {

void conv3d_reference(const Conv3dParams& p, const float* x, const float* w, const float* bias, float* y) {
  const int64_t in_per_group = p.in_channels / p.group;
  const int64_t out_per_group = p.out_channels / p.group;
  const int64_t in_volume = p.in_d * p.in_h * p.in_w;
  const int64_t out_volume = p.out_d * p.out_h * p.out_w;
  const int64_t kernel_volume = p.kernel_d * p.kernel_h * p.kernel_w;
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t m = 0; m < p.out_channels; ++m) {
      const int64_t first_in_channel = (m / out_per_group) * in_per_group;
      const float* w_m = w + m * in_per_group * kernel_volume;
      float* y_m = y + (n * p.out_channels + m) * out_volume;
      for (int64_t od = 0; od < p.out_d; ++od) {
        for (int64_t oh = 0; oh < p.out_h; ++oh) {
          for (int64_t ow = 0; ow < p.out_w; ++ow) {
            double acc = bias ? static_cast<double>(bias[m]) : 0.0;
            for (int64_t c = 0; c < in_per_group; ++c) {
              const float* x_c = x + (n * p.in_channels + first_in_channel + c) * in_volume;
              const float* w_c = w_m + c * kernel_volume;
              for (int64_t a = 0; a < p.kernel_d; ++a) {
                const int64_t id = od * p.stride_d - p.pad_front + a * p.dilation_d;
                if (id < 0 || id >= p.in_d) continue;  // zero padding contributes nothing
                for (int64_t i = 0; i < p.kernel_h; ++i) {
                  const int64_t ih = oh * p.stride_h - p.pad_top + i * p.dilation_h;
                  if (ih < 0 || ih >= p.in_h) continue;
                  for (int64_t j = 0; j < p.kernel_w; ++j) {
                    const int64_t iw = ow * p.stride_w - p.pad_left + j * p.dilation_w;
                    if (iw < 0 || iw >= p.in_w) continue;
                    acc += static_cast<double>(w_c[(a * p.kernel_h + i) * p.kernel_w + j]) *
                           static_cast<double>(x_c[(id * p.in_h + ih) * p.in_w + iw]);
                  }
                }
              }
            }
            y_m[(od * p.out_h + oh) * p.out_w + ow] = activate_reference(p.activation, static_cast<float>(acc));
          }
        }
      }
    }
  }
}

}  // namespace vigil::kernels
