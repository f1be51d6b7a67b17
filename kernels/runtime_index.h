// An index read at run time (Gather, GatherElements, ScatterElements with indices computed or fed then): element
// i of an i32 or i64 index tensor as a position on an axis of `size`, negative ones counting from the end. Out of
// [-size, size) it is -1, and the caller writes zeros or skips the update: a run cannot stop to report it and
// must never touch memory outside its tensors.
#pragma once

#include <cstdint>

namespace vigil::kernels {

inline int64_t runtime_index(const void* indices, bool indices_i32, int64_t i, int64_t size) {
  int64_t k = indices_i32 ? static_cast<const int32_t*>(indices)[i] : static_cast<const int64_t*>(indices)[i];
  if (k < 0) k += size;
  return k >= 0 && k < size ? k : -1;
}

}  // namespace vigil::kernels
