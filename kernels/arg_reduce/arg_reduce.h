// ArgMax / ArgMin (ONNX) over one axis of a tensor (f32, i64, i32, i8 or u8) viewed as [outer, axis_len, inner]: the
// int64 index along the axis of the largest (smallest) element of each of the outer * inner lines.
//
// Ties: the first index, or the last with select_last_index. NaN, as onnxruntime: a running best starts at
// the line's first element and moves to a later element only when that one compares greater (less; or
// greater-or-equal with select_last_index). A NaN never compares true, so a NaN first element is the answer
// for the whole line, and a NaN anywhere else is passed over.
#pragma once

#include <cstdint>

#include "kernels/elem_type.h"

namespace vigil::kernels {

struct ArgReduceParams {
  bool max = true;                             // ArgMax; false: ArgMin
  bool select_last_index = false;              // ties go to the last index
  int64_t outer = 1, axis_len = 1, inner = 1;  // axis_len >= 1
  ElemType type = ElemType::F32;               // of x (not Bool)
};

// y[o * inner + i] for o in [outer_begin, outer_end), every i in [0, inner).
void arg_reduce_reference(const ArgReduceParams& p, const void* x, int64_t* y, int64_t outer_begin, int64_t outer_end);

}  // namespace vigil::kernels
