#include "engine/passes/fuse_gelu.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/passes/chain_matcher.h"
#include "engine/passes/drop_unreferenced.h"

namespace vigil {

namespace {

class GeluMatcher : ChainMatcher {
 public:
  explicit GeluMatcher(Graph& g) : ChainMatcher(g) {}

  void run() {
    for (size_t k = 0; k < g_.nodes.size(); ++k)
      if (!drop_[k] && g_.nodes[k].op == OpType::Erf) try_fuse(static_cast<int>(k));
    drop_nodes(g_, drop_);
  }

 private:
  // A node the chain may absorb: `op`, `inputs` inputs, one output, no fused activation, not taken already.
  bool usable(int n, OpType op, size_t inputs) const {
    const Node& k = node(n);
    return !drop_[static_cast<size_t>(n)] && k.op == op && k.inputs.size() == inputs && k.outputs.size() == 1 &&
           !k.attrs.has("activation");
  }

  // The one node reading `v` (once), `v` not a graph output and of shape `shape`; -1 otherwise.
  int only_reader(int v, const Shape& shape) const {
    const std::vector<int>& r = readers_of_[static_cast<size_t>(v)];
    if (r.size() != 1 || uses_.is_output[static_cast<size_t>(v)] || !(value(v).shape == shape)) return -1;
    return r[0];
  }

  bool scalar_constant(int v, float want) const { return ChainMatcher::scalar_constant(v) == want; }

  void try_fuse(int erf_node) {
    const Node& erf = node(erf_node);
    if (!usable(erf_node, OpType::Erf, 1)) return;
    const int u = erf.inputs[0];
    const int scale_node = uses_.producer[static_cast<size_t>(u)];
    if (scale_node < 0 || drop_[static_cast<size_t>(scale_node)] || only_reader(u, value(u).shape) != erf_node) return;
    // u = x / sqrt 2 or x * (1 / sqrt 2)
    int x = kNoValue;
    const Node& scale = node(scale_node);
    if (usable(scale_node, OpType::Div, 2) && scalar_constant(scale.inputs[1], 1.41421356f)) x = scale.inputs[0];
    if (usable(scale_node, OpType::Mul, 2))
      for (int side = 0; side < 2; ++side)
        if (scalar_constant(scale.inputs[static_cast<size_t>(side)], 0.707106781f))
          x = scale.inputs[static_cast<size_t>(1 - side)];
    if (x == kNoValue || g_.is_constant(x) || value(x).dtype != DType::F32) return;
    const Shape shape = value(x).shape;
    if (!(value(u).shape == shape)) return;
    // a = e + 1
    const int e = erf.outputs[0];
    const int add_node = only_reader(e, shape);
    if (add_node < 0 || !usable(add_node, OpType::Add, 2) || !scalar_constant(other_input(node(add_node), e), 1.0f))
      return;
    const int a = node(add_node).outputs[0];
    const int mul_node = only_reader(a, shape);
    if (mul_node < 0 || !usable(mul_node, OpType::Mul, 2)) return;
    const int a_partner = other_input(node(mul_node), a);
    std::vector<int> chain = {scale_node, erf_node, add_node};
    int last = -1;
    if (a_partner == x) {  // (x * a) * 0.5
      const int p = node(mul_node).outputs[0];
      const int half_node = only_reader(p, shape);
      if (half_node < 0 || !usable(half_node, OpType::Mul, 2) ||
          !scalar_constant(other_input(node(half_node), p), 0.5f))
        return;
      chain.push_back(mul_node);
      last = half_node;
    } else if (a_partner != kNoValue) {  // (x * 0.5) * a: the half product read only here
      const int half_node = uses_.producer[static_cast<size_t>(a_partner)];
      if (half_node < 0 || !usable(half_node, OpType::Mul, 2) || only_reader(a_partner, shape) != mul_node ||
          other_input(node(half_node), x) == kNoValue || !scalar_constant(other_input(node(half_node), x), 0.5f))
        return;
      chain.push_back(half_node);
      last = mul_node;
    } else {
      return;
    }
    if (!(value(node(last).outputs[0]).shape == shape)) return;
    std::vector<std::string> fused;
    for (int k : chain) {
      for (std::string& name : node(k).attrs.get_strings("fused_values", node(k).label()))
        fused.push_back(std::move(name));
      fused.push_back(value(node(k).outputs[0]).name);
    }
    for (std::string& name : node(last).attrs.get_strings("fused_values", node(last).label()))
      fused.push_back(std::move(name));
    Node& gelu = g_.nodes[static_cast<size_t>(last)];
    gelu.op = OpType::Gelu;
    gelu.inputs = {x};
    gelu.attrs = Attributes{};
    gelu.attrs.set("fused_values", std::move(fused));
    for (int k : chain) drop_[static_cast<size_t>(k)] = true;
  }
};

}  // namespace

void fuse_gelu(Graph& g) {
  GeluMatcher(g).run();
  validate_and_infer(g);
}

}  // namespace vigil
