// A faster LSTM layer for the common ONNX subset, tested against lstm_reference (kernels/lstm/lstm.h):
// layout 0, no peepholes, no clip, no input_forget, every sequence full length (sequence_lens null or all
// == seq_length); any direction. Anything else: use lstm_reference (lstm_fast_supported says which).
//
//   at load:   lstm_fast_pack: per direction W^T [input][Np], R^T [H][Np] and Wb + Rb [Np], Np = 4H
//              rounded up to 64 (gate columns i, o, f, c as in ONNX, zero padding)
//   per call:  the input projections of all steps as one product X[seq*batch, input] x W^T (+ biases),
//              then per step gates += h_prev x R^T (vectorised over the 4H gate columns, accumulators in
//              registers), sigmoid/tanh over the gate rows (h9's vector activations: ulp-bounded, see
//              docs/KERNELS.md; the scalar path uses activate_reference), c = f*c + i*g, h = o*tanh(c).
// Float accumulation throughout (the reference accumulates in double). Tolerance: docs/KERNELS.md.
#pragma once

#include <cstdint>

#include "kernels/kernel_isa.h"
#include "kernels/lstm/lstm.h"

namespace vigil::kernels {

bool lstm_fast_supported(const LstmParams& p, const LstmBuffers& buf);

// Floats of the packed weights of all directions; w, r and bias (may be null) are read (w and bias not
// when p.input_projected: they may be null then).
int64_t lstm_fast_packed_floats(const LstmParams& p);
void lstm_fast_pack(const LstmParams& p, const float* w, const float* r, const float* bias, float* packed);

// Scratch bytes for one call (any alignment).
int64_t lstm_fast_workspace_bytes(const LstmParams& p);

// Same outputs as lstm_reference (y, y_h, y_c; any may be null). buf.w/r/bias are not read: `packed` is.
// Allocates nothing, throws nothing. Calling a path the CPU lacks is undefined.
void lstm_fast(KernelIsa isa, const LstmParams& p, const LstmBuffers& buf, const float* packed, void* workspace);

// Only directions [d_begin, d_end) (0 forward, 1 backward of a bidirectional layer), with the same
// results for them as lstm_fast. The directions share nothing, so a bidirectional layer can run its two
// directions at once on two threads, each with its own workspace of lstm_fast_workspace_bytes.
void lstm_fast_directions(KernelIsa isa, const LstmParams& p, const LstmBuffers& buf, const float* packed,
                          void* workspace, int64_t d_begin, int64_t d_end);

void lstm_fast_scalar(const LstmParams& p, const LstmBuffers& buf, const float* packed, void* workspace,
                      int64_t d_begin, int64_t d_end);
void lstm_fast_avx2(const LstmParams& p, const LstmBuffers& buf, const float* packed, void* workspace,
                    int64_t d_begin, int64_t d_end);
void lstm_fast_avx512(const LstmParams& p, const LstmBuffers& buf, const float* packed, void* workspace,
                      int64_t d_begin, int64_t d_end);

}  // namespace vigil::kernels
