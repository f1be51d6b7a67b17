// Geometry of conv2d_direct's deinterleaved planes, shared by the baseline file (workspace size) and the
// per-ISA files. Internal linkage only (see kernels/gemm_packed/gemm_packed_config.h for why).
#pragma once

#include <cstdint>

#include "kernels/conv2d/conv2d.h"

namespace vigil::kernels::conv2d_direct_detail {
namespace {

constexpr int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
constexpr int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }
// floor(a / b) for b > 0 and any sign of a.
constexpr int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// The planes hold one band of output rows at a time (band_rows rows: their input rows, with the
// overlap between bands copied twice): each task copies a band, computes it, and its planes stay in L1/L2
// instead of a whole image's going out to L3 and back (on actdet's L0, copying the whole image first made
// the copy a fifth of the layer's time). 16 rows rather than 8 copy fewer overlap rows twice (stride 1,
// 3x3: 18 input rows per 16 output rows instead of 10 per 8); same run, 1 thread, medians of 6 rounds: L1
// 1.106 -> 1.073 ms, L2 1.98 -> 1.96, L4 0.489 -> 0.479, L12 0.485 -> 0.478, L0 and L10 unchanged. 32
// was slower (L1 1.14 ms: its band of planes, 1.3 MB, no longer sits in L2 beside the output). Outputs
// under 32 rows keep bands of 8, so that they still have a band for each of two threads.
constexpr int64_t kBandRows = 16, kSmallBandRows = 8;

struct PlaneLayout {
  int64_t phases = 1;     // stride_w
  int64_t left = 0;       // L: zero columns before column u = 0 of a phase
  int64_t band_rows = 1;  // output rows per band
  int64_t rows = 1;       // padded rows r = 0 .. rows-1 of a band starting at output row oh0 hold input
                          // row oh0*stride_h + r - pad_top
  int64_t width = 1;      // floats per padded row (a multiple of 16: rows start on a cache line)
  // 1, or 2 when an output row is exactly one vector (out_w = nr / 2, e.g. 16x16 outputs on AVX-512): then
  // a register tile covers two output rows, one vector each, which are 2 * out_w = nr consecutive pixels
  // of Y, so the GEMM's tile and epilogue apply unchanged; only its second B vector comes from the next
  // output row of the planes.
  int64_t run_rows = 1;
  int64_t plane_floats() const { return rows * width; }
  int64_t band_floats(int64_t channels) const { return round_up(channels * phases * plane_floats(), 16); }
};

// `nr`: the register tile's pixel count (two vectors); the last tile of an output row reads up to nr - 1
// columns past out_w (into zero padding; those outputs are never stored).
inline PlaneLayout plane_layout(const Conv2dParams& p, int64_t nr) {
  PlaneLayout l;
  l.phases = p.stride_w;
  const int64_t min_off = floor_div(-p.pad_left, p.stride_w);
  const int64_t max_off = floor_div((p.kernel_w - 1) * p.dilation_w - p.pad_left, p.stride_w);
  l.left = min_off < 0 ? -min_off : 0;
  const int64_t band = p.out_h >= 2 * kBandRows ? kBandRows : kSmallBandRows;
  l.run_rows = p.out_w * 2 == nr ? 2 : 1;
  // Bands are whole tiles: with two rows per tile the last tile of an odd band reads one more row of
  // planes (copied like the others, from the image or its zero padding; its outputs are not stored).
  l.band_rows = round_up(p.out_h < band ? p.out_h : band, l.run_rows);
  l.rows = (l.band_rows - 1) * p.stride_h + (p.kernel_h - 1) * p.dilation_h + 1;
  const int64_t columns = l.run_rows > 1 ? p.out_w : round_up(p.out_w, nr);
  l.width = round_up(l.left + columns + (max_off > 0 ? max_off : 0), 16);
  return l;
}

// Floats of the workspace: one band of planes per task, then one int64 offset per tap (k = (c*kh + i)*kw
// + j), each a whole number of cache lines; plus 16 floats so the start can be aligned to 64 bytes.
inline int64_t workspace_floats(const Conv2dParams& p, int64_t nr, int threads) {
  const PlaneLayout l = plane_layout(p, nr);
  const int64_t k = p.in_channels * p.kernel_h * p.kernel_w;
  return (threads > 1 ? threads : 1) * l.band_floats(p.in_channels) + round_up(2 * k, 16) + 16;
}

}  // namespace
}  // namespace vigil::kernels::conv2d_direct_detail
