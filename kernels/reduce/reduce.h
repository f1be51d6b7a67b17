// Reductions over any subset of the axes of a tensor (ONNX ReduceMean, ReduceSum, ReduceMax, ...).
#pragma once

#include <cstdint>

namespace vigil::kernels {

inline constexpr int kReduceMaxRank = 8;

//   Mean, Sum, Prod, Max, Min of the values; L1 = sum |x|, L2 = sqrt(sum x^2), SumSquare = sum x^2,
//   LogSum = log(sum x), LogSumExp = log(sum e^x) (taken as m + log(sum e^(x - m)), m the maximum, so it
//   stays finite for large x).
enum class ReduceOp : uint8_t { Mean, Sum, Prod, Max, Min, L1, L2, SumSquare, LogSum, LogSumExp };

struct ReduceParams {
  ReduceOp op = ReduceOp::Mean;
  int rank = 0;
  int64_t dims[kReduceMaxRank] = {};
  bool reduce[kReduceMaxRank] = {};  // true for every axis reduced away
};

// y holds the reductions over the reduced axes, laid out row-major over the kept axes in their original
// order (keepdims only changes the shape, not the layout). Computed in double, each output rounded once.
// Max and Min propagate NaN (any NaN in the set gives NaN). With no reduced axis each output reduces one
// value (Mean, Sum, Max, Min: a copy of x).
void reduce_reference(const ReduceParams& p, const float* x, float* y);

// The reductions that are integer operations: Sum, Prod, Max, Min, L1 (sum of |x|) and SumSquare.
bool reduce_integer_supported(ReduceOp op);

// Those reductions of int32 (i32) or int64 values, in the same layout as reduce_reference, computed in the element
// type with two's-complement wrap-around on overflow (as numpy and onnxruntime do). A mask's count, mask.sum(1),
// is the common case. Requires reduce_integer_supported(p.op).
void reduce_integer_reference(const ReduceParams& p, bool i32, const void* x, void* y);

}  // namespace vigil::kernels
