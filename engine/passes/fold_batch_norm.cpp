#include "engine/passes/fold_batch_norm.h"

#include <cmath>
#include <vector>

#include "engine/error.h"
#include "engine/ops/activation_attrs.h"
#include "engine/passes/drop_unreferenced.h"
#include "engine/passes/value_uses.h"

namespace vigil {

namespace {

using kernels::Activation;
using kernels::ActivationParams;

// The node producing `value`, if exactly one node input reads it, it is not a graph output, and the
// producer has that single output; else -1.
int sole_producer(const Graph& g, const ValueUses& u, int value) {
  const size_t v = static_cast<size_t>(value);
  const int p = u.producer[v];
  if (p < 0 || u.readers[v] != 1 || u.is_output[v]) return -1;
  if (g.nodes[static_cast<size_t>(p)].outputs.size() != 1) return -1;
  return p;
}

// The convolutions whose weights a BatchNorm folds into and whose epilogue runs a fused activation.
bool is_conv(OpType op) { return op == OpType::Conv2d || op == OpType::ConvTranspose2d || op == OpType::Conv3d; }

bool has_fused_activation(const Node& node) { return ops::fused_activation(node).kind != Activation::None; }

// A Conv2d's 4th input: R, added after its activation.
bool has_residual(const Node& node) {
  return node.op == OpType::Conv2d && node.inputs.size() > 3 && node.inputs[3] != kNoValue;
}

void set_activation(Node& node, const ActivationParams& act) {
  ops::set_fused_activation(node.attrs, act);
  // set_fused_activation leaves zero parameters implicit; make sure no stale value of an earlier
  // activation survives in their place.
  if (node.attrs.has("activation_alpha")) node.attrs.set("activation_alpha", act.alpha);
  if (node.attrs.has("activation_beta")) node.attrs.set("activation_beta", act.beta);
}

// `keep` takes over the single output value of `absorbed` (which reads keep's output): keep's old output
// value disappears and its name is recorded in keep's "fused_values".
void absorb(Graph& g, ValueUses& u, int keep, int absorbed, std::vector<bool>& drop_node) {
  Node& k = g.nodes[static_cast<size_t>(keep)];
  const Node& a = g.nodes[static_cast<size_t>(absorbed)];
  const int old_value = k.outputs[0];
  const int new_value = a.outputs[0];
  std::vector<std::string> fused = k.attrs.get_strings("fused_values", k.label());
  fused.push_back(g.values[static_cast<size_t>(old_value)].name);
  k.attrs.set("fused_values", std::move(fused));
  k.outputs[0] = new_value;
  if (new_value != kNoValue) u.producer[static_cast<size_t>(new_value)] = keep;
  drop_node[static_cast<size_t>(absorbed)] = true;
}

std::string unique_value_name(const Graph& g, const std::string& base) {
  if (g.find_value(base) < 0) return base;
  for (int i = 1;; ++i) {
    std::string name = concat(base, ".", i);
    if (g.find_value(name) < 0) return name;
  }
}

int add_constant(Graph& g, const std::string& base_name, Tensor t) {
  Value v;
  v.name = unique_value_name(g, base_name);
  v.dtype = t.dtype();
  v.shape = t.shape();
  v.constant = static_cast<int>(g.constants.size());
  g.constants.push_back(std::move(t));
  g.values.push_back(std::move(v));
  return static_cast<int>(g.values.size() - 1);
}

// The f32 constant behind `value`, or null if it is absent, computed, or of another type / element count.
const Tensor* f32_constant(const Graph& g, int value, int64_t numel) {
  if (value == kNoValue || !g.is_constant(value)) return nullptr;
  const Tensor& t = g.constant_of(value);
  if (t.dtype() != DType::F32 || t.numel() != numel) return nullptr;
  return &t;
}

}  // namespace

void fold_batch_norm(Graph& g) {
  ValueUses u = value_uses(g);
  std::vector<bool> drop_node(g.nodes.size(), false);
  for (size_t b = 0; b < g.nodes.size(); ++b) {
    const Node& bn = g.nodes[b];
    if (bn.op != OpType::BatchNorm || bn.inputs.size() != 5) continue;
    const int c = sole_producer(g, u, bn.inputs[0]);
    if (c < 0 || drop_node[static_cast<size_t>(c)]) continue;
    Node& conv = g.nodes[static_cast<size_t>(c)];
    const bool transposed = conv.op == OpType::ConvTranspose2d;
    if (!is_conv(conv.op) || has_fused_activation(conv) || has_residual(conv)) continue;
    if (conv.inputs.size() < 2 || conv.inputs[1] == kNoValue || !g.is_constant(conv.inputs[1])) continue;
    const Tensor& w = g.constant_of(conv.inputs[1]);
    if (w.dtype() != DType::F32 || w.shape().rank != (conv.op == OpType::Conv3d ? 5 : 4)) continue;
    const int64_t group = transposed ? conv.attrs.get_int("group", 1, conv.label()) : 1;
    if (group < 1 || (transposed && w.shape()[0] % group != 0)) continue;  // invalid: let inference report it
    // Output channel m's weights: Conv2d/Conv3d W[m, ...]; ConvTranspose2d W[g*Cg + c, m - g*Mg, ...] for every c.
    const int64_t m_count = transposed ? w.shape()[1] * group : w.shape()[0];
    const int bias_value = conv.inputs.size() > 2 ? conv.inputs[2] : kNoValue;
    const Tensor* bias = f32_constant(g, bias_value, m_count);
    if (bias_value != kNoValue && !bias) continue;
    const Tensor* scale = f32_constant(g, bn.inputs[1], m_count);
    const Tensor* shift = f32_constant(g, bn.inputs[2], m_count);
    const Tensor* mean = f32_constant(g, bn.inputs[3], m_count);
    const Tensor* var = f32_constant(g, bn.inputs[4], m_count);
    if (!scale || !shift || !mean || !var) continue;

    const double epsilon = bn.attrs.get_float("epsilon", 1e-5f, bn.label());
    std::vector<double> channel_scale(static_cast<size_t>(m_count));
    for (int64_t m = 0; m < m_count; ++m)
      channel_scale[static_cast<size_t>(m)] =
          static_cast<double>(scale->f32()[m]) / std::sqrt(static_cast<double>(var->f32()[m]) + epsilon);
    std::vector<float> folded_w(static_cast<size_t>(w.numel()));
    std::vector<float> folded_b(static_cast<size_t>(m_count));
    // W viewed as [rows x row_channels x per_channel]: weight (row, j, i) belongs to output channel
    // channel_of(row, j).
    const int64_t rows = transposed ? w.shape()[0] : m_count;
    const int64_t row_channels = transposed ? w.shape()[1] : 1;
    const int64_t per_channel = w.numel() / (rows * row_channels);
    const int64_t rows_per_group = rows / group;
    for (int64_t row = 0; row < rows; ++row)
      for (int64_t j = 0; j < row_channels; ++j) {
        const int64_t m = transposed ? (row / rows_per_group) * row_channels + j : row;
        const double s = channel_scale[static_cast<size_t>(m)];
        const int64_t base = (row * row_channels + j) * per_channel;
        for (int64_t i = 0; i < per_channel; ++i)
          folded_w[static_cast<size_t>(base + i)] = static_cast<float>(static_cast<double>(w.f32()[base + i]) * s);
      }
    for (int64_t m = 0; m < m_count; ++m) {
      const double s = channel_scale[static_cast<size_t>(m)];
      const double b = bias ? static_cast<double>(bias->f32()[m]) : 0.0;
      folded_b[static_cast<size_t>(m)] =
          static_cast<float>((b - static_cast<double>(mean->f32()[m])) * s + static_cast<double>(shift->f32()[m]));
    }
    const Shape w_shape = w.shape();
    const int new_w = add_constant(g, conv.name + ".folded_weight", Tensor::from_f32(w_shape, folded_w));
    const int new_b = add_constant(g, conv.name + ".folded_bias", Tensor::from_f32({m_count}, folded_b));
    u.producer.push_back(-1), u.readers.push_back(1), u.is_output.push_back(false);
    u.producer.push_back(-1), u.readers.push_back(1), u.is_output.push_back(false);
    conv.inputs.resize(3);
    conv.inputs[1] = new_w;
    conv.inputs[2] = new_b;
    const ActivationParams act = ops::fused_activation(bn);
    if (act.kind != Activation::None) set_activation(conv, act);
    absorb(g, u, c, static_cast<int>(b), drop_node);
  }
  drop_nodes(g, drop_node);
  validate_and_infer(g);
}

void fuse_activations(Graph& g) {
  ValueUses u = value_uses(g);
  std::vector<bool> drop_node(g.nodes.size(), false);
  for (size_t a = 0; a < g.nodes.size(); ++a) {
    const Node& act_node = g.nodes[a];
    if (!ops::is_activation_op(act_node.op) || act_node.inputs.size() != 1) continue;
    const int p = sole_producer(g, u, act_node.inputs[0]);
    if (p < 0 || drop_node[static_cast<size_t>(p)]) continue;
    Node& producer = g.nodes[static_cast<size_t>(p)];
    if (!is_conv(producer.op) && producer.op != OpType::BatchNorm && producer.op != OpType::Add) continue;
    if (has_fused_activation(producer) || has_residual(producer)) continue;
    set_activation(producer, ops::activation_of_op(act_node));
    absorb(g, u, p, static_cast<int>(a), drop_node);
  }
  drop_nodes(g, drop_node);
  validate_and_infer(g);
}

void fuse_residual_add(Graph& g) {
  ValueUses u = value_uses(g);
  std::vector<bool> drop_node(g.nodes.size(), false);
  auto is_f32_of = [&](int value, const Shape& shape) {
    if (value == kNoValue) return false;
    const Value& v = g.values[static_cast<size_t>(value)];
    return v.dtype == DType::F32 && v.shape == shape;
  };
  for (size_t a = 0; a < g.nodes.size(); ++a) {
    const Node& add = g.nodes[a];
    if (add.op != OpType::Add || add.inputs.size() != 2 || add.outputs.size() != 1) continue;
    // An activation fused into the Add (ResNet's conv -> Add -> ReLU) moves to the conv, applied after the
    // residual; the conv must then have none of its own.
    const ActivationParams add_activation = ops::fused_activation(add);
    const bool activation_after = add_activation.kind != Activation::None;
    const Shape& shape = g.values[static_cast<size_t>(add.outputs[0])].shape;
    if (!is_f32_of(add.inputs[0], shape) || !is_f32_of(add.inputs[1], shape) || add.inputs[0] == add.inputs[1])
      continue;
    // Either operand may be the conv's output; prefer the one computed last, so R is the older value.
    int conv_index = -1, residual = kNoValue;
    for (int side = 0; side < 2; ++side) {
      const int c = sole_producer(g, u, add.inputs[static_cast<size_t>(side)]);
      if (c < 0 || drop_node[static_cast<size_t>(c)]) continue;
      const Node& conv = g.nodes[static_cast<size_t>(c)];
      if (conv.op != OpType::Conv2d || has_residual(conv)) continue;
      if (activation_after && has_fused_activation(conv)) continue;
      if (c > conv_index) conv_index = c, residual = add.inputs[static_cast<size_t>(1 - side)];
    }
    if (conv_index < 0) continue;
    Node fused = std::move(g.nodes[static_cast<size_t>(conv_index)]);
    fused.inputs.resize(4, kNoValue);
    fused.inputs[3] = residual;
    if (activation_after) {
      set_activation(fused, add_activation);
      fused.attrs.set("residual_before_activation", int64_t{1});
    }
    std::vector<std::string> names = fused.attrs.get_strings("fused_values", fused.label());
    names.push_back(g.values[static_cast<size_t>(fused.outputs[0])].name);
    fused.attrs.set("fused_values", std::move(names));
    fused.outputs[0] = add.outputs[0];
    u.producer[static_cast<size_t>(add.outputs[0])] = static_cast<int>(a);
    drop_node[static_cast<size_t>(conv_index)] = true;
    g.nodes[a] = std::move(fused);  // at the Add's place: R and every conv input exist by then
  }
  drop_nodes(g, drop_node);
  validate_and_infer(g);
}

}  // namespace vigil
