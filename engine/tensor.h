// Tensors. TensorView is a non-owning (dtype, shape, pointer) triple: what kernels and the executor pass
// around. Tensor owns or shares its bytes: either a 64-byte aligned heap buffer, or a borrowed region
// (for example inside an mmapped .vgl file) kept alive by a shared owner.
#pragma once

#include <cstddef>
#include <memory>
#include <span>

#include "engine/dtype.h"
#include "engine/shape.h"

namespace vigil {

inline constexpr size_t kTensorAlignment = 64;

struct TensorView {
  DType dtype = DType::Undefined;
  Shape shape;
  void* data = nullptr;
  // Elements from one entry of dim 0 to the next; 0 = dense (shape.numel(1, rank)). Non-zero only for a
  // batch of images placed inside a channel Concat's output (engine/value_alias.h), and only kernels that
  // declare OpKernel::accepts_batch_strides() ever see one.
  int64_t batch_stride = 0;

  bool present() const { return data != nullptr; }  // absent optional inputs have no data
  int64_t numel() const { return shape.numel(); }
  size_t bytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype); }
  float* f32() const { return static_cast<float*>(data); }
  int64_t* i64() const { return static_cast<int64_t*>(data); }
};

// 64-byte aligned heap storage, freed with the matching deallocation.
struct AlignedDeleter {
  void operator()(std::byte* p) const;
};
using AlignedBytes = std::unique_ptr<std::byte[], AlignedDeleter>;
AlignedBytes allocate_aligned(size_t bytes);  // zero-filled

class Tensor {
 public:
  Tensor() = default;
  // Owned, zero-filled storage.
  Tensor(DType dtype, Shape shape);
  // Borrowed storage: `data` stays valid as long as `owner` lives.
  static Tensor borrow(DType dtype, Shape shape, const void* data, std::shared_ptr<const void> owner);
  static Tensor from_f32(Shape shape, std::span<const float> values);
  static Tensor from_i64(Shape shape, std::span<const int64_t> values);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t numel() const { return shape_.numel(); }
  size_t bytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }
  const void* data() const { return data_; }
  // Writable access exists only for owned tensors (throws for borrowed, read-only storage).
  void* mutable_data();
  const float* f32() const { return static_cast<const float*>(data_); }
  const int64_t* i64() const { return static_cast<const int64_t*>(data_); }
  float* mutable_f32() { return static_cast<float*>(mutable_data()); }
  // A read-only view (the executor never writes through views of constants).
  TensorView view() const { return {dtype_, shape_, const_cast<void*>(data_)}; }

 private:
  DType dtype_ = DType::Undefined;
  Shape shape_;
  std::shared_ptr<const void> owner_;
  const void* data_ = nullptr;
  bool owned_ = false;
};

}  // namespace vigil
