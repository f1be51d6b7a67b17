// ONNX OneHot: every index becomes a row of `depth` values, on_value at the index and off_value elsewhere. The
// indices are viewed as [outer, inner] (outer: the dims before the one-hot axis) and the output as
// [outer, depth, inner]. An index in [-depth, -1] counts from the end; one outside [-depth, depth - 1] (or a NaN)
// gives a row of off_value only, so any index is safe at run time. Float indices are truncated toward zero first
// (the spec's cast to int64). The two values are copied bit for bit (elements of `value_bytes` bytes).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/elem_type.h"

namespace vigil::kernels {

struct OneHotParams {
  ElemType index_type = ElemType::I64;  // F32, I64, I32, I8 or U8
  int64_t outer = 1;
  int64_t depth = 1;
  int64_t inner = 1;
  size_t value_bytes = 4;
};

// values: [off_value, on_value].
void one_hot_reference(const OneHotParams& p, const void* indices, const void* values, void* y);

}  // namespace vigil::kernels
