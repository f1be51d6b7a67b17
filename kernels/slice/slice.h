// Strided slicing: out[c0, c1, ...] = in[start0 + c0*step0, start1 + c1*step1, ...]. Steps may be
// negative. Element-type agnostic (copies elem_size bytes per element). Also used by Split (one slice per
// output, step 1). The caller resolves ONNX's clamping of starts/ends (resolve_slice_axis) beforehand, so
// every index the kernel touches is in range.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace vigil::kernels {

inline constexpr int kSliceMaxRank = 6;

struct SliceParams {
  int rank = 0;
  size_t elem_size = 4;
  int64_t in_dims[kSliceMaxRank] = {};
  int64_t out_dims[kSliceMaxRank] = {};
  int64_t starts[kSliceMaxRank] = {};  // first input index read along each dim, in [0, in_dim)
  int64_t steps[kSliceMaxRank] = {};   // non-zero
  // Input elements from one entry of dim 0 to the next; 0 = dense. Non-zero for a batch of images that sits
  // inside a bigger tensor (a strided view, engine/value_alias.h).
  int64_t in_stride0 = 0;
};

// The ONNX Slice rule for one axis of length `dim`: negative start/end count from the end, then with
// step > 0 both are clamped to [0, dim], with step < 0 start to [0, dim-1] and end to [-1, dim-1]
// (so INT64_MAX / INT64_MIN mean "to the end" in either direction). Returns the number of elements
// selected (0 if the range is empty); `start` receives the clamped first index.
int64_t resolve_slice_axis(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t* resolved_start);

void slice_reference(const SliceParams& p, const void* in, void* out);

// The same slice with fewer, longer rows: while the innermost dim is taken whole (start 0, step 1) and the
// dim before it has step 1, the two are merged into one. A channel slice of an NCHW tensor becomes one
// contiguous run per image instead of one per image row. Dim 0 is never merged when in_stride0 is set.
SliceParams slice_merge_whole_inner_dims(const SliceParams& p);

// Rows [begin, end) of the outermost output dim only: the part of slice_reference's output that starts
// at byte begin * (output bytes / out_dims[0]). For splitting a slice over threads.
SliceParams slice_outer_range(const SliceParams& p, int64_t begin, int64_t end);

}  // namespace vigil::kernels
