// Elementwise binary arithmetic (Add, Sub, Mul, Div, PRelu, Pow, Max, Min) with numpy broadcasting and an optional
// fused activation. Broadcasting is expressed as per-dimension element strides, one set per input, with stride 0 on a
// broadcast dimension; the caller computes them once (broadcast_strides) and the kernel only walks them.
#pragma once

#include <cstdint>
#include <span>

#include "kernels/activation/activation.h"
#include "kernels/elem_type.h"
#include "kernels/kernel_isa.h"

namespace vigil::kernels {

inline constexpr int kBinaryMaxRank = 6;

// PRelu: a < 0 ? a * b : a (b is the slope; NaN and -0 in a pass through unchanged).
// Pow: a^b, C's pow in double rounded once (pow(-8, 1/3) is NaN, pow(x, 0) is 1 even for NaN x).
// Max, Min: NaN if either input is NaN, else a > b ? a : b (a < b ? a : b): of two equal values (0 and -0) the
// second, as onnxruntime does.
enum class BinaryOp : uint8_t { Add, Sub, Mul, Div, PRelu, Pow, Max, Min };

struct BinaryParams {
  BinaryOp op = BinaryOp::Add;
  int rank = 0;                            // output rank; 0 = a scalar
  int64_t out_dims[kBinaryMaxRank] = {};   // output shape
  int64_t a_strides[kBinaryMaxRank] = {};  // element stride of `a` per output dim (0 where a is broadcast)
  int64_t b_strides[kBinaryMaxRank] = {};
  ActivationParams act;  // applied to a (op) b
};

// Strides (in elements) with which an input of shape `in_dims` is read when broadcast to an output of rank
// `out_rank`: dims are aligned at the right, missing leading dims and dims of size 1 get stride 0.
// Requires in_dims.size() <= out_rank <= kBinaryMaxRank.
void broadcast_strides(std::span<const int64_t> in_dims, int out_rank, int64_t* strides);

// a^b as BinaryOp::Pow computes it: in double, rounded once. One out-of-line definition (baseline code)
// that both kernels call, so they give the same bits; not inline, because this header is also compiled
// with AVX-512 flags and an inline copy could be the one the linker keeps for baseline callers.
float binary_pow(float a, float b);

// One element: act(a op b), the arithmetic in float (IEEE, correctly rounded), the activation as in
// activate_reference.
float binary_apply_reference(BinaryOp op, const ActivationParams& act, float a, float b);

// Add, Sub, Mul, Div, Max, Min of integers (I64, I32, I8 or U8; both inputs and y of that type), with the same
// broadcasting (p.act must be None). Sums, differences and products wrap around in the type's width (two's
// complement, as numpy and onnxruntime); Div truncates toward zero (C, onnxruntime), the minimum value / -1
// wraps to the minimum, and a division by zero gives 0: ONNX leaves it undefined, and a run must not trap.
bool binary_integer_supported(BinaryOp op);
void binary_integer_reference(const BinaryParams& p, ElemType type, const void* a, const void* b, void* y);

// y[i] = act(a[ia(i)] op b[ib(i)]) for every output element i (row-major over out_dims).
// y must not alias a or b unless that input has the output's shape and dense strides.
void binary_reference(const BinaryParams& p, const float* a, const float* b, float* y);

// The optimised paths: y = a op b, without the activation, for output rows [row_begin, row_end) (a row is
// the last output dim; binary_rows_count(p) rows in all, one for a scalar), so threads can take row ranges.
// Each element is the same IEEE float operation as binary_reference's, so the results are the same bits;
// the loops are vectorised where an input's last dim is contiguous or one broadcast value. p.act is not
// applied (the caller does it, e.g. with gemm_packed_activation). Same aliasing rule as binary_reference.
int64_t binary_rows_count(const BinaryParams& p);
// The same operation with fewer, longer rows for binary_rows: dims of size 1 dropped, and each dim merged into
// the next inner one where both inputs walk them as one (stride of the outer = stride of the inner * its
// size, e.g. H and W under a per-channel [C,1,1] operand, or every dim of two same-shape inputs) while the
// merged row stays within `max_row` elements (so threads still get rows to split). Every output element reads
// the same a and b elements as before; the reference keeps the original params.
BinaryParams binary_coalesced(const BinaryParams& p, int64_t max_row);
void binary_rows(KernelIsa isa, const BinaryParams& p, const float* a, const float* b, float* y, int64_t row_begin,
                 int64_t row_end);
void binary_rows_baseline(const BinaryParams& p, const float* a, const float* b, float* y, int64_t row_begin,
                          int64_t row_end);
void binary_rows_avx2(const BinaryParams& p, const float* a, const float* b, float* y, int64_t row_begin,
                      int64_t row_end);
void binary_rows_avx512(const BinaryParams& p, const float* a, const float* b, float* y, int64_t row_begin,
                        int64_t row_end);

}  // namespace vigil::kernels
