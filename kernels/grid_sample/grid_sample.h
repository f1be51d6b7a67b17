// GridSample (ONNX opset 16/20/22; PyTorch F.grid_sample): each output point reads the input at the position
// the grid gives it. X is [N, C, d_1..d_r], grid [N, D_1..D_r, r] holds normalised positions (x, y[, z]...):
// component 0 runs along the LAST spatial dim d_r, component r-1 along d_1 (PyTorch's order). The output is
// [N, C, D_1..D_r]; every channel of a point shares that point's taps and weights.
//
// Per spatial dim of length L, a normalised g becomes the input coordinate (in double)
//   align_corners = 1: (g + 1) / 2 * (L - 1)         (-1 and 1 are the centres of the corner pixels)
//   align_corners = 0: ((g + 1) * L - 1) / 2         (-1 and 1 are the outer edges of the corner pixels)
// then:
//   1. nearest: the coordinate is rounded half to even;
//   2. linear and nearest: a coordinate outside the valid range [lo, hi] ([0, L-1] with align_corners, else
//      [-0.5, L-0.5]) is clamped to [0, L-1] (border) or reflected about lo and hi until it falls inside
//      (reflection); zeros leaves it where it is. Cubic skips this step and pads only its taps (step 4), as
//      PyTorch and onnxruntime do; the ONNX reference implementation clamps/reflects the cubic coordinate too,
//      which differs for points outside the image with border or reflection padding (no node test has such a
//      point; vigil follows the exporters' framework, checked against PyTorch exports);
//   3. the taps: nearest 1 (the coordinate itself), linear 2 (floor(x), floor(x)+1, weights 1-t, t with
//      t = x - floor(x)), cubic 4 (floor(x)-1 .. floor(x)+2, Keys' weights with A = -0.75);
//   4. each integer tap is mapped by the padding mode again: zeros reads 0 outside [0, L), border clamps it
//      to [0, L-1], reflection reflects it about lo and hi (a dim of length 1 with align_corners reads index 0).
// N-linear and N-cubic interpolation is the tensor product of the per-dim taps (2^r or 4^r of them).
// Grid values that are not numbers: a NaN coordinate gives NaN at that point; +-inf is a point far outside
// (zeros: 0, border: the edge value) except with reflection, where it has no reflected position: NaN.
#pragma once

#include <cstdint>

namespace vigil::kernels {

inline constexpr int kGridSampleMaxSpatial = 4;  // X of rank 3..6

enum class GridSampleMode : uint8_t { Linear, Nearest, Cubic };
enum class GridSamplePadding : uint8_t { Zeros, Border, Reflection };

struct GridSampleParams {
  int spatial = 2;  // r, 1..kGridSampleMaxSpatial
  int64_t batch = 1, channels = 1;
  int64_t in_dims[kGridSampleMaxSpatial] = {};   // d_1..d_r, each >= 1
  int64_t out_dims[kGridSampleMaxSpatial] = {};  // D_1..D_r, each >= 1
  GridSampleMode mode = GridSampleMode::Linear;
  GridSamplePadding padding = GridSamplePadding::Zeros;
  bool align_corners = false;
};

// Output points per image (D_1 * .. * D_r).
int64_t grid_sample_points(const GridSampleParams& p);

// Computes the output points [point_begin, point_end) of the flattened (n, point) range (0 .. N * points),
// every channel, accumulating in double. Callers may split the range over threads.
void grid_sample_reference(const GridSampleParams& p, const float* x, const float* grid, float* y, int64_t point_begin,
                           int64_t point_end);

}  // namespace vigil::kernels
