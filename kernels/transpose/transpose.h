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

}  // namespace vigil::kernels
