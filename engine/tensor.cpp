#include "engine/tensor.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "engine/error.h"

namespace vigil {

void AlignedDeleter::operator()(std::byte* p) const { std::free(p); }

AlignedBytes allocate_aligned(size_t bytes) {
  // aligned_alloc wants a size that is a multiple of the alignment; never ask for zero bytes.
  size_t rounded = (bytes + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
  if (rounded == 0) rounded = kTensorAlignment;
  auto* p = static_cast<std::byte*>(std::aligned_alloc(kTensorAlignment, rounded));
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, rounded);
  return AlignedBytes(p);
}

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(shape), owned_(true) {
  check_shape_sane(shape, "tensor", /*allow_zero=*/true);
  auto bytes = allocate_aligned(this->bytes());
  data_ = bytes.get();
  owner_ = std::shared_ptr<std::byte>(bytes.release(), AlignedDeleter{});
}

Tensor Tensor::borrow(DType dtype, Shape shape, const void* data, std::shared_ptr<const void> owner) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = shape;
  t.data_ = data;
  t.owner_ = std::move(owner);
  t.owned_ = false;
  return t;
}

Tensor Tensor::from_f32(Shape shape, std::span<const float> values) {
  Tensor t(DType::F32, shape);
  if (static_cast<int64_t>(values.size()) != t.numel())
    fail("Tensor::from_f32: ", values.size(), " values for shape ", shape.str());
  std::memcpy(t.mutable_data(), values.data(), t.bytes());
  return t;
}

Tensor Tensor::from_i64(Shape shape, std::span<const int64_t> values) {
  Tensor t(DType::I64, shape);
  if (static_cast<int64_t>(values.size()) != t.numel())
    fail("Tensor::from_i64: ", values.size(), " values for shape ", shape.str());
  std::memcpy(t.mutable_data(), values.data(), t.bytes());
  return t;
}

void* Tensor::mutable_data() {
  if (!owned_) fail("tensor storage is borrowed and read-only");
  return const_cast<void*>(data_);
}

}  // namespace vigil
