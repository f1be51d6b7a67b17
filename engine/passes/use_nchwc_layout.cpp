#include "engine/passes/use_nchwc_layout.h"

#include <numeric>
#include <string>
#include <vector>

#include "engine/op_def.h"
#include "engine/ops/activation_attrs.h"
#include "engine/ops/conv2d_fast.h"
#include "engine/passes/drop_unreferenced.h"
#include "engine/passes/value_uses.h"
#include "kernels/nchwc/nchwc_layout.h"

namespace vigil {

namespace {

enum class Role : unsigned char { None, Conv, DepthwiseConv, Pool, Elementwise, Concat };

// Activations and elementwise math of one input: the same function of every element, so of every lane.
bool is_elementwise_unary(OpType t) {
  return ops::is_activation_op(t) || t == OpType::Gelu || t == OpType::Elu || t == OpType::Selu || t == OpType::Celu ||
         t == OpType::Softplus || t == OpType::Softsign || t == OpType::Abs || t == OpType::Neg;
}

bool is_elementwise_binary(OpType t) {
  return t == OpType::Add || t == OpType::Sub || t == OpType::Mul || t == OpType::Div || t == OpType::Max ||
         t == OpType::Min;
}

class Planner {
 public:
  Planner(const Graph& g, int64_t block) : g_(g), block_(block) {}

  const Value& value(int v) const { return g_.values[static_cast<size_t>(v)]; }
  bool is_f32_4d(int v) const { return v != kNoValue && value(v).dtype == DType::F32 && value(v).shape.rank == 4; }
  bool is_scalar_constant(int v) const { return v != kNoValue && g_.is_constant(v) && value(v).shape.numel() == 1; }

  // Which of node n's inputs are activations in the layout (converted along with it); the others (weights,
  // scalars) stay as they are.
  std::vector<bool> layout_inputs(const Node& n, Role role) const {
    std::vector<bool> in(n.inputs.size(), false);
    switch (role) {
      case Role::Conv:
      case Role::DepthwiseConv:
        in[0] = true;
        if (n.inputs.size() > 3 && n.inputs[3] != kNoValue) in[3] = true;
        break;
      case Role::Pool:
        in[0] = true;
        break;
      case Role::Elementwise:
      case Role::Concat:
        for (size_t k = 0; k < n.inputs.size(); ++k) in[k] = !is_scalar_constant(n.inputs[k]);
        break;
      case Role::None:
        break;
    }
    return in;
  }

  Role role(const Node& n) const {
    if (n.outputs.size() != 1 || n.outputs[0] == kNoValue || !is_f32_4d(n.outputs[0])) return Role::None;
    const Shape& y = value(n.outputs[0]).shape;
    if (n.op == OpType::Conv2d) return conv_role(n);
    if (n.op == OpType::GlobalAveragePool) return is_f32_4d(n.inputs[0]) ? Role::Pool : Role::None;
    if (is_elementwise_unary(n.op)) return is_f32_4d(n.inputs[0]) ? Role::Elementwise : Role::None;
    if (is_elementwise_binary(n.op) && n.inputs.size() == 2) {
      int tensors = 0;
      for (int v : n.inputs) {
        if (is_scalar_constant(v) && value(v).dtype == DType::F32) continue;
        if (!is_f32_4d(v)) return Role::None;
        const Shape& s = value(v).shape;
        const bool full = s == y, per_channel = s[0] == y[0] && s[1] == y[1] && s[2] == 1 && s[3] == 1;
        if (!full && !per_channel) return Role::None;
        ++tensors;
      }
      return tensors > 0 ? Role::Elementwise : Role::None;
    }
    if (n.op == OpType::Concat) {
      const int64_t axis = n.attrs.get_int("axis", 0, n.label());
      if (axis != 1 && axis != -3) return Role::None;
      for (int v : n.inputs)
        if (!is_f32_4d(v) || value(v).shape[1] % block_ != 0) return Role::None;
      return Role::Concat;
    }
    return Role::None;
  }

 private:
  Role conv_role(const Node& n) const {
    if (n.inputs.size() < 2 || !is_f32_4d(n.inputs[0]) || !g_.is_constant(n.inputs[1])) return Role::None;
    if (n.inputs.size() > 2 && n.inputs[2] != kNoValue && !g_.is_constant(n.inputs[2])) return Role::None;
    if (n.inputs.size() > 3 && n.inputs[3] != kNoValue && !is_f32_4d(n.inputs[3])) return Role::None;
    std::vector<TensorInfo> in;
    for (int v : n.inputs) in.push_back(v == kNoValue ? TensorInfo{} : TensorInfo{value(v).dtype, value(v).shape});
    const kernels::Conv2dParams p = ops::conv2d_node_params(n, in);
    if (p.group > 1 && p.group == p.in_channels && p.group == p.out_channels) return Role::DepthwiseConv;
    // The block is the path's vector width: 16 floats on AVX-512, 8 on AVX2.
    const kernels::KernelIsa isa = block_ >= 16 ? kernels::KernelIsa::Avx512 : kernels::KernelIsa::Avx2;
    if (p.group == 1 && !ops::conv2d_runs_winograd(p, isa)) return Role::Conv;
    return Role::None;
  }

  const Graph& g_;
  int64_t block_;
};

int find_root(std::vector<int>& parent, int i) {
  while (parent[static_cast<size_t>(i)] != i)
    i = parent[static_cast<size_t>(i)] = parent[static_cast<size_t>(parent[static_cast<size_t>(i)])];
  return i;
}

}  // namespace

void use_nchwc_layout(Graph& g, int64_t block) {
  if (block < 1) return;
  const Planner planner(g, block);
  const ValueUses uses = value_uses(g);
  const size_t count = g.nodes.size();

  // Runs: the connected components of candidate nodes; a run moves when it holds a depthwise conv.
  std::vector<Role> role(count);
  for (size_t n = 0; n < count; ++n) role[n] = planner.role(g.nodes[n]);
  std::vector<int> parent(count);
  std::iota(parent.begin(), parent.end(), 0);
  for (size_t n = 0; n < count; ++n) {
    if (role[n] == Role::None) continue;
    const std::vector<bool> layout_in = planner.layout_inputs(g.nodes[n], role[n]);
    for (size_t k = 0; k < layout_in.size(); ++k) {
      if (!layout_in[k]) continue;
      const int p = uses.producer[static_cast<size_t>(g.nodes[n].inputs[k])];
      if (p >= 0 && role[static_cast<size_t>(p)] != Role::None)
        parent[static_cast<size_t>(find_root(parent, p))] = find_root(parent, static_cast<int>(n));
    }
  }
  std::vector<bool> run_has_depthwise(count, false);
  for (size_t n = 0; n < count; ++n)
    if (role[n] == Role::DepthwiseConv)
      run_has_depthwise[static_cast<size_t>(find_root(parent, static_cast<int>(n)))] = true;
  std::vector<bool> moves(count, false);
  bool any = false;
  for (size_t n = 0; n < count; ++n) {
    moves[n] = role[n] != Role::None && run_has_depthwise[static_cast<size_t>(find_root(parent, static_cast<int>(n)))];
    any = any || moves[n];
  }
  if (!any) return;

  // Outside values that a moved node needs in NCHWc (anything but a group-1 conv's X, which it can read in NCHW).
  std::vector<bool> needs_blocked(g.values.size(), false);
  for (size_t n = 0; n < count; ++n) {
    if (!moves[n]) continue;
    const std::vector<bool> layout_in = planner.layout_inputs(g.nodes[n], role[n]);
    for (size_t k = 0; k < layout_in.size(); ++k) {
      const int v = g.nodes[n].inputs[k];
      const int p = uses.producer[static_cast<size_t>(v)];
      if (layout_in[k] && !(p >= 0 && moves[static_cast<size_t>(p)]) && !(role[n] == Role::Conv && k == 0))
        needs_blocked[static_cast<size_t>(v)] = true;
    }
  }

  std::vector<int> blocked(g.values.size(), kNoValue);  // the NCHWc copy of a value, once made
  std::vector<bool> moved_value(g.values.size(), false), plain_made(g.values.size(), false);
  std::vector<Node> nodes;
  auto new_value = [&](int of, Shape shape) {
    Value v;
    v.name = g.values[static_cast<size_t>(of)].name + "@nchwc";
    v.dtype = DType::F32;
    v.shape = shape;
    g.values.push_back(std::move(v));
    return static_cast<int>(g.values.size() - 1);
  };
  auto to_blocked = [&](int v) {
    if (blocked[static_cast<size_t>(v)] != kNoValue) return blocked[static_cast<size_t>(v)];
    const Shape s = g.values[static_cast<size_t>(v)].shape;
    const int b = new_value(v, Shape{s[0], kernels::nchwc_blocks(s[1], block), s[2], s[3], block});
    Node to;
    to.op = OpType::ToNchwc;
    to.name = g.values[static_cast<size_t>(v)].name + "/to_nchwc";
    to.inputs = {v};
    to.outputs = {b};
    to.attrs.set("block", block);
    nodes.push_back(std::move(to));
    return blocked[static_cast<size_t>(v)] = b;
  };
  auto make_plain = [&](int v) {
    if (v == kNoValue || !moved_value[static_cast<size_t>(v)] || plain_made[static_cast<size_t>(v)]) return;
    Node from;
    from.op = OpType::FromNchwc;
    from.name = g.values[static_cast<size_t>(v)].name + "/from_nchwc";
    from.inputs = {blocked[static_cast<size_t>(v)]};
    from.outputs = {v};
    from.attrs.set("channels", g.values[static_cast<size_t>(v)].shape[1]);
    nodes.push_back(std::move(from));
    plain_made[static_cast<size_t>(v)] = true;
  };

  for (size_t n = 0; n < count; ++n) {
    Node node = std::move(g.nodes[n]);
    if (!moves[n]) {
      for (int v : node.inputs) make_plain(v);
      nodes.push_back(std::move(node));
      continue;
    }
    const std::vector<bool> layout_in = planner.layout_inputs(node, role[n]);
    bool x_plain = false;
    for (size_t k = 0; k < layout_in.size(); ++k) {
      if (!layout_in[k]) continue;
      const int v = node.inputs[k];
      if (moved_value[static_cast<size_t>(v)]) {
        node.inputs[k] = blocked[static_cast<size_t>(v)];
      } else if (role[n] == Role::Conv && k == 0 && !needs_blocked[static_cast<size_t>(v)]) {
        x_plain = true;
      } else {
        node.inputs[k] = to_blocked(v);
      }
    }
    const int y = node.outputs[0];
    const Shape s = g.values[static_cast<size_t>(y)].shape;
    const Shape yb{s[0], kernels::nchwc_blocks(s[1], block), s[2], s[3], block};
    if (role[n] == Role::Conv || role[n] == Role::DepthwiseConv) {
      node.op = OpType::Conv2dNchwc;
      node.attrs.set("block", block);
      if (x_plain) node.attrs.set("x_plain", int64_t{1});
    } else if (role[n] == Role::Pool) {
      node.op = OpType::GlobalAveragePoolNchwc;
    } else if (role[n] == Role::Concat) {
      node.attrs.set("axis", int64_t{1});
    }
    blocked[static_cast<size_t>(y)] = new_value(y, yb);
    moved_value[static_cast<size_t>(y)] = true;
    node.outputs[0] = blocked[static_cast<size_t>(y)];
    nodes.push_back(std::move(node));
  }
  for (int v : g.outputs) make_plain(v);
  g.nodes = std::move(nodes);
  for (Value& v : g.values) v.producer = -1;
  drop_unreferenced(g);
  validate_and_infer(g);
}

}  // namespace vigil
