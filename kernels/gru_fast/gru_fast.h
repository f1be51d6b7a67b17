// A faster GRU layer for the common ONNX subset, tested against gru_reference (kernels/gru/gru.h): every
// sequence full length (sequence_lens null or all == seq_length); layout 0 or 1, any direction, clip or not,
// linear_before_reset 0 or 1. Anything else: use gru_reference (gru_fast_supported says which).
//
//   at load:   gru_fast_pack: per direction W^T [input][Np] with the z and r columns first (padded to
//              Nzr = 2H rounded up to 64) and then the candidate's (padded to Nh = H rounded up to 64),
//              Np = Nzr + Nh; Rzr^T [H][Nzr] and Rh^T [H][Nh] apart, because with linear_before_reset = 0
//              the candidate's recurrent product needs r first; the biases that can be summed ahead
//              (z, r: Wb + Rb; candidate: Wbh, + Rbh unless linear_before_reset) [Np]; Rbh [Nh].
//   per call:  the input projections of all steps as one product X[seq*batch, input] x W^T (+ biases),
//              then per step zr = proj[t] + h_prev x Rzr^T, sigmoid; the candidate's h x Rh^T (+ Rbh, times
//              r: linear_before_reset) or (r . h_prev) x Rh^T, tanh; h = (1 - z) n + z h_prev. The products
//              are lstm_fast's (kernels/recurrent_fast/packed_rows_product.h), the activations
//              gemm_packed's vector ones (scalar path: activate_reference).
// Float accumulation throughout (the reference accumulates in double). Tolerance: docs/OPERATORS.md (GRU).
#pragma once

#include <cstdint>

#include "kernels/gru/gru.h"
#include "kernels/kernel_isa.h"

namespace vigil::kernels {

bool gru_fast_supported(const GruParams& p, const GruBuffers& buf);

// Floats of the packed weights of all directions; w and r are read, bias may be null.
int64_t gru_fast_packed_floats(const GruParams& p);
void gru_fast_pack(const GruParams& p, const float* w, const float* r, const float* bias, float* packed);

// Scratch bytes for one call (any alignment).
int64_t gru_fast_workspace_bytes(const GruParams& p);

// Same outputs as gru_reference (y, y_h; either may be null). buf.w/r/bias are not read: `packed` is.
// Allocates nothing, throws nothing. Calling a path the CPU lacks is undefined.
void gru_fast(KernelIsa isa, const GruParams& p, const GruBuffers& buf, const float* packed, void* workspace);

// Only directions [d_begin, d_end) (0 forward, 1 backward of a bidirectional layer), with the same
// results for them as gru_fast. The directions share nothing, so a bidirectional layer can run its two
// directions at once on two threads, each with its own workspace of gru_fast_workspace_bytes.
void gru_fast_directions(KernelIsa isa, const GruParams& p, const GruBuffers& buf, const float* packed, void* workspace,
                         int64_t d_begin, int64_t d_end);

void gru_fast_scalar(const GruParams& p, const GruBuffers& buf, const float* packed, void* workspace, int64_t d_begin,
                     int64_t d_end);
void gru_fast_avx2(const GruParams& p, const GruBuffers& buf, const float* packed, void* workspace, int64_t d_begin,
                   int64_t d_end);
void gru_fast_avx512(const GruParams& p, const GruBuffers& buf, const float* packed, void* workspace, int64_t d_begin,
                     int64_t d_end);

}  // namespace vigil::kernels
