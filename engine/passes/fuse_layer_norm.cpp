#include "engine/passes/fuse_layer_norm.h"

#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/error.h"
#include "engine/passes/chain_matcher.h"
#include "engine/passes/drop_unreferenced.h"

namespace vigil {

namespace {

class LayerNormMatcher : ChainMatcher {
 public:
  explicit LayerNormMatcher(Graph& g) : ChainMatcher(g) {}

  void run() {
    for (size_t k = 0; k < g_.nodes.size(); ++k)
      if (!drop_[k] && g_.nodes[k].op == OpType::ReduceMean) try_fuse(static_cast<int>(k));
    drop_nodes(g_, drop_);
  }

 private:
  // The one node reading `v` (perhaps more than once; `v` not a graph output), if it is `op` with `inputs` inputs,
  // one output and no fused activation, and not taken by another fusion; -1 otherwise.
  int only_reader(int v, OpType op, size_t inputs) {
    if (uses_.is_output[static_cast<size_t>(v)]) return -1;
    const std::vector<int>& r = readers_of_[static_cast<size_t>(v)];
    if (r.empty()) return -1;
    for (int k : r)
      if (k != r[0]) return -1;
    const Node& n = g_.nodes[static_cast<size_t>(r[0])];
    if (drop_[static_cast<size_t>(r[0])] || n.op != op || n.inputs.size() != inputs || n.outputs.size() != 1 ||
        n.attrs.has("activation"))
      return -1;
    return r[0];
  }

  bool intermediate(int v, int reads) const {
    return uses_.readers[static_cast<size_t>(v)] == reads && !uses_.is_output[static_cast<size_t>(v)];
  }

  // A ReduceMean over x's last axis alone, keeping it.
  bool mean_over_last_axis(const Node& mean) const {
    const Value& in = value(mean.inputs[0]);
    if (in.dtype != DType::F32 || in.shape.rank < 1) return false;
    if (mean.attrs.get_int("keepdims", 1, mean.label()) != 1) return false;
    const std::vector<int64_t> axes = mean.attrs.get_ints("axes", {}, mean.label());
    return axes.size() == 1 && (axes[0] == -1 || axes[0] == in.shape.rank - 1);
  }

  // A constant LayerNorm takes as scale / bias for rows of x's last dim: one value, or [..., C] with leading 1s and
  // no more dims than x (so the elementwise op did not enlarge the output).
  bool affine_constant(int v, const Shape& x) const {
    if (v == kNoValue || !g_.is_constant(v) || g_.constant_of(v).dtype() != DType::F32) return false;
    const Shape& s = value(v).shape;
    if (s.rank > x.rank) return false;
    if (s.numel() == 1) return true;
    for (int d = 0; d + 1 < s.rank; ++d)
      if (s[d] != 1) return false;
    return s.rank >= 1 && s[s.rank - 1] == x[x.rank - 1];
  }

  void try_fuse(int mean_node) {
    const Node& mean = node(mean_node);
    if (mean.inputs.size() != 1 || mean.outputs.size() != 1 || !mean_over_last_axis(mean)) return;
    const int x = mean.inputs[0], m = mean.outputs[0];
    const Shape x_shape = value(x).shape;
    if (!intermediate(m, 1)) return;
    // d = x - m
    const int sub_node = only_reader(m, OpType::Sub, 2);
    if (sub_node < 0 || node(sub_node).inputs[0] != x || node(sub_node).inputs[1] != m) return;
    const int d = node(sub_node).outputs[0];
    if (!(value(d).shape == x_shape)) return;
    // q = d^2: Pow(d, 2) (d read by it and the Div) or Mul(d, d) (read twice by it, once by the Div).
    int square_node = -1;
    for (int k : readers_of_[static_cast<size_t>(d)]) {
      const Node& n = node(k);
      if (drop_[static_cast<size_t>(k)] || n.inputs.size() != 2 || n.outputs.size() != 1 || n.attrs.has("activation"))
        continue;
      if (n.op == OpType::Pow && n.inputs[0] == d && n.inputs[1] != d && scalar_constant(n.inputs[1]) == 2.0f &&
          intermediate(d, 2))
        square_node = k;
      if (n.op == OpType::Mul && n.inputs[0] == d && n.inputs[1] == d && intermediate(d, 3)) square_node = k;
      if (square_node >= 0) break;
    }
    if (square_node < 0) return;
    const int q = node(square_node).outputs[0];
    if (!(value(q).shape == x_shape) || !intermediate(q, 1)) return;
    // v = mean(q) over the same axis
    const int var_node = only_reader(q, OpType::ReduceMean, 1);
    if (var_node < 0 || !mean_over_last_axis(node(var_node))) return;
    const int var = node(var_node).outputs[0];
    if (!intermediate(var, 1)) return;
    // e = v + eps
    const int eps_node = only_reader(var, OpType::Add, 2);
    if (eps_node < 0) return;
    const std::optional<float> eps = scalar_constant(other_input(node(eps_node), var));
    if (!eps || !(*eps >= 0.0f) || !std::isfinite(*eps)) return;
    const int e = node(eps_node).outputs[0];
    if (!(value(e).shape == value(var).shape) || !intermediate(e, 1)) return;
    // s = sqrt(e); n = d / s
    const int sqrt_node = only_reader(e, OpType::Sqrt, 1);
    if (sqrt_node < 0) return;
    const int s = node(sqrt_node).outputs[0];
    if (!intermediate(s, 1)) return;
    const int div_node = only_reader(s, OpType::Div, 2);
    if (div_node < 0 || node(div_node).inputs[0] != d || node(div_node).inputs[1] != s) return;
    std::vector<int> chain = {mean_node, sub_node, square_node, var_node, eps_node, sqrt_node, div_node};
    int y = node(div_node).outputs[0];
    if (!(value(y).shape == x_shape)) return;
    // Optional Mul(gamma), then optional Add(beta).
    int gamma = kNoValue, beta = kNoValue;
    if (intermediate(y, 1)) {
      const int mul_node = only_reader(y, OpType::Mul, 2);
      if (mul_node >= 0) {
        const int c = other_input(node(mul_node), y);
        if (affine_constant(c, x_shape) && value(node(mul_node).outputs[0]).shape == x_shape) {
          gamma = c;
          chain.push_back(mul_node);
          y = node(mul_node).outputs[0];
        }
      }
    }
    if (intermediate(y, 1)) {
      const int add_node = only_reader(y, OpType::Add, 2);
      if (add_node >= 0) {
        const int c = other_input(node(add_node), y);
        if (affine_constant(c, x_shape) && value(node(add_node).outputs[0]).shape == x_shape) {
          beta = c;
          chain.push_back(add_node);
          y = node(add_node).outputs[0];
        }
      }
    }
    if (gamma == kNoValue) gamma = one_constant(node(chain.back()).name + "/layer_norm_scale");
    // The last node of the chain becomes the LayerNorm; the others go.
    std::vector<std::string> fused;
    for (int k : chain) {
      for (std::string& name : node(k).attrs.get_strings("fused_values", node(k).label()))
        fused.push_back(std::move(name));
      if (k != chain.back()) fused.push_back(value(node(k).outputs[0]).name);
    }
    Node& last = node(chain.back());
    last.op = OpType::LayerNorm;
    last.inputs = {x, gamma};
    if (beta != kNoValue) last.inputs.push_back(beta);
    last.attrs = Attributes{};
    last.attrs.set("axis", int64_t{-1});
    last.attrs.set("epsilon", *eps);
    last.attrs.set("fused_values", std::move(fused));
    for (size_t i = 0; i + 1 < chain.size(); ++i) drop_[static_cast<size_t>(chain[i])] = true;
  }

  // A new f32 constant [1] = 1 (LayerNorm's scale when the chain has no Mul).
  int one_constant(const std::string& base) {
    std::string name = base;
    for (int i = 1; g_.find_value(name) >= 0; ++i) name = concat(base, ".", i);
    Value v;
    v.name = std::move(name);
    v.dtype = DType::F32;
    v.shape = Shape{1};
    v.constant = static_cast<int>(g_.constants.size());
    g_.constants.push_back(Tensor::from_f32({1}, std::vector<float>{1.0f}));
    g_.values.push_back(std::move(v));
    uses_.producer.push_back(-1);
    uses_.readers.push_back(1);
    uses_.is_output.push_back(false);
    readers_of_.emplace_back();
    return static_cast<int>(g_.values.size() - 1);
  }
};

}  // namespace

void fuse_layer_norm(Graph& g) {
  LayerNormMatcher(g).run();
  validate_and_infer(g);
}

}  // namespace vigil
