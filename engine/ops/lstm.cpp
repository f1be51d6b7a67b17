// LSTM: one ONNX LSTM layer (see kernels/lstm/lstm.h for the equations). Inputs X, W, R and the optional
// B, sequence_lens (i32 or i64), initial_h, initial_c, P; outputs Y, Y_h, Y_c, any of which may be absent.
// Attributes: hidden_size, direction (forward|reverse|bidirectional), layout (0|1), clip, input_forget,
// activations (only the defaults Sigmoid, Tanh, Tanh are supported), and vigil's input_projected (0|1: X
// already holds W x + Wb + Rb, [seq, batch, D*4H]; W and B absent; see kernels/lstm/lstm.h).
#include "kernels/lstm/lstm.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include "engine/error.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/recurrent_binding.h"
#include "engine/thread_pool.h"
#include "kernels/lstm_fast/lstm_fast.h"

namespace vigil::ops {

namespace {

using recurrent::expect_shape;
using recurrent::lower;
using recurrent::optional_f32;
using recurrent::present;

using kernels::LstmDirection;
using kernels::LstmParams;

enum LstmInput { kX, kW, kR, kB, kSeqLens, kInitialH, kInitialC, kP };

// Checks attributes and every input shape; returns the kernel parameters.
LstmParams plan_lstm(const Node& node, std::span<const TensorInfo> in) {
  const std::string who = node.label();
  const Attributes& a = node.attrs;
  LstmParams p;

  const std::string direction = a.get_string("direction", "forward", who);
  if (direction == "forward")
    p.direction = LstmDirection::Forward;
  else if (direction == "reverse")
    p.direction = LstmDirection::Reverse;
  else if (direction == "bidirectional")
    p.direction = LstmDirection::Bidirectional;
  else
    fail_node(node, concat("direction must be forward, reverse or bidirectional, got '", direction, "'"));
  const int64_t dirs = p.num_directions();

  p.batch_first = flag_attr(node, "layout", 0);

  p.input_forget = flag_attr(node, "input_forget", 0);

  if (a.has("clip")) {
    p.clip = a.get_float("clip", 0.0f, who);
    if (!(p.clip > 0.0f)) fail_node(node, concat("clip must be > 0, got ", p.clip));
  }

  // Sigmoid/Tanh/Tanh per direction is all the kernel computes; anything else must not run silently.
  const std::vector<std::string> activations = a.get_strings("activations", who);
  if (!activations.empty()) {
    if (static_cast<int64_t>(activations.size()) != 3 * dirs)
      fail_node(node, concat("activations must list ", 3 * dirs, " functions, got ", activations.size()));
    static const char* const kDefault[3] = {"sigmoid", "tanh", "tanh"};
    for (size_t i = 0; i < activations.size(); ++i)
      if (lower(activations[i]) != kDefault[i % 3])
        fail_node(node, concat("unsupported activation '", activations[i], "' at position ", i,
                               ": only the default activations Sigmoid, Tanh, Tanh are supported"));
  }

  for (int i = 0; i < static_cast<int>(in.size()); ++i)
    if (i != kSeqLens && in[static_cast<size_t>(i)].present() && in[static_cast<size_t>(i)].dtype != DType::F32)
      fail_node(node, concat("input ", i, " is ", dtype_name(in[static_cast<size_t>(i)].dtype), ", expected f32"));

  p.input_projected = flag_attr(node, "input_projected", 0);
  if (p.input_projected && (present(in, kW) || present(in, kB)))
    fail_node(node, "with input_projected = 1, X holds W x + Wb + Rb: W and B must be absent");
  if (!p.input_projected && !present(in, kW)) fail_node(node, "W is required (absent only with input_projected = 1)");

  const recurrent::SequenceDims d =
      recurrent::check_sequence_inputs(node, in, dirs, 4, p.batch_first, !p.input_projected);
  p.seq_length = d.seq_length;
  p.batch = d.batch;
  p.input_size = d.input_size;
  p.hidden_size = d.hidden_size;
  const int64_t H = p.hidden_size;
  if (p.input_projected && p.input_size != dirs * 4 * H)
    fail_node(node, concat("with input_projected = 1, X's last dim must be directions * 4 * hidden_size = ",
                           dirs * 4 * H, ", got ", p.input_size));
  const Shape state = recurrent::state_shape(p.batch_first, dirs, d);
  if (present(in, kInitialC)) expect_shape(node, in[kInitialC], state, "initial_c");
  if (present(in, kP)) expect_shape(node, in[kP], Shape{dirs, 3 * H}, "P");
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  const LstmParams p = plan_lstm(node, in);
  const recurrent::SequenceDims d{p.seq_length, p.batch, p.input_size, p.hidden_size};
  const Shape state = recurrent::state_shape(p.batch_first, p.num_directions(), d);
  out[0] = {DType::F32, recurrent::sequence_output_shape(p.batch_first, p.num_directions(), d)};
  if (out.size() > 1) out[1] = {DType::F32, state};
  if (out.size() > 2) out[2] = {DType::F32, state};
}

// The buffers both kernels take from the node: the common sequence buffers plus the cell state's (weights,
// peepholes and lengths are each kernel's own business).
kernels::LstmBuffers lstm_buffers(std::span<const TensorView> in, std::span<const TensorView> out) {
  auto buf = recurrent::sequence_buffers<kernels::LstmBuffers>(in, out);
  buf.initial_c = optional_f32(in, kInitialC);
  buf.y_c = optional_f32(out, 2);
  return buf;
}

class LstmKernel final : public OpKernel {
 public:
  LstmKernel(const LstmParams& p, DType seq_lens_dtype) : p_(p), lens_{seq_lens_dtype, p.batch} {}

  // The kernel's scratch, preceded by room for sequence_lens widened to i64.
  size_t workspace_bytes() const override { return lens_.bytes() + kernels::lstm_reference_workspace_bytes(p_); }

  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    void* workspace = rc.workspace;
    kernels::LstmBuffers buf = lstm_buffers(in, out);
    buf.w = optional_f32(in, kW);
    buf.r = optional_f32(in, kR);
    buf.bias = optional_f32(in, kB);
    buf.peepholes = optional_f32(in, kP);
    if (lens_.dtype != DType::Undefined) buf.sequence_lens = lens_.read(in[kSeqLens], static_cast<int64_t*>(workspace));
    kernels::lstm_reference(p_, buf, static_cast<std::byte*>(workspace) + lens_.bytes());
  }

 private:
  LstmParams p_;
  recurrent::SequenceLens lens_;  // dtype Undefined when sequence_lens is absent
};

// The common subset (constant weights, no peepholes, no clip, no input_forget, layout 0, no
// sequence_lens) on an optimised path: kernels/lstm_fast, weights packed once at load.
class LstmFastKernel final : public OpKernel {
 public:
  LstmFastKernel(const LstmParams& p, kernels::KernelIsa isa, const float* w, const float* r, const float* bias)
      : p_(p), isa_(isa) {
    packed_ = allocate_aligned(static_cast<size_t>(kernels::lstm_fast_packed_floats(p)) * sizeof(float));
    kernels::lstm_fast_pack(p, w, r, bias, reinterpret_cast<float*>(packed_.get()));
  }
  // One workspace per direction: a bidirectional layer runs its directions on two threads when it has them.
  size_t workspace_bytes() const override {
    return direction_workspace_bytes() * static_cast<size_t>(p_.num_directions());
  }

  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const kernels::LstmBuffers buf = lstm_buffers(in, out);  // lstm_fast reads its packed weights
    const auto* packed = reinterpret_cast<const float*>(packed_.get());
    const int64_t directions = p_.num_directions();
    recurrent::run_directions(directions, rc, [&](int64_t d) {
      kernels::lstm_fast_directions(
          isa_, p_, buf, packed,
          static_cast<std::byte*>(rc.workspace) + static_cast<size_t>(d) * direction_workspace_bytes(), d, d + 1);
    });
  }

 private:
  size_t direction_workspace_bytes() const {
    return (static_cast<size_t>(kernels::lstm_fast_workspace_bytes(p_)) + 63) / 64 * 64;
  }

  LstmParams p_;
  kernels::KernelIsa isa_;
  AlignedBytes packed_;
};

std::unique_ptr<OpKernel> make_lstm_fast(const BindContext& ctx, const LstmParams& p) {
  const auto isa = kernel_isa(ctx.path);
  if (!isa || present(ctx.inputs, kSeqLens) || present(ctx.inputs, kP)) return nullptr;
  if ((!p.input_projected && !ctx.constants[kW]) || !ctx.constants[kR] ||
      (present(ctx.inputs, kB) && !ctx.constants[kB]))
    return nullptr;
  kernels::LstmBuffers buf;
  buf.w = p.input_projected ? nullptr : ctx.constants[kW]->f32();
  buf.r = ctx.constants[kR]->f32();
  buf.bias = present(ctx.inputs, kB) ? ctx.constants[kB]->f32() : nullptr;
  if (!kernels::lstm_fast_supported(p, buf)) return nullptr;
  return std::make_unique<LstmFastKernel>(p, *isa, buf.w, buf.r, buf.bias);
}

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const LstmParams p = plan_lstm(ctx.node, ctx.inputs);
  DType lens_dtype = DType::Undefined;
  if (present(ctx.inputs, kSeqLens)) {
    lens_dtype = ctx.inputs[kSeqLens].dtype;
    // Constant lengths are checked now; lengths fed at run time are clamped to [0, seq_length] by the kernel.
    if (const Tensor* lens = ctx.constants[kSeqLens]) {
      for (int64_t b = 0; b < p.batch; ++b) {
        const int64_t v = lens_dtype == DType::I32 ? static_cast<const int32_t*>(lens->data())[b] : lens->i64()[b];
        if (v < 0 || v > p.seq_length)
          fail_node(ctx.node, concat("sequence_lens[", b, "] = ", v, " is outside 0..", p.seq_length));
      }
    }
  }
  if (auto fast = make_lstm_fast(ctx, p)) return fast;
  return std::make_unique<LstmKernel>(p, lens_dtype);
}

double flops(const Node& node, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  const LstmParams p = plan_lstm(node, in);
  // Per step, direction and batch entry: the 4H x (input + H) gate products dominate (4H x H when the
  // input projection was computed outside).
  const double inputs = p.input_projected ? 0.0 : static_cast<double>(p.input_size);
  const double per_step =
      2.0 * 4.0 * static_cast<double>(p.hidden_size) * (inputs + static_cast<double>(p.hidden_size));
  return per_step * static_cast<double>(p.seq_length) * static_cast<double>(p.batch) * p.num_directions();
}

}  // namespace

const OpDef kLstmOp{OpType::Lstm, infer, bind, flops};

}  // namespace vigil::ops
