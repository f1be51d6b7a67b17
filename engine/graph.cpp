#include "engine/graph.h"

#include <queue>
#include <unordered_set>

#include "engine/error.h"
#include "engine/op_def.h"

namespace vigil {

std::string Node::label() const { return concat(op_name(op), " '", name, "'"); }

int Graph::find_value(std::string_view name) const {
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i].name == name) return static_cast<int>(i);
  return -1;
}

namespace {

void check_structure(Graph& g) {
  const int nv = static_cast<int>(g.values.size());
  auto in_range = [&](int v) { return v >= 0 && v < nv; };

  for (auto& v : g.values) v.producer = -1;
  std::unordered_set<std::string_view> names;
  for (const Value& v : g.values) {
    if (v.name.empty()) fail("a value has an empty name");
    if (!names.insert(v.name).second) fail("two values are named '", v.name, "'");
  }
  for (int v = 0; v < nv; ++v) {
    const Value& val = g.values[static_cast<size_t>(v)];
    if (val.constant >= static_cast<int>(g.constants.size()))
      fail("value '", val.name, "' refers to constant ", val.constant, " but the graph has ", g.constants.size());
    if (val.constant >= 0) {
      const Tensor& t = g.constants[static_cast<size_t>(val.constant)];
      g.values[static_cast<size_t>(v)].dtype = t.dtype();
      g.values[static_cast<size_t>(v)].shape = t.shape();
    }
  }
  std::vector<bool> is_graph_input(static_cast<size_t>(nv), false);
  for (int v : g.inputs) {
    if (!in_range(v)) fail("graph input refers to value ", v, " of ", nv);
    if (is_graph_input[static_cast<size_t>(v)]) fail("graph input '", g.values[static_cast<size_t>(v)].name, "' is listed twice");
    is_graph_input[static_cast<size_t>(v)] = true;
    const Value& val = g.values[static_cast<size_t>(v)];
    if (val.constant >= 0) fail("graph input '", val.name, "' is also a constant");
    if (val.dtype == DType::Undefined) fail("graph input '", val.name, "' has no dtype");
    check_shape_sane(val.shape, concat("graph input '", val.name, "'"));
  }
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    const Node& node = g.nodes[n];
    if (static_cast<int>(node.op) < 0 || static_cast<int>(node.op) >= kOpCount)
      fail("node ", n, " has an invalid op code ", static_cast<int>(node.op));
    for (int v : node.inputs)
      if (v != kNoValue && !in_range(v)) fail(node.label(), ": input value id ", v, " is out of range 0..", nv - 1);
    for (int v : node.outputs) {
      if (v == kNoValue) continue;  // an optional output nobody wants (e.g. LSTM's Y)
      if (!in_range(v)) fail(node.label(), ": output value id ", v, " is out of range 0..", nv - 1);
      Value& val = g.values[static_cast<size_t>(v)];
      if (val.producer >= 0)
        fail("value '", val.name, "' is written by two nodes: ", g.nodes[static_cast<size_t>(val.producer)].label(),
             " and ", node.label());
      if (val.constant >= 0) fail(node.label(), " writes constant '", val.name, "'");
      if (is_graph_input[static_cast<size_t>(v)]) fail(node.label(), " writes graph input '", val.name, "'");
      val.producer = static_cast<int>(n);
    }
  }
  for (int v : g.outputs) {
    if (!in_range(v)) fail("graph output refers to value ", v, " of ", nv);
    const Value& val = g.values[static_cast<size_t>(v)];
    if (val.producer < 0) fail("graph output '", val.name, "' is not computed by any node");
  }
  // Every node input must be a graph input, a constant, or produced by some node.
  for (const Node& node : g.nodes)
    for (int v : node.inputs) {
      if (v == kNoValue) continue;
      const Value& val = g.values[static_cast<size_t>(v)];
      if (val.producer < 0 && val.constant < 0 && !is_graph_input[static_cast<size_t>(v)])
        fail(node.label(), ": input '", val.name, "' is neither a graph input, a constant nor computed by a node");
    }
}

// Kahn's algorithm; stable (keeps the given order where it is already valid).
void sort_topologically(Graph& g) {
  const size_t n = g.nodes.size();
  std::vector<int> pending(n, 0);
  std::vector<std::vector<int>> consumers(n);
  for (size_t i = 0; i < n; ++i)
    for (int v : g.nodes[i].inputs) {
      if (v == kNoValue) continue;
      int p = g.values[static_cast<size_t>(v)].producer;
      if (p >= 0) {
        ++pending[i];
        consumers[static_cast<size_t>(p)].push_back(static_cast<int>(i));
      }
    }
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (size_t i = 0; i < n; ++i)
    if (pending[i] == 0) ready.push(static_cast<int>(i));
  std::vector<int> order;
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int c : consumers[static_cast<size_t>(i)])
      if (--pending[static_cast<size_t>(c)] == 0) ready.push(c);
  }
  if (order.size() != n) {
    for (size_t i = 0; i < n; ++i)
      if (pending[i] > 0) fail("graph has a cycle through ", g.nodes[i].label());
  }
  std::vector<Node> sorted;
  sorted.reserve(n);
  for (int i : order) sorted.push_back(std::move(g.nodes[static_cast<size_t>(i)]));
  g.nodes = std::move(sorted);
  for (size_t i = 0; i < n; ++i)
    for (int v : g.nodes[i].outputs)
      if (v != kNoValue) g.values[static_cast<size_t>(v)].producer = static_cast<int>(i);
}

}  // namespace

void infer_shapes(Graph& g) {
  std::vector<TensorInfo> in, out;
  for (const Node& node : g.nodes) {
    in.clear();
    for (int v : node.inputs) {
      if (v == kNoValue) in.push_back({});
      else in.push_back({g.values[static_cast<size_t>(v)].dtype, g.values[static_cast<size_t>(v)].shape});
    }
    out.assign(node.outputs.size(), TensorInfo{});
    op_def(node.op).infer(node, in, out);
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      if (node.outputs[i] == kNoValue) continue;
      Value& val = g.values[static_cast<size_t>(node.outputs[i])];
      if (!out[i].present()) fail_node(node, concat("shape inference left output ", i, " untyped"));
      check_shape_sane(out[i].shape, concat(node.label(), " output ", i, " '", val.name, "'"));
      val.dtype = out[i].dtype;
      val.shape = out[i].shape;
    }
  }
}

void validate_and_infer(Graph& g) {
  check_structure(g);
  // Input and output counts against the op table.
  for (const Node& node : g.nodes) {
    int lo_in = 0, hi_in = 0, lo_out = 0, hi_out = 0;
    switch (node.op) {
#define VIGIL_OP_COUNTS(e, name, a, b, c, d) \
  case OpType::e:                            \
    lo_in = a, hi_in = b, lo_out = c, hi_out = d; \
    break;
      VIGIL_OPS(VIGIL_OP_COUNTS)
#undef VIGIL_OP_COUNTS
      case OpType::Count: break;
    }
    const int ni = static_cast<int>(node.inputs.size()), no = static_cast<int>(node.outputs.size());
    if (ni < lo_in || ni > hi_in) fail(node.label(), " has ", ni, " inputs, expected ", lo_in, "..", hi_in);
    if (no < lo_out || no > hi_out) fail(node.label(), " has ", no, " outputs, expected ", lo_out, "..", hi_out);
    if (ni > 0 && node.inputs[0] == kNoValue) fail(node.label(), ": its first input is required");
  }
  sort_topologically(g);
  infer_shapes(g);
}

}  // namespace vigil
