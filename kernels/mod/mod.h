// ONNX Mod: the elementwise remainder of A / B with numpy broadcasting, on f32, i64, i32, i8 or u8 (both inputs
// and the output of one type).
//   fmod = 1: A - trunc(A / B) * B, the sign of A (C's fmod and integer %).
//   fmod = 0: A - floor(A / B) * B, the sign of B (Python's and numpy's %): a non-zero truncated remainder whose
//             sign differs from B's gets B added; floats also give a zero the sign of B (numpy's rule, which the
//             ONNX spec states from opset 28).
// Floats follow std::fmod for the special values: B = 0, A infinite or a NaN operand give NaN; B infinite and A
// finite give A (fmod = 0: B itself when their signs differ). Integers cannot fail at run time: a remainder by 0
// is 0 (numpy's result; C leaves it undefined) and so is the one by -1 (which would trap for the minimum value).
// Exact: one remainder per element, no rounding.
#pragma once

#include <cstdint>

#include "kernels/elem_type.h"

namespace vigil::kernels {

inline constexpr int kModMaxRank = 6;

struct ModParams {
  ElemType type = ElemType::F32;  // F32, I64, I32, I8 or U8
  bool fmod = false;
  int rank = 0;                         // output rank; 0 = a scalar
  int64_t out_dims[kModMaxRank] = {};   // output shape
  int64_t a_strides[kModMaxRank] = {};  // element strides per output dim (0 where broadcast;
  int64_t b_strides[kModMaxRank] = {};  // kernels/binary's broadcast_strides computes them)
};

void mod_reference(const ModParams& p, const void* a, const void* b, void* y);

}  // namespace vigil::kernels
