// ONNX EyeLike: a [rows, cols] matrix with ones on diagonal k (element (i, i + k)) and zeros elsewhere, of any
// run-time element type (one is 1.0f, integer 1 or true; zero all-zero bytes). A diagonal outside the matrix
// gives all zeros.
#pragma once

#include <cstdint>

#include "kernels/elem_type.h"

namespace vigil::kernels {

void eye_like_reference(int64_t rows, int64_t cols, int64_t k, ElemType type, void* y);

}  // namespace vigil::kernels
