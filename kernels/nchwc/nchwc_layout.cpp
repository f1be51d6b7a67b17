// The NCHWc reorders and global pool (kernels/nchwc/nchwc_layout.h) as plain loops: a reorder is a copy
// (the same bits on every path), and the pool sums each lane in double in pixel order, the order of
// global_average_pool_reference, so it gives that reference's bits per channel. Avx2 / Avx512 with their
// own block go to nchwc_layout_avx2.cpp / nchwc_layout_avx512.cpp (register transposes for the reorders,
// the same double sums on double vectors for the pool); the plain loops are the Scalar path (any block).
#include "kernels/nchwc/nchwc_layout.h"

#include <algorithm>

namespace vigil::kernels {

void nchwc_from_nchw(KernelIsa isa, const NchwcShape& s, const float* x, float* y, int64_t block_begin,
                     int64_t block_end) {
  switch (nchwc_isa(isa, s.block)) {
    case KernelIsa::Avx512:
      return nchwc_from_nchw_avx512(s, x, y, block_begin, block_end);
    case KernelIsa::Avx2:
      return nchwc_from_nchw_avx2(s, x, y, block_begin, block_end);
    case KernelIsa::Scalar:
      break;
  }
  const int64_t b = s.block, blocks = nchwc_blocks(s.channels, b);
  for (int64_t n = 0; n < s.images; ++n)
    for (int64_t cb = block_begin; cb < block_end; ++cb) {
      float* yb = y + (n * blocks + cb) * s.pixels * b;
      const int64_t lanes = std::min(b, s.channels - cb * b);
      for (int64_t lane = 0; lane < lanes; ++lane) {
        const float* xc = x + (n * s.channels + cb * b + lane) * s.pixels;
        for (int64_t p = 0; p < s.pixels; ++p) yb[p * b + lane] = xc[p];
      }
      for (int64_t lane = lanes; lane < b; ++lane)
        for (int64_t p = 0; p < s.pixels; ++p) yb[p * b + lane] = 0.0f;
    }
}

void nchw_from_nchwc(KernelIsa isa, const NchwcShape& s, const float* x, float* y, int64_t block_begin,
                     int64_t block_end) {
  switch (nchwc_isa(isa, s.block)) {
    case KernelIsa::Avx512:
      return nchw_from_nchwc_avx512(s, x, y, block_begin, block_end);
    case KernelIsa::Avx2:
      return nchw_from_nchwc_avx2(s, x, y, block_begin, block_end);
    case KernelIsa::Scalar:
      break;
  }
  const int64_t b = s.block, blocks = nchwc_blocks(s.channels, b);
  for (int64_t n = 0; n < s.images; ++n)
    for (int64_t cb = block_begin; cb < block_end; ++cb) {
      const float* xb = x + (n * blocks + cb) * s.pixels * b;
      const int64_t lanes = std::min(b, s.channels - cb * b);
      for (int64_t lane = 0; lane < lanes; ++lane) {
        float* yc = y + (n * s.channels + cb * b + lane) * s.pixels;
        for (int64_t p = 0; p < s.pixels; ++p) yc[p] = xb[p * b + lane];
      }
    }
}

void global_average_pool_nchwc(KernelIsa isa, const NchwcShape& s, const float* x, float* y, int64_t block_begin,
                               int64_t block_end) {
  switch (nchwc_isa(isa, s.block)) {
    case KernelIsa::Avx512:
      return global_average_pool_nchwc_avx512(s, x, y, block_begin, block_end);
    case KernelIsa::Avx2:
      return global_average_pool_nchwc_avx2(s, x, y, block_begin, block_end);
    case KernelIsa::Scalar:
      break;
  }
  const int64_t b = std::min<int64_t>(s.block, kNchwcMaxBlock), blocks = nchwc_blocks(s.channels, s.block);
  for (int64_t n = 0; n < s.images; ++n)
    for (int64_t cb = block_begin; cb < block_end; ++cb) {
      const float* xb = x + (n * blocks + cb) * s.pixels * s.block;
      double sum[kNchwcMaxBlock] = {};
      for (int64_t p = 0; p < s.pixels; ++p)
        for (int64_t lane = 0; lane < b; ++lane) sum[lane] += static_cast<double>(xb[p * s.block + lane]);
      float* yb = y + (n * blocks + cb) * s.block;
      for (int64_t lane = 0; lane < b; ++lane) yb[lane] = static_cast<float>(sum[lane] / static_cast<double>(s.pixels));
    }
}

}  // namespace vigil::kernels
