// NumPy .npy files (docs/FORMAT.md, ".npy"): test inputs, reference outputs and tensors from tools.
#pragma once

#include <string>

#include "engine/error.h"
#include "engine/tensor.h"

namespace vigil {

// Reads a C-order .npy file (format 1.0, 2.0 or 3.0) into an owned tensor of the stored dtype: <f4 -> f32,
// <f8 -> f32 (converted), <i8 -> i64, <i4 -> i32, u1 -> u8, i1 -> i8, b1 -> bool, <f2 -> f16. Throws Error
// "<file>: <what> at byte <offset>: <reason>" for any malformed or unsupported file.
Tensor read_npy(const std::string& path);

// Writes `t` exactly as NumPy's np.save would (format 1.0, or 2.0 for a header over 64 KiB).
void write_npy(const std::string& path, const TensorView& t);

}  // namespace vigil
