#include <algorithm>
#include <cmath>

#include "kernels/lstm/lstm.h"
#include "kernels/recurrent/sequence_rows.h"

namespace vigil::kernels {

namespace {

double sigmoid(double x) { return x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x)); }

}  // namespace

size_t lstm_reference_workspace_bytes(const LstmParams& p) {
  // h, c and the 4 gate pre-activations of the one batch entry being processed.
  return static_cast<size_t>(6 * p.hidden_size) * sizeof(double);
}

void lstm_reference(const LstmParams& p, const LstmBuffers& buf, void* workspace) {
  const int64_t H = p.hidden_size, I = p.input_size;
  const recurrent::SequenceRows at = recurrent::sequence_rows(p);
  double* h = static_cast<double*>(workspace);
  double* c = h + H;
  double* gates = c + H;  // [4H]: i, o, f, c blocks
  auto clip = [&](double v) {
    return p.clip > 0 ? std::clamp(v, -static_cast<double>(p.clip), static_cast<double>(p.clip)) : v;
  };

  for (int d = 0; d < p.num_directions(); ++d) {
    const bool reverse = p.direction == LstmDirection::Reverse || d == 1;
    const float* w = p.input_projected ? nullptr : buf.w + d * 4 * H * I;
    const float* r = buf.r + d * 4 * H * H;
    const float* wb = buf.bias && !p.input_projected ? buf.bias + d * 8 * H : nullptr;
    const float* rb = buf.bias ? wb + 4 * H : nullptr;
    const float* peep = buf.peepholes ? buf.peepholes + d * 3 * H : nullptr;

    for (int64_t b = 0; b < p.batch; ++b) {
      const int64_t len = buf.sequence_lens ? std::clamp<int64_t>(buf.sequence_lens[b], 0, p.seq_length) : p.seq_length;
      for (int64_t j = 0; j < H; ++j) {
        h[j] = buf.initial_h ? buf.initial_h[at.state_row(d, b) * H + j] : 0.0;
        c[j] = buf.initial_c ? buf.initial_c[at.state_row(d, b) * H + j] : 0.0;
      }
      for (int64_t step = 0; step < len; ++step) {
        const int64_t t = reverse ? len - 1 - step : step;
        const float* xt = buf.x + at.x_row(t, b) * I;
        for (int64_t row = 0; row < 4 * H; ++row) {
          double sum;
          if (p.input_projected) {
            sum = xt[d * 4 * H + row];
          } else {
            sum = wb ? static_cast<double>(wb[row]) + rb[row] : 0.0;
            for (int64_t k = 0; k < I; ++k) sum += static_cast<double>(w[row * I + k]) * xt[k];
          }
          for (int64_t k = 0; k < H; ++k) sum += static_cast<double>(r[row * H + k]) * h[k];
          gates[row] = sum;
        }
        // The gate sums above used the previous h, so h and c can now be updated in place.
        for (int64_t j = 0; j < H; ++j) {
          const double c_prev = c[j];
          const double pi = peep ? peep[j] : 0.0, po = peep ? peep[H + j] : 0.0, pf = peep ? peep[2 * H + j] : 0.0;
          const double in_gate = sigmoid(clip(gates[j] + pi * c_prev));
          const double forget = p.input_forget ? 1.0 - in_gate : sigmoid(clip(gates[2 * H + j] + pf * c_prev));
          const double cell_in = std::tanh(clip(gates[3 * H + j]));
          c[j] = forget * c_prev + in_gate * cell_in;
          const double out_gate = sigmoid(clip(gates[H + j] + po * c[j]));
          h[j] = out_gate * std::tanh(c[j]);
        }
        if (buf.y)
          for (int64_t j = 0; j < H; ++j) buf.y[at.y_row(t, d, b) * H + j] = static_cast<float>(h[j]);
      }
      if (buf.y)
        for (int64_t t = len; t < p.seq_length; ++t)
          for (int64_t j = 0; j < H; ++j) buf.y[at.y_row(t, d, b) * H + j] = 0.0f;
      for (int64_t j = 0; j < H; ++j) {
        if (buf.y_h) buf.y_h[at.state_row(d, b) * H + j] = static_cast<float>(h[j]);
        if (buf.y_c) buf.y_c[at.state_row(d, b) * H + j] = static_cast<float>(c[j]);
      }
    }
  }
}

}  // namespace vigil::kernels
