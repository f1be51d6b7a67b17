#include <cmath>
#include <limits>

#include "kernels/pooling/pool3d.h"

namespace vigil::kernels {

namespace {

// Where a window's tap lands along one dim, and whether that lies in the input / in the padded input.
struct Tap {
  int64_t pos;
  bool inside, inside_padded;
};
Tap tap(int64_t out, int64_t k, int64_t stride, int64_t dilation, int64_t pad_begin, int64_t pad_end, int64_t in) {
  const int64_t pos = out * stride - pad_begin + k * dilation;
  return {pos, pos >= 0 && pos < in, pos >= -pad_begin && pos < in + pad_end};
}

}  // namespace

void max_pool3d_reference(const Pool3dParams& p, const float* x, float* y) {
  const int64_t in_volume = p.in_d * p.in_h * p.in_w;
  const int64_t out_volume = p.out_d * p.out_h * p.out_w;
  for (int64_t v = 0; v < p.volumes; ++v) {
    const float* x_v = x + v * in_volume;
    float* y_v = y + v * out_volume;
    for (int64_t od = 0; od < p.out_d; ++od)
      for (int64_t oh = 0; oh < p.out_h; ++oh)
        for (int64_t ow = 0; ow < p.out_w; ++ow) {
          float best = -std::numeric_limits<float>::infinity();
          for (int64_t a = 0; a < p.kernel_d; ++a) {
            const Tap d = tap(od, a, p.stride_d, p.dilation_d, p.pad_front, p.pad_back, p.in_d);
            if (!d.inside) continue;
            for (int64_t i = 0; i < p.kernel_h; ++i) {
              const Tap h = tap(oh, i, p.stride_h, p.dilation_h, p.pad_top, p.pad_bottom, p.in_h);
              if (!h.inside) continue;
              for (int64_t j = 0; j < p.kernel_w; ++j) {
                const Tap w = tap(ow, j, p.stride_w, p.dilation_w, p.pad_left, p.pad_right, p.in_w);
                if (!w.inside) continue;
                const float value = x_v[(d.pos * p.in_h + h.pos) * p.in_w + w.pos];
                if (value > best || std::isnan(value)) best = value;
              }
            }
          }
          y_v[(od * p.out_h + oh) * p.out_w + ow] = best;
        }
  }
}

void average_pool3d_reference(const Pool3dParams& p, const float* x, float* y) {
  const int64_t in_volume = p.in_d * p.in_h * p.in_w;
  const int64_t out_volume = p.out_d * p.out_h * p.out_w;
  for (int64_t v = 0; v < p.volumes; ++v) {
    const float* x_v = x + v * in_volume;
    float* y_v = y + v * out_volume;
    for (int64_t od = 0; od < p.out_d; ++od)
      for (int64_t oh = 0; oh < p.out_h; ++oh)
        for (int64_t ow = 0; ow < p.out_w; ++ow) {
          double sum = 0.0;
          int64_t inside = 0, inside_padded = 0;
          for (int64_t a = 0; a < p.kernel_d; ++a) {
            const Tap d = tap(od, a, p.stride_d, p.dilation_d, p.pad_front, p.pad_back, p.in_d);
            for (int64_t i = 0; i < p.kernel_h; ++i) {
              const Tap h = tap(oh, i, p.stride_h, p.dilation_h, p.pad_top, p.pad_bottom, p.in_h);
              for (int64_t j = 0; j < p.kernel_w; ++j) {
                const Tap w = tap(ow, j, p.stride_w, p.dilation_w, p.pad_left, p.pad_right, p.in_w);
                if (d.inside_padded && h.inside_padded && w.inside_padded) ++inside_padded;
                if (d.inside && h.inside && w.inside) {
                  ++inside;
                  sum += x_v[(d.pos * p.in_h + h.pos) * p.in_w + w.pos];
                }
              }
            }
          }
          const int64_t count = p.count_include_pad ? inside_padded : inside;
          // Never 0 for the windows the engine accepts (ceil_mode drops windows that start in the end padding;
          // without count_include_pad every window must cover an input cell); 0 rather than NaN regardless.
          y_v[(od * p.out_h + oh) * p.out_w + ow] = count ? static_cast<float>(sum / static_cast<double>(count)) : 0.0f;
        }
  }
}

}  // namespace vigil::kernels
