#include <cstring>

#include "kernels/eye_like/eye_like.h"

namespace vigil::kernels {

void eye_like_reference(int64_t rows, int64_t cols, int64_t k, ElemType type, void* y) {
  const size_t bytes = elem_size(type);
  auto* out = static_cast<unsigned char*>(y);
  std::memset(out, 0, static_cast<size_t>(rows * cols) * bytes);
  const float one_f32 = 1.0f;
  const int64_t one_i64 = 1;
  const int32_t one_i32 = 1;
  const uint8_t one_byte = 1;
  const void* one = type == ElemType::F32   ? static_cast<const void*>(&one_f32)
                    : type == ElemType::I64 ? static_cast<const void*>(&one_i64)
                    : type == ElemType::I32 ? static_cast<const void*>(&one_i32)
                                            : static_cast<const void*>(&one_byte);  // I8, U8, Bool
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t j = i + k;
    if (j >= 0 && j < cols) std::memcpy(out + static_cast<size_t>(i * cols + j) * bytes, one, bytes);
  }
}

}  // namespace vigil::kernels
