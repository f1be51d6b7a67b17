// A faster plain RNN layer, tested against rnn_reference (kernels/rnn/rnn.h): every sequence full length
// (sequence_lens null or all == seq_length); layout 0 or 1, any direction, clip or not, any activation
// rnn_reference computes. Anything else: use rnn_reference (rnn_fast_supported says which).
//
//   at load:   rnn_fast_pack: per direction W^T [input][Np] and R^T [H][Np] (Np = H rounded up to 64),
//              column-block-major as kernels/recurrent_fast/packed_rows_product.h wants, and the summed
//              bias Wb + Rb [Np].
//   per call:  the input projections of all steps as one product X[seq*batch, input] x W^T (+ bias), then
//              per step pre = proj[t] + h_prev x R^T, clip, f; the products are lstm_fast's and gru_fast's
//              (packed_rows_product.h), the activations gemm_packed's vector ones (scalar path:
//              activate_reference).
// Float accumulation throughout (the reference accumulates in double). Tolerance: docs/OPERATORS.md (RNN).
#pragma once

#include <cstdint>

#include "kernels/kernel_isa.h"
#include "kernels/rnn/rnn.h"

namespace vigil::kernels {

bool rnn_fast_supported(const RnnParams& p, const RnnBuffers& buf);

// Floats of the packed weights of all directions; w and r are read, bias may be null.
int64_t rnn_fast_packed_floats(const RnnParams& p);
void rnn_fast_pack(const RnnParams& p, const float* w, const float* r, const float* bias, float* packed);

// Scratch bytes for one call (any alignment).
int64_t rnn_fast_workspace_bytes(const RnnParams& p);

// Same outputs as rnn_reference (y, y_h; either may be null). buf.w/r/bias are not read: `packed` is.
// Allocates nothing, throws nothing. Calling a path the CPU lacks is undefined.
void rnn_fast(KernelIsa isa, const RnnParams& p, const RnnBuffers& buf, const float* packed, void* workspace);

// Only directions [d_begin, d_end), with the same results for them as rnn_fast: a bidirectional layer can
// run its two directions on two threads, each with its own workspace of rnn_fast_workspace_bytes.
void rnn_fast_directions(KernelIsa isa, const RnnParams& p, const RnnBuffers& buf, const float* packed, void* workspace,
                         int64_t d_begin, int64_t d_end);

void rnn_fast_scalar(const RnnParams& p, const RnnBuffers& buf, const float* packed, void* workspace, int64_t d_begin,
                     int64_t d_end);
void rnn_fast_avx2(const RnnParams& p, const RnnBuffers& buf, const float* packed, void* workspace, int64_t d_begin,
                   int64_t d_end);
void rnn_fast_avx512(const RnnParams& p, const RnnBuffers& buf, const float* packed, void* workspace, int64_t d_begin,
                     int64_t d_end);

}  // namespace vigil::kernels
