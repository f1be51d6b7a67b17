// TopK (ONNX) along one axis of a tensor (f32, i64, i32, i8 or u8) viewed as [outer, axis_len, inner]: for each of
// the outer * inner lines, the k largest (or smallest) elements, sorted best first, and their int64 indices along
// the axis.
//
// Order, as onnxruntime: NaN counts as greater than every number (first with largest, last with smallest);
// equal values (NaN with NaN, -0 with 0) keep the lower index
// first, as the ONNX spec asks. The output is always sorted, which sorted = 0 (any order) allows.
#pragma once

#include <cstdint>

#include "kernels/elem_type.h"

namespace vigil::kernels {

struct TopKParams {
  int64_t outer = 1, axis_len = 1, inner = 1;
  int64_t k = 1;  // 1 <= k <= axis_len
  bool largest = true;
  ElemType type = ElemType::F32;  // of x and values (not Bool)
};

// values / indices are [outer, k, inner]. scratch holds axis_len int64 (the line's candidate indices).
void topk_reference(const TopKParams& p, const void* x, void* values, int64_t* indices, int64_t* scratch);

}  // namespace vigil::kernels
