// One GRU layer over a whole sequence, with ONNX GRU semantics and the default activations
// (f = Sigmoid for the gates, g = Tanh for the candidate):
//   z = f(clip(Wz x + Rz h + Wbz + Rbz))
//   r = f(clip(Wr x + Rr h + Wbr + Rbr))
//   n = g(clip(Wh x + Rh (r . h) + Rbh + Wbh))      linear_before_reset = 0
//   n = g(clip(Wh x + r . (Rh h + Rbh) + Wbh))      linear_before_reset = 1 (what PyTorch's nn.GRU computes)
//   h = (1 - z) . n + z . h
// Gate blocks are stored in the order z, r, h (rows of W, R and B).
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil::kernels {

enum class GruDirection : uint8_t { Forward, Reverse, Bidirectional };

struct GruParams {
  int64_t seq_length = 1, batch = 1, input_size = 1, hidden_size = 1;
  GruDirection direction = GruDirection::Forward;
  bool batch_first = false;          // ONNX layout=1: X [batch,seq,input], Y [batch,seq,dirs,H], states [batch,dirs,H]
  float clip = 0.0f;                 // > 0: every gate pre-activation is clamped to [-clip, clip]; 0: no clipping
  bool linear_before_reset = false;  // the recurrent product of the candidate before the reset gate (see above)
  int num_directions() const { return direction == GruDirection::Bidirectional ? 2 : 1; }
};

// Buffers of one call. Shapes are given for layout 0 (see GruParams::batch_first for layout 1);
// D = num_directions, H = hidden_size. Optional inputs and outputs may be null.
struct GruBuffers {
  const float* x = nullptr;                // [seq, batch, input]
  const float* w = nullptr;                // [D, 3H, input]
  const float* r = nullptr;                // [D, 3H, H]
  const float* bias = nullptr;             // [D, 6H]: Wb (3H) then Rb (3H); null = zeros
  const int64_t* sequence_lens = nullptr;  // [batch]; null = all seq_length; values clamped to [0, seq_length]
  const float* initial_h = nullptr;        // [D, batch, H]; null = zeros
  float* y = nullptr;                      // [seq, D, batch, H]
  float* y_h = nullptr;                    // [D, batch, H]
};

// Scratch gru_reference needs (8-byte aligned).
size_t gru_reference_workspace_bytes(const GruParams& p);

// Runs the layer. Each batch entry b is processed for its own length L = sequence_lens[b]: the forward
// direction visits steps 0..L-1, the reverse one L-1..0; steps t >= L are zeros in y, and y_h holds the
// state after the last step processed (the initial state when L = 0). Math is in double, outputs rounded.
void gru_reference(const GruParams& p, const GruBuffers& buf, void* workspace);

}  // namespace vigil::kernels
