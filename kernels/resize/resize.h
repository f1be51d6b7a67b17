// Resize (ONNX semantics) for modes nearest (any rank, every dim may scale), linear (bilinear over the
// last two dims; the caller guarantees the leading dims keep their size) and cubic (bicubic over the last two
// dims, likewise). For each output coordinate x_out along a dim, the input coordinate is (in double):
//   half_pixel           (x_out + 0.5) / scale - 0.5
//   half_pixel_symmetric offset + (x_out + 0.5) / scale - 0.5, offset = in_len / 2 * (1 - out_len / (in_len *
//                        scale)): half_pixel with the resized image centred when out_len was rounded down
//   asymmetric           x_out / scale
//   align_corners        L == 1 ? 0 : x_out * (in_len - 1) / (L - 1), L = in_len * scale unrounded (= out_len
//                        when sizes were given)
//   pytorch_half_pixel   out_len == 1 ? 0 : (x_out + 0.5) / scale - 0.5
//   tf_half_pixel_for_nn (x_out + 0.5) / scale
// where `scale` is the scales attribute value of that dim, or out_len / in_len when sizes were given.
// Nearest rounds the coordinate (nearest_mode) and clamps the index to [0, in_len - 1]. Linear takes
// x0 = floor(x), x1 = x0 + 1, weights (x1 - x, x - x0), and clamps both indices to [0, in_len - 1]
// (edge replication, the ONNX reference's behaviour), so coordinates outside the input read the border.
// Cubic takes x0 = floor(x), r = x - x0, the taps x0 - 1 .. x0 + 2 with Keys' cubic convolution weights for
// the distances r + 1, r, 1 - r, 2 - r and coefficient a (cubic_coeff_a, -0.75 as PyTorch by default):
//   w(d) = ((a + 2) d - (a + 3)) d^2 + 1 for d <= 1,   ((a d - 5 a) d + 8 a) d - 4 a for 1 < d < 2
// Taps outside [0, in_len) read the border value, or, with exclude_outside, get weight 0 and the remaining
// weights are divided by their sum.
#pragma once

#include <cstdint>

namespace vigil::kernels {

inline constexpr int kResizeMaxRank = 6;

enum class ResizeMode : uint8_t { Nearest, Linear, Cubic };
enum class ResizeCoordMode : uint8_t {
  HalfPixel,
  Asymmetric,
  AlignCorners,
  PytorchHalfPixel,
  TfHalfPixelForNn,
  HalfPixelSymmetric
};
enum class ResizeNearestMode : uint8_t { RoundPreferFloor, RoundPreferCeil, Floor, Ceil };

struct ResizeParams {
  ResizeMode mode = ResizeMode::Nearest;
  ResizeCoordMode coord = ResizeCoordMode::HalfPixel;
  ResizeNearestMode nearest = ResizeNearestMode::RoundPreferFloor;
  int rank = 0;
  int64_t in_dims[kResizeMaxRank] = {};
  int64_t out_dims[kResizeMaxRank] = {};
  double scales[kResizeMaxRank] = {};  // per dim, > 0
  double cubic_coeff_a = -0.75;        // cubic mode
  bool exclude_outside = false;        // cubic mode
};

// The input coordinate of output index x_out along a dim (the table above).
double resize_source_coordinate(ResizeCoordMode coord, int64_t x_out, double scale, int64_t in_len, int64_t out_len);

// The input index nearest mode reads for a source coordinate, clamped to [0, in_len - 1].
int64_t resize_nearest_index(ResizeNearestMode mode, double x, int64_t in_len);

// Linear-mode neighbours and weights of a source coordinate: value = w0 * in[i0] + w1 * in[i1].
struct LinearTap {
  int64_t i0, i1;
  double w0, w1;
};
LinearTap resize_linear_tap(double x, int64_t in_len);

// Cubic-mode taps of a source coordinate: value = sum_k w[k] * in[i[k]] (indices clamped to the input).
struct CubicTap {
  int64_t i[4];
  double w[4];
};
CubicTap resize_cubic_tap(double x, int64_t in_len, double a, bool exclude_outside);

void resize_reference(const ResizeParams& p, const float* in, float* out);

// Nearest mode without per-element coordinate math (resize_nearest_fast.cpp): the source index of every
// output index along every dim is computed once, by the same functions the reference uses, into a table
// of resize_nearest_table_size(p) entries (per dim d in order, out_dims[d] entries, each already
// multiplied by the input stride of d). The result equals resize_reference bit for bit (a pure gather).
int64_t resize_nearest_table_size(const ResizeParams& p);
void resize_nearest_build_table(const ResizeParams& p, int64_t* table);
// Output rows (every dim but the last; rank 1 is one row) [row_begin, row_end) only, so callers can split
// rows over threads. An output row whose source row equals the previous row's is copied from it.
int64_t resize_nearest_rows(const ResizeParams& p);
void resize_nearest_fast(const ResizeParams& p, const int64_t* table, const float* in, float* out, int64_t row_begin,
                         int64_t row_end);

// Linear and cubic modes on the optimised paths: kernels/resize/resize_separable.h.

}  // namespace vigil::kernels
