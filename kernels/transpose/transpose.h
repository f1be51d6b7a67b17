// Axis permutation: out has dims in_dims[perm[0]], in_dims[perm[1]], ..., and
// out[c0, c1, ...] = in[...] with input coordinate perm[d] equal to c_d. Element-type agnostic.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil::kernels {

inline constexpr int kTransposeMaxRank = 6;

struct TransposeParams {
  int rank = 0;
  size_t elem_size = 4;
  int64_t in_dims[kTransposeMaxRank] = {};
  int perm[kTransposeMaxRank] = {};  // output dim d is input dim perm[d]
};

void transpose_reference(const TransposeParams& p, const void* in, void* out);

// The optimised paths, for 4- and 8-byte elements (transpose_fast_supported) and rank >= 1: the same bytes
// as transpose_reference, for output rows [row_begin, row_end) (a row is the last output dim;
// transpose_rows(p) in all), so threads can take row ranges.
bool transpose_fast_supported(const TransposeParams& p);
int64_t transpose_rows(const TransposeParams& p);
void transpose_fast(const TransposeParams& p, const void* in, void* out, int64_t row_begin, int64_t row_end);

}  // namespace vigil::kernels
