// Concatenation along one axis, as byte copies. Viewed around the axis, every tensor is
// [outer, axis_dim * inner] bytes-wise: each input contributes one contiguous chunk per outer index, and the
// output row is the inputs' chunks side by side. The kernel places one input at a time, so the caller needs
// no array of input pointers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil::kernels {

struct ConcatPart {
  int64_t outer = 1;        // product of the dims before the axis
  size_t chunk_bytes = 0;   // this input's axis_dim * inner * element size
  size_t row_bytes = 0;     // the output's axis_dim * inner * element size (sum of all chunks)
  size_t offset_bytes = 0;  // where this input's chunk starts inside an output row
};

// Copies input `in` into its place in `out`: out[o*row + offset .. + chunk] = in[o*chunk .. + chunk].
void concat_part_reference(const ConcatPart& p, const void* in, void* out);

}  // namespace vigil::kernels
