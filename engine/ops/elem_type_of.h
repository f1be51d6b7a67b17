// The kernels' element type (kernels/elem_type.h) of an engine dtype, for the ops that compute more than f32
// (Cast, comparisons, logic, Where): the dtypes vigil computes at run time are f32, i64, i32, i8, u8 and bool.
#pragma once

#include <optional>

#include "engine/dtype.h"
#include "engine/op_def.h"
#include "kernels/elem_type.h"

namespace vigil::ops {

inline std::optional<kernels::ElemType> elem_type_of(DType t) {
  switch (t) {
    case DType::F32:
      return kernels::ElemType::F32;
    case DType::I64:
      return kernels::ElemType::I64;
    case DType::I32:
      return kernels::ElemType::I32;
    case DType::I8:
      return kernels::ElemType::I8;
    case DType::U8:
      return kernels::ElemType::U8;
    case DType::Bool:
      return kernels::ElemType::Bool;
    default:
      return std::nullopt;
  }
}

// Input 0 of an op that orders numbers (ArgMax, ArgMin, TopK): present and f32, i64, i32, i8 or u8.
inline kernels::ElemType number_input_type(const Node& node, std::span<const TensorInfo> in) {
  if (!in[0].present()) fail_node(node, "the input is required");
  const auto type = elem_type_of(in[0].dtype);
  if (!type || *type == kernels::ElemType::Bool)
    fail_node(node, concat("input 0 is ", dtype_name(in[0].dtype), ", expected f32, i64, i32, i8 or u8"));
  return *type;
}

}  // namespace vigil::ops
