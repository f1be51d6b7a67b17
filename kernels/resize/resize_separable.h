// Resize, linear and cubic modes (rank >= 2, filtering the last two dims), on the optimised paths:
// resize_reference's results bit for bit. The reference computes, per output element, Taps (2 or 4) row
// sums of Taps column taps each; a row sum depends only on the input row and the output column, not on the
// output row. So each needed input row is filtered across once into a row of doubles (the "horizontal
// pass": the reference's row sums exactly, gathered through column taps computed at load), kept in a
// Taps-row cache (the rows an output row reads are clamps of Taps consecutive integers, so input row r can
// live in slot r % Taps), and every output row is then the weighted sum of its cached rows (the "vertical
// pass"), contiguous in the output column. Both passes run on double vectors on AVX2/AVX-512 with the
// reference's operations in its order, products kept apart from the sums (no fused multiply-add).
// Per output: linear  top = w0 * r0[i0] + w1 * r0[i1] (likewise bottom), float(v0 * top + v1 * bottom);
//             cubic   across = 0 + w0 * r[i0] + ... + w3 * r[i3], float(0 + v0 * across0 + ... + v3 * across3).
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/kernel_isa.h"
#include "kernels/resize/resize.h"

namespace vigil::kernels {

// Column taps padded to a multiple of kResizeColumnPad (input column 0, weight 0 past out_w) so the vector
// passes have no scalar tail except the masked output store.
inline constexpr int64_t kResizeColumnPad = 16;

template <int Taps>
struct ResizeRowTaps {
  int64_t i[Taps];  // input rows (clamped)
  double w[Taps];
};

template <int Taps>
struct ResizeSeparablePlan {
  int64_t padded_w = 0;                   // out_w rounded up to kResizeColumnPad
  std::vector<ResizeRowTaps<Taps>> rows;  // out_h row taps
  std::vector<int32_t> col_index;         // [Taps][padded_w]: input column of tap k of output column x
  std::vector<double> col_weight;         // [Taps][padded_w]
};
using ResizeLinearPlan = ResizeSeparablePlan<2>;
using ResizeCubicPlan = ResizeSeparablePlan<4>;

// Whether the fast path handles p: linear / cubic mode, rank >= 2, input width below 2^31 (int32 gathers).
bool resize_separable_supported(const ResizeParams& p);
// The taps, computed once (at load) by resize_linear_tap / resize_cubic_tap, as the reference computes
// them per element.
void resize_linear_build_plan(const ResizeParams& p, ResizeLinearPlan& plan);
void resize_cubic_build_plan(const ResizeParams& p, ResizeCubicPlan& plan);
// Output rows over all planes (planes * out_h): the unit the work splits into.
int64_t resize_separable_rows(const ResizeParams& p);
// Doubles of scratch one call needs (the row cache): Taps * padded_w.
int64_t resize_separable_workspace_doubles(const ResizeParams& p);

// Output rows [row_begin, row_end) (numbered plane * out_h + y); work: resize_separable_workspace_doubles(p)
// doubles, 64-byte aligned, private to the call. KernelIsa::Scalar runs the same two passes in plain C++.
void resize_linear_fast(KernelIsa isa, const ResizeParams& p, const ResizeLinearPlan& plan, const float* in, float* out,
                        int64_t row_begin, int64_t row_end, double* work);
void resize_cubic_fast(KernelIsa isa, const ResizeParams& p, const ResizeCubicPlan& plan, const float* in, float* out,
                       int64_t row_begin, int64_t row_end, double* work);

void resize_linear_fast_avx2(const ResizeParams& p, const ResizeLinearPlan& plan, const float* in, float* out,
                             int64_t row_begin, int64_t row_end, double* work);
void resize_linear_fast_avx512(const ResizeParams& p, const ResizeLinearPlan& plan, const float* in, float* out,
                               int64_t row_begin, int64_t row_end, double* work);
void resize_cubic_fast_avx2(const ResizeParams& p, const ResizeCubicPlan& plan, const float* in, float* out,
                            int64_t row_begin, int64_t row_end, double* work);
void resize_cubic_fast_avx512(const ResizeParams& p, const ResizeCubicPlan& plan, const float* in, float* out,
                              int64_t row_begin, int64_t row_end, double* work);

}  // namespace vigil::kernels
