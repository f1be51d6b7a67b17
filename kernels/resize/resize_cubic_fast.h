// Resize, cubic mode (rank >= 2, bicubic over the last two dims), on the optimised paths: resize_reference's
// results bit for bit. The reference sums, per output element, four row sums of four column taps each; a row
// sum depends only on the input row and the output column, not on the output row. So each needed input row is
// filtered across once into a row of doubles (the "horizontal pass", the reference's `across` values exactly),
// kept in a 4-row cache (the four rows an output row reads are four consecutive input rows, clamped, so input
// row r can live in slot r % 4), and every output row is then the weighted sum of its four cached rows
// (the "vertical pass"), contiguous in the output column: vectorised over columns on AVX2/AVX-512 with the
// reference's double operations in its order, products kept apart from the sums (no fused multiply-add).
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/kernel_isa.h"
#include "kernels/resize/resize.h"

namespace vigil::kernels {

// Column taps padded to a multiple of kResizeCubicColumnPad (index 0, weight 0 past out_w) so the vector
// passes have no scalar tail except the masked output store.
inline constexpr int64_t kResizeCubicColumnPad = 16;

struct ResizeCubicPlan {
  int64_t padded_w = 0;            // out_w rounded up to kResizeCubicColumnPad
  std::vector<CubicTap> rows;      // out_h row taps (resize_cubic_tap of each output row)
  std::vector<int32_t> col_index;  // [4][padded_w]: input column of tap k of output column x
  std::vector<double> col_weight;  // [4][padded_w]
};

// Whether the fast path handles p: cubic mode, rank >= 2, input width below 2^31 (int32 gather indices).
bool resize_cubic_fast_supported(const ResizeParams& p);
// The taps, computed once (at load) by resize_cubic_tap, as the reference computes them per element.
void resize_cubic_build_plan(const ResizeParams& p, ResizeCubicPlan& plan);
// Output rows over all planes (planes * out_h): the unit the work splits into.
int64_t resize_cubic_rows(const ResizeParams& p);
// Doubles of scratch one resize_cubic_fast call needs (the 4-row cache).
int64_t resize_cubic_workspace_doubles(const ResizeParams& p);

// Output rows [row_begin, row_end) (numbered plane * out_h + y); work: resize_cubic_workspace_doubles(p)
// doubles, 64-byte aligned, private to the call. KernelIsa::Scalar runs the same two passes in plain C++.
void resize_cubic_fast(KernelIsa isa, const ResizeParams& p, const ResizeCubicPlan& plan, const float* in, float* out,
                       int64_t row_begin, int64_t row_end, double* work);

void resize_cubic_fast_avx2(const ResizeParams& p, const ResizeCubicPlan& plan, const float* in, float* out,
                            int64_t row_begin, int64_t row_end, double* work);
void resize_cubic_fast_avx512(const ResizeParams& p, const ResizeCubicPlan& plan, const float* in, float* out,
                              int64_t row_begin, int64_t row_end, double* work);

}  // namespace vigil::kernels
