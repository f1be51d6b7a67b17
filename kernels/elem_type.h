// Element types of the kernels that handle more than f32 (Cast, comparisons, Where, ...). kernels/ knows
// nothing of engine/, so this mirrors the run-time subset of engine/dtype.h; the ops map one to the other.
// Bool is one byte per element: 0 is false, any other byte true (kernels write 0 or 1). F16, BF16 and F64 are
// storage types of graph inputs and outputs: only Cast converts them (to and from f32); nothing computes on them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil::kernels {

enum class ElemType : uint8_t { F32, I64, I32, I8, U8, Bool, F16, BF16, F64 };

constexpr size_t elem_size(ElemType t) {
  switch (t) {
    case ElemType::F32:
    case ElemType::I32:
      return 4;
    case ElemType::I64:
    case ElemType::F64:
      return 8;
    case ElemType::F16:
    case ElemType::BF16:
      return 2;
    case ElemType::I8:
    case ElemType::U8:
    case ElemType::Bool:
      return 1;
  }
  return 0;
}

}  // namespace vigil::kernels
