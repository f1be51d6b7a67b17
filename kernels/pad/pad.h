// Padding: output dim d has length in_dims[d] + pads_begin[d] + pads_end[d]. A negative pad crops instead
// (onnxruntime's rule: the input is cropped first, then the remaining pads are applied to the cropped
// tensor, so reflect/edge/wrap see only the cropped part). A padded cell holds:
//   constant: `value` (the bytes of one element);
//   edge:     the nearest cell of the cropped input;
//   reflect:  the mirror image, the border cell not repeated ([a b c] -> b | a b c | b);
//   wrap:     the cropped input repeated ([a b c] -> c | a b c | a).
// Element-type agnostic (elements are copied as elem_size bytes).
//
// Preconditions (the caller checks them at load): the cropped extent of every axis is >= 1, or >= 0 in
// constant mode (then the whole axis is padding); every output dim is >= 1. The kernels themselves would
// read in range for any reflect pad, but onnxruntime rejects reflect pads >= the cropped extent and so does
// the engine.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil::kernels {

inline constexpr int kPadMaxRank = 6;

enum class PadMode : uint8_t { Constant, Reflect, Edge, Wrap };

struct PadParams {
  int rank = 0;
  size_t elem_size = 4;  // 1..8 bytes
  int64_t in_dims[kPadMaxRank] = {};
  int64_t pads_begin[kPadMaxRank] = {};  // negative: crop
  int64_t pads_end[kPadMaxRank] = {};
  PadMode mode = PadMode::Constant;
  unsigned char value[8] = {};  // constant mode: one element's bytes (the first elem_size are used)
};

// Output length of axis d.
inline int64_t pad_out_dim(const PadParams& p, int d) { return p.in_dims[d] + p.pads_begin[d] + p.pads_end[d]; }

// The input index along one axis (length in_dim, pads begin/end) that output index o reads, or -1 when
// the cell is constant padding.
int64_t pad_source_index(int64_t o, int64_t in_dim, int64_t begin, int64_t end, PadMode mode);

// The definition: every output element on its own, from its coordinates (the audit baseline).
void pad_reference(const PadParams& p, const void* in, void* out);

// The same bytes, a row at a time: the unpadded trailing dims merge into the last padded one, and each
// output row is one memcpy of the input row plus its begin/end padding (a fill, or copies of single
// elements); a row whose outer coordinates fall in constant padding is a fill. Rows are numbered over the
// output dims before the last padded axis (pad_rows_count of them; 1 when nothing is padded); a call writes
// rows [row_begin, row_end) only, so callers can split them over threads.
int64_t pad_rows_count(const PadParams& p);
void pad_rows(const PadParams& p, const void* in, void* out, int64_t row_begin, int64_t row_end);

}  // namespace vigil::kernels
