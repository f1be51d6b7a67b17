// Where ONNX's recurrent layers (LSTM, GRU, RNN) keep each step, batch entry and direction, in rows of
// input_size or hidden_size values. layout 0: X [T,B,I], Y [T,D,B,H], states [D,B,H]; layout 1 (batch
// first): X [B,T,I], Y [B,T,D,H], states [B,D,H]. Shared by lstm_reference, gru_reference, gru_fast,
// rnn_reference and rnn_fast.
// Internal linkage: gru_fast compiles this header with AVX2 / AVX-512 flags too (see
// kernels/gemm_packed/gemm_packed_driver.h for why).
#pragma once

#include <cstdint>

namespace vigil::kernels::recurrent {
namespace {

struct SequenceRows {
  int64_t seq_length, batch, directions;
  bool batch_first;

  int64_t x_row(int64_t t, int64_t b) const { return batch_first ? b * seq_length + t : t * batch + b; }
  int64_t x_row_stride() const { return batch_first ? seq_length : 1; }  // between batch entries of one step
  int64_t y_row(int64_t t, int64_t d, int64_t b) const {
    return batch_first ? (b * seq_length + t) * directions + d : (t * directions + d) * batch + b;
  }
  int64_t state_row(int64_t d, int64_t b) const { return batch_first ? b * directions + d : d * batch + b; }
};

// LstmParams, GruParams or RnnParams.
template <class Params>
SequenceRows sequence_rows(const Params& p) {
  return {p.seq_length, p.batch, p.num_directions(), p.batch_first};
}

}  // namespace
}  // namespace vigil::kernels::recurrent
