// Axis permutation: out has dims in_dims[perm[0]], in_dims[perm[1]], ..., and
// out[c0, c1, ...] = in[...] with input coordinate perm[d] equal to c_d. Element-type agnostic.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/kernel_isa.h"

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
// as transpose_reference, for work units [unit_begin, unit_end) of transpose_units(p), so threads can take
// unit ranges. When the output's last dim is not the input's (NCHW <-> NHWC), a unit is a block of 8
// values of the output dim that is the input's last dim, over the whole output's last dim, moved in 8x8
// tiles (on Avx2 and Avx512 an AVX2 register transpose): both sides read and write whole runs of 8.
// Otherwise a unit is an output row (the last output dim), copied as one run.
bool transpose_fast_supported(const TransposeParams& p);
int64_t transpose_units(const TransposeParams& p);
void transpose_fast(const TransposeParams& p, const void* in, void* out, int64_t unit_begin, int64_t unit_end,
                    KernelIsa isa);

// One 8x8 tile of floats: out[r * out_stride + c] = in[c * in_stride + r] (AVX2; only on CPUs with it).
void transpose_tile8x8_avx2(const float* in, int64_t in_stride, float* out, int64_t out_stride);

}  // namespace vigil::kernels
