// What the LSTM, GRU and RNN bindings (engine/ops/lstm.cpp, gru.cpp, rnn.cpp) share: the checks of the
// inputs every ONNX recurrent layer has, the output shapes, optional inputs and outputs, sequence_lens
// widened to i64 for the reference kernels, and running a layer's directions on two threads.
// Internal linkage: included only by those files.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "engine/error.h"
#include "engine/op_def.h"
#include "engine/thread_pool.h"

namespace vigil::ops::recurrent {
namespace {

inline std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return s;
}

inline bool present(std::span<const TensorInfo> in, int i) {
  return static_cast<int>(in.size()) > i && in[static_cast<size_t>(i)].present();
}

inline void expect_shape(const Node& node, const TensorInfo& t, const Shape& want, const char* which) {
  if (!(t.shape == want)) fail_node(node, concat(which, " must have shape ", want.str(), ", got ", t.shape.str()));
}

// The ONNX recurrent layers' common inputs, in their order (LSTM adds initial_c and P after them).
enum SequenceInput { kSeqX, kSeqW, kSeqR, kSeqB, kSeqLens, kSeqInitialH };

struct SequenceDims {
  int64_t seq_length = 0, batch = 0, input_size = 0, hidden_size = 0;
};

// A state (initial_h, Y_h, LSTM's c): [dirs, batch, H], batch first [batch, dirs, H].
inline Shape state_shape(bool batch_first, int64_t dirs, const SequenceDims& d) {
  return batch_first ? Shape{d.batch, dirs, d.hidden_size} : Shape{dirs, d.batch, d.hidden_size};
}

// Y: [seq, dirs, batch, H], batch first [batch, seq, dirs, H].
inline Shape sequence_output_shape(bool batch_first, int64_t dirs, const SequenceDims& d) {
  return batch_first ? Shape{d.batch, d.seq_length, dirs, d.hidden_size}
                     : Shape{d.seq_length, dirs, d.batch, d.hidden_size};
}

// X [seq, batch, input] (batch first [batch, seq, input]); the hidden size from R's last dim, equal to the
// hidden_size attribute when there is one; then W [dirs, gates*H, input] (unless the layer has no W: an
// LSTM whose input projection was hoisted), R [dirs, gates*H, H], B [dirs, 2*gates*H], sequence_lens
// [batch] of i32 or i64, initial_h (state_shape). Errors name the node and the input.
inline SequenceDims check_sequence_inputs(const Node& node, std::span<const TensorInfo> in, int64_t dirs, int64_t gates,
                                          bool batch_first, bool has_w) {
  expect_rank(node, in[kSeqX], 3, "X");
  if (has_w) expect_rank(node, in[kSeqW], 3, "W");
  expect_rank(node, in[kSeqR], 3, "R");
  const Shape& x = in[kSeqX].shape;
  SequenceDims d;
  d.seq_length = batch_first ? x[1] : x[0];
  d.batch = batch_first ? x[0] : x[1];
  d.input_size = x[2];
  d.hidden_size = in[kSeqR].shape[2];
  if (node.attrs.has("hidden_size")) {
    const int64_t h = node.attrs.get_int("hidden_size", 0, node.label());
    if (h != d.hidden_size) fail_node(node, concat("hidden_size is ", h, " but R has shape ", in[kSeqR].shape.str()));
  }
  const int64_t H = d.hidden_size;
  if (H <= 0) fail_node(node, concat("hidden_size must be > 0, R has shape ", in[kSeqR].shape.str()));
  if (has_w) expect_shape(node, in[kSeqW], Shape{dirs, gates * H, d.input_size}, "W");
  expect_shape(node, in[kSeqR], Shape{dirs, gates * H, H}, "R");
  if (present(in, kSeqB)) expect_shape(node, in[kSeqB], Shape{dirs, 2 * gates * H}, "B");
  if (present(in, kSeqLens)) {
    const TensorInfo& s = in[kSeqLens];
    if (s.dtype != DType::I32 && s.dtype != DType::I64)
      fail_node(node, concat("sequence_lens is ", dtype_name(s.dtype), ", expected i32 or i64"));
    expect_shape(node, s, Shape{d.batch}, "sequence_lens");
  }
  if (present(in, kSeqInitialH)) expect_shape(node, in[kSeqInitialH], state_shape(batch_first, dirs, d), "initial_h");
  return d;
}

// Input or output i's data, or null when the node has fewer or it is absent.
inline float* optional_f32(std::span<const TensorView> views, int i) {
  return static_cast<int>(views.size()) > i ? views[static_cast<size_t>(i)].f32() : nullptr;
}

// The buffers every kernel of a layer takes from the node: the input sequence, the optional initial state
// and the two optional outputs (weights and lengths are each kernel's own business).
template <class Buffers>
Buffers sequence_buffers(std::span<const TensorView> in, std::span<const TensorView> out) {
  Buffers buf;
  buf.x = optional_f32(in, kSeqX);
  buf.initial_h = optional_f32(in, kSeqInitialH);
  buf.y = optional_f32(out, 0);
  buf.y_h = optional_f32(out, 1);
  return buf;
}

// sequence_lens as the reference kernels take it (i64), from an i32 or i64 input; dtype Undefined when the
// node has none. The i32 case needs batch int64s of scratch (bytes()).
struct SequenceLens {
  DType dtype = DType::Undefined;
  int64_t batch = 0;
  size_t bytes() const { return dtype == DType::Undefined ? 0 : static_cast<size_t>(batch) * sizeof(int64_t); }
  const int64_t* read(const TensorView& lens, int64_t* scratch) const {
    if (dtype == DType::I64) return lens.i64();
    if (dtype != DType::I32) return nullptr;
    const auto* src = static_cast<const int32_t*>(lens.data);
    for (int64_t b = 0; b < batch; ++b) scratch[b] = src[b];
    return scratch;
  }
};

// run_direction(d) for every direction; a bidirectional layer's two directions on two threads when the
// pool has them (the recurrence is sequential in time, so the directions are the only split that costs
// nothing).
template <class RunDirection>
void run_directions(int64_t directions, const RunContext& rc, RunDirection&& run_direction) {
  if (directions > 1 && rc.pool->size() > 1) {
    rc.pool->parallel_for(directions, [&](int64_t b, int64_t e) {
      for (int64_t d = b; d < e; ++d) run_direction(d);
    });
  } else {
    for (int64_t d = 0; d < directions; ++d) run_direction(d);
  }
}

}  // namespace
}  // namespace vigil::ops::recurrent
