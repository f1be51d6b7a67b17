// The AveragePool3d loop for windows deeper than one plane, compiled once per instruction set by
// average_pool3d_fast{,_avx2,_avx512}.cpp (plain loops over rows of outputs in double, which the compiler
// vectorises). Internal linkage, nothing from the standard library instantiated: an inline function built
// with AVX-512 flags must not be linked into the baseline files.
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/pooling/pool3d.h"

namespace vigil::kernels::average_pool3d_detail {
namespace {

constexpr int64_t kLanes = 8;  // doubles in the widest vector: rows of sums are computed in whole ones

struct Layout {
  int64_t pitch = 0;           // out_w rounded up to kLanes
  int64_t rows = 0, cols = 0;  // one zero-padded input plane: the rows and columns the windows read
  int64_t padded_floats = 0;   // in_d padded planes (floats)
  int64_t sums_doubles = 0;    // out_h * pitch sums
  int64_t counts = 0;          // out_d + out_h + out_w per-dim cell counts
  int64_t bytes = 0;
};
inline Layout layout(const Pool3dParams& p) {
  Layout l;
  l.pitch = (p.out_w + kLanes - 1) / kLanes * kLanes;
  l.rows = (p.out_h - 1) * p.stride_h + (p.kernel_h - 1) * p.dilation_h + 1;
  l.cols = (l.pitch - 1) * p.stride_w + (p.kernel_w - 1) * p.dilation_w + 1;
  l.padded_floats = p.in_d * l.rows * l.cols;
  l.sums_doubles = p.out_h * l.pitch;
  l.counts = p.out_d + p.out_h + l.pitch;
  l.bytes = l.sums_doubles * 8 + l.counts * 8 + (l.padded_floats + 1) * 4 + 64;
  return l;
}

// Cells of window o along one dim inside the input (or inside the padded input, pad_end included).
inline int64_t cells(int64_t o, int64_t kernel, int64_t stride, int64_t dilation, int64_t pad_begin, int64_t pad_end,
                     int64_t in, bool padded) {
  int64_t n = 0;
  for (int64_t k = 0; k < kernel; ++k) {
    const int64_t pos = o * stride - pad_begin + k * dilation;
    n += padded ? (pos >= -pad_begin && pos < in + pad_end) : (pos >= 0 && pos < in);
  }
  return n;
}

// Volumes [volume_begin, volume_end). Per volume the input planes are copied once into zero-padded planes
// covering every cell the windows read; per output plane each row of sums starts at 0.0 and adds the
// window's cells in the reference's (a, i, j) order, every output in its own double lane, so each sum is
// the reference's bit for bit: a cell outside the input adds +0.0, which leaves any sum started at +0.0
// unchanged (such a sum is never -0.0), and depth taps outside the input are skipped as the reference
// skips them. The count of a window is the product of its per-dim counts (the reference's cell test is a
// conjunction of per-dim tests); sum / count in double, rounded once; 0 for an empty count.
inline void pool(const Pool3dParams& p, const float* x, float* y, int64_t volume_begin, int64_t volume_end,
                 void* scratch) {
  const Layout l = layout(p);
  auto* base = reinterpret_cast<unsigned char*>(scratch);
  base += (64 - reinterpret_cast<uintptr_t>(base) % 64) % 64;
  double* sums = reinterpret_cast<double*>(base);
  int64_t* count_d = reinterpret_cast<int64_t*>(sums + l.sums_doubles);
  int64_t* count_h = count_d + p.out_d;
  int64_t* count_w = count_h + p.out_h;
  float* padded = reinterpret_cast<float*>(count_w + l.pitch);
  const bool with_pad = p.count_include_pad;
  for (int64_t o = 0; o < p.out_d; ++o)
    count_d[o] = cells(o, p.kernel_d, p.stride_d, p.dilation_d, p.pad_front, p.pad_back, p.in_d, with_pad);
  for (int64_t o = 0; o < p.out_h; ++o)
    count_h[o] = cells(o, p.kernel_h, p.stride_h, p.dilation_h, p.pad_top, p.pad_bottom, p.in_h, with_pad);
  for (int64_t o = 0; o < l.pitch; ++o)
    count_w[o] =
        o < p.out_w ? cells(o, p.kernel_w, p.stride_w, p.dilation_w, p.pad_left, p.pad_right, p.in_w, with_pad) : 1;
  const int64_t in_plane = p.in_h * p.in_w, plane = l.rows * l.cols, out_plane = p.out_h * p.out_w;
  std::memset(padded, 0, static_cast<size_t>(l.padded_floats) * sizeof(float));
  // Input columns [c0, c1) land in padded columns [c0 + pad_left, ...) inside [0, cols); rows likewise.
  const int64_t c0 = p.pad_left > 0 ? 0 : -p.pad_left;
  int64_t c1 = l.cols - p.pad_left < p.in_w ? l.cols - p.pad_left : p.in_w;
  const int64_t r0 = p.pad_top > 0 ? 0 : -p.pad_top;
  int64_t r1 = l.rows - p.pad_top < p.in_h ? l.rows - p.pad_top : p.in_h;
  for (int64_t v = volume_begin; v < volume_end; ++v) {
    const float* x_v = x + v * p.in_d * in_plane;
    if (c1 > c0)
      for (int64_t d = 0; d < p.in_d; ++d)
        for (int64_t r = r0; r < r1; ++r)
          std::memcpy(padded + d * plane + (r + p.pad_top) * l.cols + c0 + p.pad_left,
                      x_v + d * in_plane + r * p.in_w + c0, static_cast<size_t>(c1 - c0) * sizeof(float));
    for (int64_t od = 0; od < p.out_d; ++od) {
      for (int64_t k = 0; k < l.sums_doubles; ++k) sums[k] = 0.0;
      for (int64_t a = 0; a < p.kernel_d; ++a) {
        const int64_t id = od * p.stride_d - p.pad_front + a * p.dilation_d;
        if (id < 0 || id >= p.in_d) continue;  // the reference adds nothing for these cells either
        const float* src = padded + id * plane;
        for (int64_t i = 0; i < p.kernel_h; ++i)
          for (int64_t j = 0; j < p.kernel_w; ++j)
            for (int64_t oh = 0; oh < p.out_h; ++oh) {
              const float* __restrict row = src + (oh * p.stride_h + i * p.dilation_h) * l.cols + j * p.dilation_w;
              double* __restrict s = sums + oh * l.pitch;
              if (p.stride_w == 1)
                for (int64_t ow = 0; ow < l.pitch; ++ow) s[ow] += static_cast<double>(row[ow]);
              else
                for (int64_t ow = 0; ow < l.pitch; ++ow) s[ow] += static_cast<double>(row[ow * p.stride_w]);
            }
      }
      float* out = y + (v * p.out_d + od) * out_plane;
      for (int64_t oh = 0; oh < p.out_h; ++oh)
        for (int64_t ow = 0; ow < p.out_w; ++ow) {
          const int64_t count = count_d[od] * count_h[oh] * count_w[ow];
          out[oh * p.out_w + ow] =
              count ? static_cast<float>(sums[oh * l.pitch + ow] / static_cast<double>(count)) : 0.0f;
        }
    }
  }
}

}  // namespace
}  // namespace vigil::kernels::average_pool3d_detail
