#include <algorithm>
#include <cmath>

#include "kernels/recurrent/sequence_rows.h"
#include "kernels/rnn/rnn.h"

namespace vigil::kernels {

namespace {

// The activation in double (activate_reference rounds to float; the state must not be rounded per step).
double activate(const ActivationParams& a, double x) {
  switch (a.kind) {
    case Activation::Relu:
      return x > 0.0 ? x : 0.0;
    case Activation::Sigmoid:
      return x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x));
    case Activation::LeakyRelu:
      return x >= 0.0 ? x : static_cast<double>(a.alpha) * x;
    case Activation::HardSigmoid:
      return std::clamp(static_cast<double>(a.alpha) * x + static_cast<double>(a.beta), 0.0, 1.0);
    case Activation::Tanh:
    default:  // rnn_activation_supported keeps every other kind out
      return std::tanh(x);
  }
}

}  // namespace

bool rnn_activation_supported(Activation a) {
  return a == Activation::Tanh || a == Activation::Relu || a == Activation::Sigmoid || a == Activation::LeakyRelu ||
         a == Activation::HardSigmoid;
}

size_t rnn_reference_workspace_bytes(const RnnParams& p) {
  // The state and the next state of the one batch entry being processed.
  return static_cast<size_t>(2 * p.hidden_size) * sizeof(double);
}

void rnn_reference(const RnnParams& p, const RnnBuffers& buf, void* workspace) {
  const int64_t H = p.hidden_size, I = p.input_size;
  const recurrent::SequenceRows at = recurrent::sequence_rows(p);
  double* h = static_cast<double*>(workspace);
  double* next = h + H;
  for (int d = 0; d < p.num_directions(); ++d) {
    const bool reverse = p.direction == RnnDirection::Reverse || d == 1;
    const ActivationParams& f = p.activation[d];
    const float* w = buf.w + d * H * I;
    const float* rw = buf.r + d * H * H;
    const float* wb = buf.bias ? buf.bias + d * 2 * H : nullptr;
    const float* rb = buf.bias ? wb + H : nullptr;
    for (int64_t b = 0; b < p.batch; ++b) {
      const int64_t len = buf.sequence_lens ? std::clamp<int64_t>(buf.sequence_lens[b], 0, p.seq_length) : p.seq_length;
      for (int64_t j = 0; j < H; ++j) h[j] = buf.initial_h ? buf.initial_h[at.state_row(d, b) * H + j] : 0.0;
      for (int64_t step = 0; step < len; ++step) {
        const int64_t t = reverse ? len - 1 - step : step;
        const float* xt = buf.x + at.x_row(t, b) * I;
        for (int64_t j = 0; j < H; ++j) {
          double pre = wb ? static_cast<double>(wb[j]) + static_cast<double>(rb[j]) : 0.0;
          for (int64_t k = 0; k < I; ++k) pre += static_cast<double>(w[j * I + k]) * xt[k];
          for (int64_t k = 0; k < H; ++k) pre += static_cast<double>(rw[j * H + k]) * h[k];
          if (p.clip > 0) pre = std::clamp(pre, -static_cast<double>(p.clip), static_cast<double>(p.clip));
          next[j] = activate(f, pre);
        }
        std::copy(next, next + H, h);
        if (buf.y)
          for (int64_t j = 0; j < H; ++j) buf.y[at.y_row(t, d, b) * H + j] = static_cast<float>(h[j]);
      }
      if (buf.y)
        for (int64_t t = len; t < p.seq_length; ++t)
          for (int64_t j = 0; j < H; ++j) buf.y[at.y_row(t, d, b) * H + j] = 0.0f;
      if (buf.y_h)
        for (int64_t j = 0; j < H; ++j) buf.y_h[at.state_row(d, b) * H + j] = static_cast<float>(h[j]);
    }
  }
}

}  // namespace vigil::kernels
