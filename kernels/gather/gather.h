// ONNX Gather with indices known only at run time (an Embedding's token ids, an index computed by ArgMax):
//
//   y[o, i, r] = x[o, indices[i], r]    for o < outer, i < count, r < inner
//
// x viewed as [outer, axis_size, inner], y as [outer, count, inner], elements of elem_bytes bytes copied bit
// for bit (any dtype). An index in [-axis_size, -1] counts from the end. One outside [-axis_size, axis_size)
// gives a slice of zeros: ONNX calls it an error, a run cannot stop half-way, and reading outside x is not an
// option. (Constant indices never get here: the importer turns them into Slices, and checks them at load.)
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil::kernels {

struct GatherParams {
  int64_t outer = 1;      // product of x's dims before the axis
  int64_t axis_size = 1;  // x's dim on the axis
  int64_t inner = 1;      // product of x's dims after the axis
  int64_t count = 1;      // number of indices
  size_t elem_bytes = 4;
  bool indices_i32 = false;  // int32 indices, else int64
};

void gather_reference(const GatherParams& p, const void* x, const void* indices, void* y);

}  // namespace vigil::kernels
