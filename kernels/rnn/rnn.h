// One plain RNN layer over a whole sequence, with ONNX RNN semantics:
//   h_t = f(clip(W x_t + R h_{t-1} + Wb + Rb))
// f is one activation per direction (ONNX default Tanh; Relu, Sigmoid, LeakyRelu and HardSigmoid are the
// others vigil computes, with their alpha / beta already resolved by the binding).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/activation/activation.h"

namespace vigil::kernels {

enum class RnnDirection : uint8_t { Forward, Reverse, Bidirectional };

struct RnnParams {
  int64_t seq_length = 1, batch = 1, input_size = 1, hidden_size = 1;
  RnnDirection direction = RnnDirection::Forward;
  bool batch_first = false;  // ONNX layout=1: X [batch,seq,input], Y [batch,seq,dirs,H], states [batch,dirs,H]
  float clip = 0.0f;         // > 0: every pre-activation is clamped to [-clip, clip]; 0: no clipping
  // f of direction d (forward = 0, the backward half of a bidirectional layer = 1).
  ActivationParams activation[2] = {{Activation::Tanh, 0.0f, 0.0f}, {Activation::Tanh, 0.0f, 0.0f}};
  int num_directions() const { return direction == RnnDirection::Bidirectional ? 2 : 1; }
};

// Whether the RNN kernels compute activation kind `a` (Tanh, Relu, Sigmoid, LeakyRelu, HardSigmoid).
bool rnn_activation_supported(Activation a);

// Buffers of one call. Shapes are given for layout 0 (see RnnParams::batch_first for layout 1);
// D = num_directions, H = hidden_size. Optional inputs and outputs may be null.
struct RnnBuffers {
  const float* x = nullptr;                // [seq, batch, input]
  const float* w = nullptr;                // [D, H, input]
  const float* r = nullptr;                // [D, H, H]
  const float* bias = nullptr;             // [D, 2H]: Wb (H) then Rb (H); null = zeros
  const int64_t* sequence_lens = nullptr;  // [batch]; null = all seq_length; values clamped to [0, seq_length]
  const float* initial_h = nullptr;        // [D, batch, H]; null = zeros
  float* y = nullptr;                      // [seq, D, batch, H]
  float* y_h = nullptr;                    // [D, batch, H]
};

// Scratch rnn_reference needs (8-byte aligned).
size_t rnn_reference_workspace_bytes(const RnnParams& p);

// Runs the layer. Each batch entry b is processed for its own length L = sequence_lens[b]: the forward
// direction visits steps 0..L-1, the reverse one L-1..0; steps t >= L are zeros in y, and y_h holds the
// state after the last step processed (the initial state when L = 0). Math is in double, outputs rounded.
void rnn_reference(const RnnParams& p, const RnnBuffers& buf, void* workspace);

}  // namespace vigil::kernels
