// Element types. Arithmetic is f32; i64, i32, i8, u8 and bool values flow at run time through Cast, the
// comparisons and logical ops, Where, ArgMax/ArgMin, TopK and the data-movement ops (engine/ops/elem_type_of.h).
// f16, bf16 and f64 are storage types: graph inputs and outputs of models declared in those types, which Cast
// converts to and from f32 at the graph's boundary (nothing else computes on them; inside, such values are held
// as f32). Values are stable: they are stored in .vgl.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vigil {

enum class DType : uint8_t {
  Undefined = 0,
  F32 = 1,
  F16 = 2,
  BF16 = 3,
  I8 = 4,
  U8 = 5,
  I32 = 6,
  I64 = 7,
  Bool = 8,
  F64 = 9,
};

constexpr size_t dtype_size(DType t) {
  switch (t) {
    case DType::F32: return 4;
    case DType::F16: return 2;
    case DType::BF16: return 2;
    case DType::I8: return 1;
    case DType::U8: return 1;
    case DType::I32: return 4;
    case DType::I64: return 8;
    case DType::F64: return 8;
    case DType::Bool: return 1;
    case DType::Undefined: return 0;
  }
  return 0;
}

constexpr std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "f32";
    case DType::F16: return "f16";
    case DType::BF16: return "bf16";
    case DType::I8: return "i8";
    case DType::U8: return "u8";
    case DType::I32: return "i32";
    case DType::I64: return "i64";
    case DType::Bool: return "bool";
    case DType::F64: return "f64";
    case DType::Undefined: return "undefined";
  }
  return "invalid";
}

// True for codes a file may legally contain (anything else is rejected by the validators).
constexpr bool dtype_is_known(uint32_t code) { return code >= 1 && code <= 9; }

}  // namespace vigil
