// ONNX ReverseSequence: for each batch entry b, the first lengths[b] steps along the time axis come out in reverse
// order and the others unchanged. X is [time, batch, inner] (time_major) or [batch, time, inner], inner being the
// product of the dims after the first two; elements are copied bit for bit (any element size). A length outside
// [0, time] is clamped into it, so run-time lengths are always safe (the op checks constant ones at load).
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil::kernels {

struct ReverseSequenceParams {
  bool time_major = true;
  int64_t time = 1;
  int64_t batch = 1;
  int64_t inner = 1;
  size_t elem_bytes = 4;
};

void reverse_sequence_reference(const ReverseSequenceParams& p, const void* x, const int64_t* lengths, void* y);

}  // namespace vigil::kernels
