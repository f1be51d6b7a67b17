// Tensors known at load time: initializers, Constant nodes and whatever the importer folds from them.
// Floating types are held as f32 (vigil computes in f32; DOUBLE constants lose precision on load, as the
// engine would round them anyway), integer and bool types as int64 so the shape arithmetic is exact. The
// ONNX data type is kept so that Cast, Equal and friends behave as ONNX says.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "loaders/onnx/onnx_proto.h"

namespace vigil::onnx {

struct ConstTensor {
  int32_t type = static_cast<int32_t>(DataType::Float);
  std::vector<int64_t> dims;
  std::vector<float> f;    // floating types
  std::vector<int64_t> i;  // integer and bool types

  bool is_float() const { return is_floating(type); }
  int rank() const { return static_cast<int>(dims.size()); }
  int64_t numel() const;
  // Element k as double / as int64 whatever the storage.
  double as_double(size_t k) const { return is_float() ? f[k] : static_cast<double>(i[k]); }
  int64_t as_int(size_t k) const { return is_float() ? static_cast<int64_t>(f[k]) : i[k]; }

  static ConstTensor floats(std::vector<int64_t> dims, std::vector<float> values);
  static ConstTensor ints(std::vector<int64_t> dims, std::vector<int64_t> values, DataType type = DataType::Int64);
  // An empty tensor of the given type and dims (values zero).
  static ConstTensor zeros(int32_t type, std::vector<int64_t> dims);
};

std::string dims_str(const std::vector<int64_t>& dims);  // "[1,3,256,256]"

// Converts a decoded TensorProto (throws naming `what` if its data type or storage is not loadable).
ConstTensor const_from_proto(const TensorProto& t, const std::string& what);

// The vigil tensor of a constant: f32 for floating types; i64/i32/i8/u8/bool for those ONNX types; the
// other integer types widen to i64. Throws naming `what` for empty tensors or ranks vigil cannot hold.
Tensor to_vigil_tensor(const ConstTensor& c, const std::string& what);

// The vigil dtype a run-time value of this ONNX data type has, or Undefined if vigil has no such type.
// FLOAT16, BFLOAT16 and DOUBLE values are held as f32 inside the graph: Undefined here, see boundary_dtype.
DType vigil_dtype(int32_t onnx_type);

// The vigil dtype of a graph input or output of this ONNX type: vigil_dtype, and f16, bf16, f64 for FLOAT16,
// BFLOAT16, DOUBLE (the importer converts those to and from f32 at the graph's boundary).
DType boundary_dtype(int32_t onnx_type);

}  // namespace vigil::onnx
