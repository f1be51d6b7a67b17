// 2-D max and average pooling over NCHW tensors, and global average pooling. Each (n, c) plane is pooled
// independently, so the kernels see a stack of `planes` = N*C planes.
#pragma once

#include <cstdint>

namespace vigil::kernels {

struct Pool2dParams {
  int64_t planes = 1;  // N * C
  int64_t in_h = 1, in_w = 1;
  int64_t out_h = 1, out_w = 1;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  // AveragePool only: divide by the number of window cells inside the padded input (true) or inside the
  // unpadded input (false).
  bool count_include_pad = false;
};

// Output extent along one dim. With ceil_mode the division rounds up, but a last window that would start in
// the end padding (at or beyond in + pad_begin) is dropped (the ONNX/PyTorch rule). Returns a value < 1 when
// the dilated kernel does not fit in the padded input.
int64_t pool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, int64_t pad_begin,
                         int64_t pad_end, bool ceil_mode);

// Window (oh, ow) covers rows oh*stride_h - pad_top + i*dilation_h, i < kernel_h (columns likewise).
// Max: the largest covered input cell; cells outside the input never win; NaN propagates. Every window
// must cover at least one input cell (the engine checks this at load).
void max_pool2d_reference(const Pool2dParams& p, const float* x, float* y);

// Average: the sum of the covered input cells (in double) divided by the count described at
// count_include_pad. Cells a ceil_mode window reaches beyond pad_bottom/pad_right count in neither case.
void average_pool2d_reference(const Pool2dParams& p, const float* x, float* y);
// One output of average_pool2d_reference: window (oh, ow) of the plane x_p.
float average_pool2d_cell(const Pool2dParams& p, const float* x_p, int64_t oh, int64_t ow);

// Lp pooling (ONNX LpPool): (sum of |x|^p over the covered input cells)^(1/p), in double; padding adds
// nothing, so a window over padding only is 0. p > 0.
void lp_pool2d_reference(const Pool2dParams& p, double norm_p, const float* x, float* y);

// y[p] = mean of the plane_size values of plane p, accumulated in double.
void global_average_pool_reference(int64_t planes, int64_t plane_size, const float* x, float* y);

// GlobalAveragePool on the optimised paths, planes [plane_begin, plane_end): the same double sum in another
// fixed order (8 interleaved partial sums, combined pairwise, then the tail), divided and rounded once. The
// double sums differ by at most ~plane_size * 2^-53 * sum|x|, so the float outputs differ from the
// reference's by at most 1 ulp (docs/OPERATORS.md); the same bits on every path.
void global_average_pool_fast(int64_t plane_size, const float* x, float* y, int64_t plane_begin, int64_t plane_end);

}  // namespace vigil::kernels

namespace vigil::kernels {

// The same result as max_pool2d_reference, bit for bit (including NaN propagation), for planes
// [plane_begin, plane_end) only: windows that lie inside the image horizontally run without bounds checks,
// one tap at a time across a whole output row. Portable C++ (the optimised paths use it; planes are the
// unit of thread splitting).
void max_pool2d_fast(const Pool2dParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end);
// The same result, bit for bit, as a row pass then a column pass (max_pool2d_separable.cpp says why that is
// exact): kh + kw steps per output, for large windows. scratch: max_pool2d_separable_scratch_floats(p).
// average_pool2d_reference's results, bit for bit, for planes [plane_begin, plane_end): windows wholly
// inside the image summed across a run of outputs without bounds checks (average_pool2d_fast.cpp).
void average_pool2d_fast(const Pool2dParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end);
int64_t max_pool2d_separable_scratch_floats(const Pool2dParams& p);
void max_pool2d_separable(const Pool2dParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end,
                          float* scratch);
// The same with AVX-512 vectors of 16 output columns (max_pool2d_fast_avx512.cpp), still bit-identical;
// strides above 2 fall back to max_pool2d_fast. Only on CPUs with AVX-512 F/BW/DQ/VL.
void max_pool2d_fast_avx512(const Pool2dParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end);
// Max pooling on AVX-512 (and AVX2, below), bit-identical to the reference: each plane is copied, a band of
// rows at a time, into rows bordered with -inf, which never replaces a running maximum (not larger than
// anything, not NaN), so every window runs the vector loop with the reference's taps in order, without the
// per-cell bounds checks of the border cells (GoogLeNet's 3x3 stride-1 pad-1 pools on 14x14 and 7x7 maps ran
// at ~2 GFLOP/s, ~8x onnxruntime's time) and, at stride 2, on rows already split into even and odd columns.
// Bands without a NaN take one max instruction per tap (max_pool2d_padded_impl.h says why that is exact).
// Strides up to 2. scratch: max_pool2d_padded_scratch_floats(p), any alignment.
bool max_pool2d_padded_supported(const Pool2dParams& p);  // strides up to 2, kernels up to 64 wide
int64_t max_pool2d_padded_scratch_floats(const Pool2dParams& p);
void max_pool2d_padded_avx512(const Pool2dParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end,
                              float* scratch);
// The same on AVX2 (8 columns per vector); only on CPUs with AVX2.
void max_pool2d_padded_avx2(const Pool2dParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end,
                            float* scratch);

}  // namespace vigil::kernels
