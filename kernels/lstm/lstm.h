// One LSTM layer over a whole sequence, with ONNX LSTM semantics and the default activations
// (f = Sigmoid for the gates, g = h = Tanh):
//   i = f(clip(Wi x + Ri h + Pi . c_prev + Wbi + Rbi))
//   f = f(clip(Wf x + Rf h + Pf . c_prev + Wbf + Rbf))      (f = 1 - i when input_forget)
//   g = g(clip(Wc x + Rc h + Wbc + Rbc))
//   c = f . c_prev + i . g
//   o = f(clip(Wo x + Ro h + Po . c + Wbo + Rbo))
//   h = o . h(c)
// Gate blocks are stored in the order i, o, f, c (rows of W, R and B); peepholes in the order i, o, f.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil::kernels {

enum class LstmDirection : uint8_t { Forward, Reverse, Bidirectional };

struct LstmParams {
  int64_t seq_length = 1, batch = 1, input_size = 1, hidden_size = 1;
  LstmDirection direction = LstmDirection::Forward;
  bool batch_first = false;   // ONNX layout=1: X [batch,seq,input], Y [batch,seq,dirs,H], states [batch,dirs,H]
  float clip = 0.0f;          // > 0: every gate pre-activation is clamped to [-clip, clip]; 0: no clipping
  bool input_forget = false;  // couple the gates: f = 1 - i
  // X already holds, per step, batch entry and direction, the input projection W x + Wb + Rb: X is
  // [seq, batch, D*4H] (input_size = D*4H; direction d's 4H gate values at offset d*4H, gate order i, o, f, c)
  // and w / bias are not read. Lets a caller compute each frame's projection once and reuse it in every
  // overlapping window (engine/passes/hoist_lstm_input_projection.h).
  bool input_projected = false;
  int num_directions() const { return direction == LstmDirection::Bidirectional ? 2 : 1; }
};

// Buffers of one call. Shapes are given for layout 0 (see LstmParams::batch_first for layout 1);
// D = num_directions, H = hidden_size. Optional inputs and outputs may be null.
struct LstmBuffers {
  const float* x = nullptr;                // [seq, batch, input] ([seq, batch, D*4H] when input_projected)
  const float* w = nullptr;                // [D, 4H, input]
  const float* r = nullptr;                // [D, 4H, H]
  const float* bias = nullptr;             // [D, 8H]: Wb (4H) then Rb (4H); null = zeros
  const int64_t* sequence_lens = nullptr;  // [batch]; null = all seq_length; values clamped to [0, seq_length]
  const float* initial_h = nullptr;        // [D, batch, H]; null = zeros
  const float* initial_c = nullptr;        // [D, batch, H]; null = zeros
  const float* peepholes = nullptr;        // [D, 3H] (i, o, f); null = zeros
  float* y = nullptr;                      // [seq, D, batch, H]
  float* y_h = nullptr;                    // [D, batch, H]
  float* y_c = nullptr;                    // [D, batch, H]
};

// Scratch lstm_reference needs (8-byte aligned).
size_t lstm_reference_workspace_bytes(const LstmParams& p);

// Runs the layer. Each batch entry b is processed for its own length L = sequence_lens[b]: the forward
// direction visits steps 0..L-1, the reverse one L-1..0; steps t >= L are zeros in y, and y_h / y_c hold the
// state after the last step processed (the initial state when L = 0). Math is in double, outputs rounded.
void lstm_reference(const LstmParams& p, const LstmBuffers& buf, void* workspace);

}  // namespace vigil::kernels
