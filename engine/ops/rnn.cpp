// RNN: one plain ONNX RNN layer (see kernels/rnn/rnn.h for the equation). Inputs X, W, R and the optional B,
// sequence_lens (i32 or i64), initial_h; outputs Y, Y_h, either of which may be absent. Attributes, as ONNX
// spells them: hidden_size, direction (forward|reverse|bidirectional), layout (0|1), clip, activations (one
// per direction, case-insensitive: Tanh (default), Relu, Sigmoid, LeakyRelu, HardSigmoid), activation_alpha
// and activation_beta (consumed in order by the activations that take them, as onnxruntime does; defaults
// LeakyRelu alpha 0.01, HardSigmoid alpha 0.2 beta 0.5).
#include "kernels/rnn/rnn.h"

#include <cstring>

#include "engine/error.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/recurrent_binding.h"
#include "engine/thread_pool.h"
#include "kernels/rnn_fast/rnn_fast.h"

namespace vigil::ops {

namespace {

using recurrent::lower;
using recurrent::optional_f32;
using recurrent::present;

using kernels::Activation;
using kernels::ActivationParams;
using kernels::RnnDirection;
using kernels::RnnParams;

enum RnnInput { kX, kW, kR, kB, kSeqLens, kInitialH };

// The activation of each direction from the ONNX attributes.
void plan_activations(const Node& node, RnnParams& p) {
  const std::string who = node.label();
  const int dirs = p.num_directions();
  std::vector<std::string> names = node.attrs.get_strings("activations", who);
  const std::vector<float> alphas = node.attrs.get_floats("activation_alpha", {}, who);
  const std::vector<float> betas = node.attrs.get_floats("activation_beta", {}, who);
  if (names.empty()) names.assign(static_cast<size_t>(dirs), "Tanh");
  if (static_cast<int>(names.size()) != dirs)
    fail_node(node, concat("activations must list ", dirs, " function", dirs == 1 ? "" : "s",
                           " (one per direction), got ", names.size()));
  size_t next_alpha = 0, next_beta = 0;
  for (int d = 0; d < dirs; ++d) {
    const std::string name = lower(names[static_cast<size_t>(d)]);
    ActivationParams& a = p.activation[d];
    a = {};
    if (name == "tanh") {
      a.kind = Activation::Tanh;
    } else if (name == "relu") {
      a.kind = Activation::Relu;
    } else if (name == "sigmoid") {
      a.kind = Activation::Sigmoid;
    } else if (name == "leakyrelu") {
      a.kind = Activation::LeakyRelu;
      a.alpha = next_alpha < alphas.size() ? alphas[next_alpha++] : 0.01f;
    } else if (name == "hardsigmoid") {
      a.kind = Activation::HardSigmoid;
      a.alpha = next_alpha < alphas.size() ? alphas[next_alpha++] : 0.2f;
      a.beta = next_beta < betas.size() ? betas[next_beta++] : 0.5f;
    } else {
      fail_node(node, concat("unsupported activation '", names[static_cast<size_t>(d)], "' at position ", d,
                             ": vigil's RNN computes Tanh, Relu, Sigmoid, LeakyRelu and HardSigmoid"));
    }
  }
  if (next_alpha != alphas.size())
    fail_node(node, concat("activation_alpha lists ", alphas.size(), " values but the activations take ", next_alpha));
  if (next_beta != betas.size())
    fail_node(node, concat("activation_beta lists ", betas.size(), " values but the activations take ", next_beta));
}

// Checks attributes and every input shape; returns the kernel parameters.
RnnParams plan_rnn(const Node& node, std::span<const TensorInfo> in) {
  const std::string who = node.label();
  const Attributes& a = node.attrs;
  RnnParams p;

  const std::string direction = a.get_string("direction", "forward", who);
  if (direction == "forward")
    p.direction = RnnDirection::Forward;
  else if (direction == "reverse")
    p.direction = RnnDirection::Reverse;
  else if (direction == "bidirectional")
    p.direction = RnnDirection::Bidirectional;
  else
    fail_node(node, concat("direction must be forward, reverse or bidirectional, got '", direction, "'"));
  const int64_t dirs = p.num_directions();

  p.batch_first = flag_attr(node, "layout", 0);

  if (a.has("clip")) {
    p.clip = a.get_float("clip", 0.0f, who);
    if (!(p.clip > 0.0f)) fail_node(node, concat("clip must be > 0, got ", p.clip));
  }
  plan_activations(node, p);

  for (int i = 0; i < static_cast<int>(in.size()); ++i)
    if (i != kSeqLens && in[static_cast<size_t>(i)].present() && in[static_cast<size_t>(i)].dtype != DType::F32)
      fail_node(node, concat("input ", i, " is ", dtype_name(in[static_cast<size_t>(i)].dtype), ", expected f32"));
  if (!present(in, kX) || !present(in, kW) || !present(in, kR)) fail_node(node, "X, W and R are required");

  const recurrent::SequenceDims d = recurrent::check_sequence_inputs(node, in, dirs, 1, p.batch_first, true);
  p.seq_length = d.seq_length;
  p.batch = d.batch;
  p.input_size = d.input_size;
  p.hidden_size = d.hidden_size;
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  const RnnParams p = plan_rnn(node, in);
  const recurrent::SequenceDims d{p.seq_length, p.batch, p.input_size, p.hidden_size};
  out[0] = {DType::F32, recurrent::sequence_output_shape(p.batch_first, p.num_directions(), d)};
  if (out.size() > 1) out[1] = {DType::F32, recurrent::state_shape(p.batch_first, p.num_directions(), d)};
}

class RnnKernel final : public OpKernel {
 public:
  RnnKernel(const RnnParams& p, DType seq_lens_dtype) : p_(p), lens_{seq_lens_dtype, p.batch} {}

  // The kernel's scratch, preceded by room for sequence_lens widened to i64.
  size_t workspace_bytes() const override { return lens_.bytes() + kernels::rnn_reference_workspace_bytes(p_); }

  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    void* workspace = rc.workspace;
    kernels::RnnBuffers buf = recurrent::sequence_buffers<kernels::RnnBuffers>(in, out);
    buf.w = optional_f32(in, kW);
    buf.r = optional_f32(in, kR);
    buf.bias = optional_f32(in, kB);
    if (lens_.dtype != DType::Undefined) buf.sequence_lens = lens_.read(in[kSeqLens], static_cast<int64_t*>(workspace));
    kernels::rnn_reference(p_, buf, static_cast<std::byte*>(workspace) + lens_.bytes());
  }

 private:
  RnnParams p_;
  recurrent::SequenceLens lens_;  // dtype Undefined when sequence_lens is absent
};

// Constant weights and no sequence_lens on an optimised path: kernels/rnn_fast, weights packed once at load.
class RnnFastKernel final : public OpKernel {
 public:
  RnnFastKernel(const RnnParams& p, kernels::KernelIsa isa, const float* w, const float* r, const float* bias)
      : p_(p), isa_(isa) {
    packed_ = allocate_aligned(static_cast<size_t>(kernels::rnn_fast_packed_floats(p)) * sizeof(float));
    kernels::rnn_fast_pack(p, w, r, bias, reinterpret_cast<float*>(packed_.get()));
  }
  // One workspace per direction: a bidirectional layer runs its directions on two threads when it has them.
  size_t workspace_bytes() const override {
    return direction_workspace_bytes() * static_cast<size_t>(p_.num_directions());
  }

  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const kernels::RnnBuffers buf =
        recurrent::sequence_buffers<kernels::RnnBuffers>(in, out);  // rnn_fast reads its packed weights
    const auto* packed = reinterpret_cast<const float*>(packed_.get());
    recurrent::run_directions(p_.num_directions(), rc, [&](int64_t d) {
      kernels::rnn_fast_directions(
          isa_, p_, buf, packed,
          static_cast<std::byte*>(rc.workspace) + static_cast<size_t>(d) * direction_workspace_bytes(), d, d + 1);
    });
  }

 private:
  size_t direction_workspace_bytes() const {
    return (static_cast<size_t>(kernels::rnn_fast_workspace_bytes(p_)) + 63) / 64 * 64;
  }

  RnnParams p_;
  kernels::KernelIsa isa_;
  AlignedBytes packed_;
};

std::unique_ptr<OpKernel> make_rnn_fast(const BindContext& ctx, const RnnParams& p) {
  const auto isa = kernel_isa(ctx.path);
  if (!isa || present(ctx.inputs, kSeqLens)) return nullptr;
  if (!ctx.constants[kW] || !ctx.constants[kR] || (present(ctx.inputs, kB) && !ctx.constants[kB])) return nullptr;
  kernels::RnnBuffers buf;
  buf.w = ctx.constants[kW]->f32();
  buf.r = ctx.constants[kR]->f32();
  buf.bias = present(ctx.inputs, kB) ? ctx.constants[kB]->f32() : nullptr;
  if (!kernels::rnn_fast_supported(p, buf)) return nullptr;
  return std::make_unique<RnnFastKernel>(p, *isa, buf.w, buf.r, buf.bias);
}

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const RnnParams p = plan_rnn(ctx.node, ctx.inputs);
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
  if (auto fast = make_rnn_fast(ctx, p)) return fast;
  return std::make_unique<RnnKernel>(p, lens_dtype);
}

double flops(const Node& node, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  const RnnParams p = plan_rnn(node, in);
  // Per step, direction and batch entry: the H x (input + H) product dominates.
  const double per_step = 2.0 * static_cast<double>(p.hidden_size) * static_cast<double>(p.input_size + p.hidden_size);
  return per_step * static_cast<double>(p.seq_length) * static_cast<double>(p.batch) * p.num_directions();
}

}  // namespace

const OpDef kRnnOp{OpType::Rnn, infer, bind, flops};

}  // namespace vigil::ops
