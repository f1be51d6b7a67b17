// The depthwise convolution written once over the vector traits of simd_traits.h; included only by
// depthwise_conv.cpp (scalar) and the *_avx2.cpp / *_avx512.cpp files. Internal linkage throughout.
#pragma once

#include "kernels/conv2d/conv2d.h"
#include "kernels/depthwise_conv/simd_traits.h"

namespace vigil::kernels::depthwise_detail {
namespace {

using simd_detail::round_up;

// Rows are computed in blocks of 4 vectors, the tail (and narrow rows) one vector at a time; buffers are
// sized for rows rounded up to 64 floats so every full-vector load and store stays inside them (the extra
// columns are computed and discarded).
constexpr int64_t kRowBlock = 64;

struct Geometry {
  int64_t row_floats;    // rounded output row (multiple of kRowBlock)
  int64_t phase_floats;  // floats of one stride phase of one padded input row
  int64_t plane_floats;  // in_h rows x stride_w phases x phase_floats
};

inline Geometry geometry(const Conv2dParams& p) {
  Geometry g;
  g.row_floats = round_up(p.out_w, kRowBlock);
  g.phase_floats = g.row_floats + ((p.kernel_w - 1) * p.dilation_w) / p.stride_w + 1;
  g.plane_floats = p.in_h * p.stride_w * g.phase_floats;
  return g;
}

inline int64_t workspace_floats(const Conv2dParams& p) {
  const Geometry g = geometry(p);
  return g.plane_floats + g.row_floats + 16;  // + 16: room to align to 64 bytes
}

// plane[(ih * sw + ph) * phase_floats + q] = x[ih, q*sw + ph - pad_left], 0 outside the image.
inline void build_plane(const Conv2dParams& p, const Geometry& g, const float* x, float* plane) {
  const int64_t sw = p.stride_w;
  for (int64_t ih = 0; ih < p.in_h; ++ih) {
    const float* row = x + ih * p.in_w;
    float* dst = plane + ih * sw * g.phase_floats;
    if (sw == 1) {
      for (int64_t q = 0; q < g.phase_floats; ++q) {
        const int64_t iw = q - p.pad_left;
        dst[q] = (iw >= 0 && iw < p.in_w) ? row[iw] : 0.0f;
      }
      continue;
    }
    for (int64_t ph = 0; ph < sw; ++ph) {
      float* d = dst + ph * g.phase_floats;
      for (int64_t q = 0; q < g.phase_floats; ++q) {
        const int64_t iw = q * sw + ph - p.pad_left;
        d[q] = (iw >= 0 && iw < p.in_w) ? row[iw] : 0.0f;
      }
    }
  }
}

// One block of NB vectors of outputs of row oh starting at column ow0, into row_buf.
template <class Isa, int NB>
inline __attribute__((always_inline)) void output_block(const Conv2dParams& p, const Geometry& g, const float* plane,
                                                        const float* w_c, float b, int64_t oh, int64_t ow0,
                                                        float* row_buf) {
  using F = typename Isa::F;
  constexpr int W = Isa::W;
  const int64_t kh = p.kernel_h, kw = p.kernel_w, sw = p.stride_w;
  F acc[NB];
  for (int v = 0; v < NB; ++v) acc[v] = Isa::set1(b);
  for (int64_t i = 0; i < kh; ++i) {
    const int64_t ih = oh * p.stride_h - p.pad_top + i * p.dilation_h;
    if (ih < 0 || ih >= p.in_h) continue;  // zero padding rows contribute nothing
    const float* base = plane + ih * sw * g.phase_floats + ow0;
    for (int64_t j = 0; j < kw; ++j) {
      const int64_t tap = j * p.dilation_w;
      const float* src = base + (tap % sw) * g.phase_floats + tap / sw;
      const F wv = Isa::set1(w_c[i * kw + j]);
      for (int v = 0; v < NB; ++v) acc[v] = Isa::fma(wv, Isa::load(src + v * W), acc[v]);
    }
  }
  for (int v = 0; v < NB; ++v) Isa::store(row_buf + ow0 + v * W, acc[v]);
}

template <class Isa>
void depthwise(const Conv2dParams& p, const float* x, const float* w, const float* bias, float* y, void* workspace) {
  constexpr int W = Isa::W;
  constexpr int NV = 4;  // vectors per register block; narrow rows (and row tails) use single vectors
  const Geometry g = geometry(p);
  float* plane = simd_detail::align64(workspace);
  float* row_buf = plane + g.plane_floats;
  const int64_t channels = p.in_channels;
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      const float* x_c = x + (n * channels + c) * p.in_h * p.in_w;
      float* y_c = y + (n * channels + c) * p.out_h * p.out_w;
      const float* w_c = w + c * p.kernel_h * p.kernel_w;
      const float b = bias ? bias[c] : 0.0f;
      build_plane(p, g, x_c, plane);
      for (int64_t oh = 0; oh < p.out_h; ++oh) {
        int64_t ow0 = 0;
        for (; ow0 + NV * W <= p.out_w; ow0 += NV * W) output_block<Isa, NV>(p, g, plane, w_c, b, oh, ow0, row_buf);
        for (; ow0 < p.out_w; ow0 += W) output_block<Isa, 1>(p, g, plane, w_c, b, oh, ow0, row_buf);
        Isa::activate(p.activation, row_buf, y_c + oh * p.out_w, p.out_w);
      }
    }
  }
}

}  // namespace
}  // namespace vigil::kernels::depthwise_detail
