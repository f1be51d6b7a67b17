// Values that need no buffer of their own because their bytes already sit, in order, inside another
// value's buffer. The memory plan (engine/memory_plan.h) places them there, and the op's kernel sees that
// its input and output coincide and skips the copy:
//   - Reshape, Flatten, Squeeze, Unsqueeze: the output is the input under a new shape (offset 0);
//   - Transpose that only moves size-1 dims (the byte order is unchanged);
//   - Slice that selects one contiguous range (every sliced dim but the first non-1 one is whole, step 1):
//     the output is that range of the input, e.g. the channel split of a CSP block;
//   - Concat where nothing outside the axis varies faster than it (all dims before the axis are 1): each
//     input is produced straight into its part of the output, e.g. the CSP concats of a darknet backbone;
//   - a channel Concat of a batch of images (NCHW, N > 1): an input whose producer and other consumers all
//     accept batch strides (OpKernel::accepts_batch_strides) is produced straight into its channels of
//     every image, a strided view (ValueAlias::batch_stride). Such values take no further part in aliasing.
// Only values in the arena take part (never constants), each value has at most one parent, graph inputs
// are never placed inside a Concat, and child offsets are multiples of kTensorAlignment so kernels still
// get aligned tensors.
#pragma once

#include <cstddef>
#include <vector>

#include "engine/graph.h"

namespace vigil {

struct ValueAlias {
  int parent = -1;           // the value whose buffer holds this one; -1: it has its own buffer
  size_t offset = 0;         // bytes from the parent's first byte (to the first image, when strided)
  int64_t batch_stride = 0;  // elements from one image to the next when strided; 0: dense
};

// One entry per value of `g` (shapes inferred). `accepts_batch_strides[n]`: node n's kernel honours
// strided views (empty: no node does).
std::vector<ValueAlias> find_value_aliases(const Graph& g, const std::vector<bool>& accepts_batch_strides = {});

}  // namespace vigil
