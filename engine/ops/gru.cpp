// GRU: one ONNX GRU layer (see kernels/gru/gru.h for the equations). Inputs X, W, R and the optional B,
// sequence_lens (i32 or i64), initial_h; outputs Y, Y_h, either of which may be absent. Attributes:
// hidden_size, direction (forward|reverse|bidirectional), layout (0|1), clip, linear_before_reset (0|1),
// activations (only the defaults Sigmoid, Tanh are supported).
#include "kernels/gru/gru.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "engine/error.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/recurrent_binding.h"
#include "engine/thread_pool.h"
#include "kernels/gru_fast/gru_fast.h"

namespace vigil::ops {

namespace {

using recurrent::lower;
using recurrent::optional_f32;
using recurrent::present;

using kernels::GruDirection;
using kernels::GruParams;

enum GruInput { kX, kW, kR, kB, kSeqLens, kInitialH };

// Checks attributes and every input shape; returns the kernel parameters.
GruParams plan_gru(const Node& node, std::span<const TensorInfo> in) {
  const std::string who = node.label();
  const Attributes& a = node.attrs;
  GruParams p;

  const std::string direction = a.get_string("direction", "forward", who);
  if (direction == "forward")
    p.direction = GruDirection::Forward;
  else if (direction == "reverse")
    p.direction = GruDirection::Reverse;
  else if (direction == "bidirectional")
    p.direction = GruDirection::Bidirectional;
  else
    fail_node(node, concat("direction must be forward, reverse or bidirectional, got '", direction, "'"));
  const int64_t dirs = p.num_directions();

  p.batch_first = flag_attr(node, "layout", 0);

  p.linear_before_reset = flag_attr(node, "linear_before_reset", 0);

  if (a.has("clip")) {
    p.clip = a.get_float("clip", 0.0f, who);
    if (!(p.clip > 0.0f)) fail_node(node, concat("clip must be > 0, got ", p.clip));
  }

  // Sigmoid/Tanh per direction is all the kernels compute; anything else must not run silently.
  const std::vector<std::string> activations = a.get_strings("activations", who);
  if (!activations.empty()) {
    if (static_cast<int64_t>(activations.size()) != 2 * dirs)
      fail_node(node, concat("activations must list ", 2 * dirs, " functions, got ", activations.size()));
    static const char* const kDefault[2] = {"sigmoid", "tanh"};
    for (size_t i = 0; i < activations.size(); ++i)
      if (lower(activations[i]) != kDefault[i % 2])
        fail_node(node, concat("unsupported activation '", activations[i], "' at position ", i,
                               ": only the default activations Sigmoid, Tanh are supported"));
  }

  for (int i = 0; i < static_cast<int>(in.size()); ++i)
    if (i != kSeqLens && in[static_cast<size_t>(i)].present() && in[static_cast<size_t>(i)].dtype != DType::F32)
      fail_node(node, concat("input ", i, " is ", dtype_name(in[static_cast<size_t>(i)].dtype), ", expected f32"));
  if (!present(in, kX) || !present(in, kW) || !present(in, kR)) fail_node(node, "X, W and R are required");

  const recurrent::SequenceDims d = recurrent::check_sequence_inputs(node, in, dirs, 3, p.batch_first, true);
  p.seq_length = d.seq_length;
  p.batch = d.batch;
  p.input_size = d.input_size;
  p.hidden_size = d.hidden_size;
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  const GruParams p = plan_gru(node, in);
  const recurrent::SequenceDims d{p.seq_length, p.batch, p.input_size, p.hidden_size};
  out[0] = {DType::F32, recurrent::sequence_output_shape(p.batch_first, p.num_directions(), d)};
  if (out.size() > 1) out[1] = {DType::F32, recurrent::state_shape(p.batch_first, p.num_directions(), d)};
}

class GruKernel final : public OpKernel {
 public:
  GruKernel(const GruParams& p, DType seq_lens_dtype) : p_(p), lens_{seq_lens_dtype, p.batch} {}

  // The kernel's scratch, preceded by room for sequence_lens widened to i64.
  size_t workspace_bytes() const override { return lens_.bytes() + kernels::gru_reference_workspace_bytes(p_); }

  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    void* workspace = rc.workspace;
    kernels::GruBuffers buf = recurrent::sequence_buffers<kernels::GruBuffers>(in, out);
    buf.w = optional_f32(in, kW);
    buf.r = optional_f32(in, kR);
    buf.bias = optional_f32(in, kB);
    if (lens_.dtype != DType::Undefined) buf.sequence_lens = lens_.read(in[kSeqLens], static_cast<int64_t*>(workspace));
    kernels::gru_reference(p_, buf, static_cast<std::byte*>(workspace) + lens_.bytes());
  }

 private:
  GruParams p_;
  recurrent::SequenceLens lens_;  // dtype Undefined when sequence_lens is absent
};

// Constant weights and no sequence_lens on an optimised path: kernels/gru_fast, weights packed once at load.
class GruFastKernel final : public OpKernel {
 public:
  GruFastKernel(const GruParams& p, kernels::KernelIsa isa, const float* w, const float* r, const float* bias)
      : p_(p), isa_(isa) {
    packed_ = allocate_aligned(static_cast<size_t>(kernels::gru_fast_packed_floats(p)) * sizeof(float));
    kernels::gru_fast_pack(p, w, r, bias, reinterpret_cast<float*>(packed_.get()));
  }
  // One workspace per direction: a bidirectional layer runs its directions on two threads when it has them.
  size_t workspace_bytes() const override {
    return direction_workspace_bytes() * static_cast<size_t>(p_.num_directions());
  }

  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const kernels::GruBuffers buf =
        recurrent::sequence_buffers<kernels::GruBuffers>(in, out);  // gru_fast reads its packed weights
    const auto* packed = reinterpret_cast<const float*>(packed_.get());
    const int64_t directions = p_.num_directions();
    recurrent::run_directions(directions, rc, [&](int64_t d) {
      kernels::gru_fast_directions(
          isa_, p_, buf, packed,
          static_cast<std::byte*>(rc.workspace) + static_cast<size_t>(d) * direction_workspace_bytes(), d, d + 1);
    });
  }

 private:
  size_t direction_workspace_bytes() const {
    return (static_cast<size_t>(kernels::gru_fast_workspace_bytes(p_)) + 63) / 64 * 64;
  }

  GruParams p_;
  kernels::KernelIsa isa_;
  AlignedBytes packed_;
};

std::unique_ptr<OpKernel> make_gru_fast(const BindContext& ctx, const GruParams& p) {
  const auto isa = kernel_isa(ctx.path);
  if (!isa || present(ctx.inputs, kSeqLens)) return nullptr;
  if (!ctx.constants[kW] || !ctx.constants[kR] || (present(ctx.inputs, kB) && !ctx.constants[kB])) return nullptr;
  kernels::GruBuffers buf;
  buf.w = ctx.constants[kW]->f32();
  buf.r = ctx.constants[kR]->f32();
  buf.bias = present(ctx.inputs, kB) ? ctx.constants[kB]->f32() : nullptr;
  if (!kernels::gru_fast_supported(p, buf)) return nullptr;
  return std::make_unique<GruFastKernel>(p, *isa, buf.w, buf.r, buf.bias);
}

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const GruParams p = plan_gru(ctx.node, ctx.inputs);
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
  if (auto fast = make_gru_fast(ctx, p)) return fast;
  return std::make_unique<GruKernel>(p, lens_dtype);
}

double flops(const Node& node, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  const GruParams p = plan_gru(node, in);
  // Per step, direction and batch entry: the 3H x (input + H) gate products dominate.
  const double per_step =
      2.0 * 3.0 * static_cast<double>(p.hidden_size) * static_cast<double>(p.input_size + p.hidden_size);
  return per_step * static_cast<double>(p.seq_length) * static_cast<double>(p.batch) * p.num_directions();
}

}  // namespace

const OpDef kGruOp{OpType::Gru, infer, bind, flops};

}  // namespace vigil::ops
