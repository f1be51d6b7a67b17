#include "loaders/onnx/const_tensor.h"

#include <cstring>

#include "engine/error.h"
#include "kernels/float16/float16.h"

namespace vigil::onnx {

int64_t ConstTensor::numel() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

ConstTensor ConstTensor::floats(std::vector<int64_t> dims, std::vector<float> values) {
  ConstTensor c;
  c.type = static_cast<int32_t>(DataType::Float);
  c.dims = std::move(dims);
  c.f = std::move(values);
  return c;
}

ConstTensor ConstTensor::ints(std::vector<int64_t> dims, std::vector<int64_t> values, DataType type) {
  ConstTensor c;
  c.type = static_cast<int32_t>(type);
  c.dims = std::move(dims);
  c.i = std::move(values);
  return c;
}

ConstTensor ConstTensor::zeros(int32_t type, std::vector<int64_t> dims) {
  ConstTensor c;
  c.type = type;
  c.dims = std::move(dims);
  if (c.is_float())
    c.f.assign(static_cast<size_t>(c.numel()), 0.0f);
  else
    c.i.assign(static_cast<size_t>(c.numel()), 0);
  return c;
}

std::string dims_str(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t k = 0; k < dims.size(); ++k) s += (k ? "," : "") + std::to_string(dims[k]);
  return s + "]";
}

namespace {

template <typename T>
T load_le(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));  // x86 and every target vigil builds for is little-endian
  return v;
}

}  // namespace

ConstTensor const_from_proto(const TensorProto& t, const std::string& what) {
  if (!t.unloadable.empty()) fail(what, ": ", t.unloadable);
  ConstTensor c;
  c.type = t.data_type;
  c.dims = t.dims;
  const auto n = static_cast<size_t>(t.element_count);
  std::span<const uint8_t> b = t.bytes();
  const size_t width = loadable_element_size(t.data_type);
  if (b.size() != n * width) fail(what, ": holds ", b.size(), " bytes for ", n, " elements of width ", width);
  const uint8_t* p = b.data();
  switch (static_cast<DataType>(t.data_type)) {
    case DataType::Float:
      c.f.resize(n);
      if (n) std::memcpy(c.f.data(), p, n * 4);
      break;
    case DataType::Double:
      c.f.resize(n);
      for (size_t k = 0; k < n; ++k) c.f[k] = static_cast<float>(load_le<double>(p + 8 * k));
      break;
    case DataType::Float16:
      c.f.resize(n);
      for (size_t k = 0; k < n; ++k) c.f[k] = kernels::f16_bits_to_f32(load_le<uint16_t>(p + 2 * k));
      break;
    case DataType::BFloat16:
      c.f.resize(n);
      for (size_t k = 0; k < n; ++k) c.f[k] = kernels::bf16_bits_to_f32(load_le<uint16_t>(p + 2 * k));
      break;
    default:
      c.i.resize(n);
      for (size_t k = 0; k < n; ++k) {
        const uint8_t* e = p + width * k;
        switch (static_cast<DataType>(t.data_type)) {
          case DataType::Uint8:
            c.i[k] = e[0];
            break;
          case DataType::Int8:
            c.i[k] = static_cast<int8_t>(e[0]);
            break;
          case DataType::Bool:
            c.i[k] = e[0] != 0;
            break;
          case DataType::Uint16:
            c.i[k] = load_le<uint16_t>(e);
            break;
          case DataType::Int16:
            c.i[k] = load_le<int16_t>(e);
            break;
          case DataType::Int32:
            c.i[k] = load_le<int32_t>(e);
            break;
          case DataType::Uint32:
            c.i[k] = load_le<uint32_t>(e);
            break;
          case DataType::Int64:
            c.i[k] = load_le<int64_t>(e);
            break;
          case DataType::Uint64:
            c.i[k] = static_cast<int64_t>(load_le<uint64_t>(e));
            break;
          default:
            fail(what, ": data type ", data_type_name(t.data_type), " is not supported");
        }
      }
  }
  return c;
}

DType vigil_dtype(int32_t onnx_type) {
  switch (static_cast<DataType>(onnx_type)) {
    case DataType::Float:
      return DType::F32;
    case DataType::Int64:
      return DType::I64;
    case DataType::Int32:
      return DType::I32;
    case DataType::Int8:
      return DType::I8;
    case DataType::Uint8:
      return DType::U8;
    case DataType::Bool:
      return DType::Bool;
    default:
      return DType::Undefined;
  }
}

DType boundary_dtype(int32_t onnx_type) {
  switch (static_cast<DataType>(onnx_type)) {
    case DataType::Float16:
      return DType::F16;
    case DataType::BFloat16:
      return DType::BF16;
    case DataType::Double:
      return DType::F64;
    default:
      return vigil_dtype(onnx_type);
  }
}

Tensor to_vigil_tensor(const ConstTensor& c, const std::string& what) {
  if (c.rank() > kMaxRank) fail(what, ": rank ", c.rank(), " exceeds vigil's maximum of ", kMaxRank);
  Shape shape = Shape::from(c.dims);
  check_shape_sane(shape, what);
  if (c.is_float()) return Tensor::from_f32(shape, c.f);
  DType dt = vigil_dtype(c.type);
  if (dt == DType::Undefined || dt == DType::I64) return Tensor::from_i64(shape, c.i);
  Tensor t(dt, shape);
  auto* out = static_cast<uint8_t*>(t.mutable_data());
  for (size_t k = 0; k < c.i.size(); ++k) {
    switch (dt) {
      case DType::I32: {
        auto v = static_cast<int32_t>(c.i[k]);
        std::memcpy(out + 4 * k, &v, 4);
        break;
      }
      case DType::I8:
        out[k] = static_cast<uint8_t>(static_cast<int8_t>(c.i[k]));
        break;
      case DType::U8:
        out[k] = static_cast<uint8_t>(c.i[k]);
        break;
      case DType::Bool:
        out[k] = c.i[k] != 0;
        break;
      default:
        fail(what, ": cannot convert to ", dtype_name(dt));
    }
  }
  return t;
}

}  // namespace vigil::onnx
