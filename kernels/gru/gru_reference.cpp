#include <algorithm>
#include <cmath>

#include "kernels/gru/gru.h"
#include "kernels/recurrent/sequence_rows.h"

namespace vigil::kernels {

namespace {

double sigmoid(double x) { return x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x)); }

// w[row] . v over n terms, in double.
template <class V>
double dot(const float* w, const V* v, int64_t n) {
  double sum = 0.0;
  for (int64_t k = 0; k < n; ++k) sum += static_cast<double>(w[k]) * v[k];
  return sum;
}

}  // namespace

size_t gru_reference_workspace_bytes(const GruParams& p) {
  // h, z, r and the candidate n of the one batch entry being processed.
  return static_cast<size_t>(4 * p.hidden_size) * sizeof(double);
}

void gru_reference(const GruParams& p, const GruBuffers& buf, void* workspace) {
  const int64_t H = p.hidden_size, I = p.input_size;
  const recurrent::SequenceRows at = recurrent::sequence_rows(p);
  double* h = static_cast<double*>(workspace);
  double* z = h + H;
  double* r = z + H;
  double* n = r + H;
  auto clip = [&](double v) {
    return p.clip > 0 ? std::clamp(v, -static_cast<double>(p.clip), static_cast<double>(p.clip)) : v;
  };

  for (int d = 0; d < p.num_directions(); ++d) {
    const bool reverse = p.direction == GruDirection::Reverse || d == 1;
    const float* w = buf.w + d * 3 * H * I;   // rows: z [0,H), r [H,2H), h [2H,3H)
    const float* rw = buf.r + d * 3 * H * H;  // same row blocks
    const float* wb = buf.bias ? buf.bias + d * 6 * H : nullptr;
    const float* rb = buf.bias ? wb + 3 * H : nullptr;
    auto bias = [](const float* b, int64_t row) { return b ? static_cast<double>(b[row]) : 0.0; };

    for (int64_t b = 0; b < p.batch; ++b) {
      const int64_t len = buf.sequence_lens ? std::clamp<int64_t>(buf.sequence_lens[b], 0, p.seq_length) : p.seq_length;
      for (int64_t j = 0; j < H; ++j) h[j] = buf.initial_h ? buf.initial_h[at.state_row(d, b) * H + j] : 0.0;
      for (int64_t step = 0; step < len; ++step) {
        const int64_t t = reverse ? len - 1 - step : step;
        const float* xt = buf.x + at.x_row(t, b) * I;
        for (int64_t j = 0; j < H; ++j) {
          z[j] = sigmoid(clip(dot(w + j * I, xt, I) + dot(rw + j * H, h, H) + bias(wb, j) + bias(rb, j)));
          const int64_t rr = H + j;
          r[j] = sigmoid(clip(dot(w + rr * I, xt, I) + dot(rw + rr * H, h, H) + bias(wb, rr) + bias(rb, rr)));
        }
        for (int64_t j = 0; j < H; ++j) {
          const int64_t row = 2 * H + j;
          const double from_x = dot(w + row * I, xt, I) + bias(wb, row);
          double from_h;
          if (p.linear_before_reset) {
            from_h = r[j] * (dot(rw + row * H, h, H) + bias(rb, row));
          } else {
            from_h = bias(rb, row);
            for (int64_t k = 0; k < H; ++k) from_h += static_cast<double>(rw[row * H + k]) * (r[k] * h[k]);
          }
          n[j] = std::tanh(clip(from_x + from_h));
        }
        // n used the previous h everywhere above, so h can now be updated in place.
        for (int64_t j = 0; j < H; ++j) h[j] = (1.0 - z[j]) * n[j] + z[j] * h[j];
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
