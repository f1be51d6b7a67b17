#include "engine/graph_builder.h"

#include "engine/error.h"

namespace vigil {

int GraphBuilder::new_value(std::string name) {
  if (g_.find_value(name) >= 0) fail("GraphBuilder: a value named '", name, "' exists already");
  Value v;
  v.name = std::move(name);
  g_.values.push_back(std::move(v));
  return static_cast<int>(g_.values.size() - 1);
}

int GraphBuilder::input(std::string name, DType dtype, Shape shape) {
  int v = new_value(std::move(name));
  g_.values[static_cast<size_t>(v)].dtype = dtype;
  g_.values[static_cast<size_t>(v)].shape = shape;
  g_.inputs.push_back(v);
  return v;
}

int GraphBuilder::constant(std::string name, Tensor tensor) {
  int v = new_value(std::move(name));
  Value& val = g_.values[static_cast<size_t>(v)];
  val.dtype = tensor.dtype();
  val.shape = tensor.shape();
  val.constant = static_cast<int>(g_.constants.size());
  g_.constants.push_back(std::move(tensor));
  return v;
}

std::vector<int> GraphBuilder::node_named(OpType op, std::string name, std::vector<int> inputs,
                                          const std::vector<std::string>& output_names, Attributes attrs) {
  std::vector<int> outs;
  for (const auto& out_name : output_names) outs.push_back(out_name.empty() ? kNoValue : new_value(out_name));
  g_.nodes.push_back(Node{op, std::move(name), std::move(inputs), outs, std::move(attrs)});
  return outs;
}

std::vector<int> GraphBuilder::node_n(OpType op, std::string name, std::vector<int> inputs, int num_outputs,
                                      Attributes attrs) {
  std::vector<std::string> names;
  for (int i = 0; i < num_outputs; ++i) names.push_back(num_outputs == 1 ? name : concat(name, ":", i));
  return node_named(op, std::move(name), std::move(inputs), names, std::move(attrs));
}

int GraphBuilder::node(OpType op, std::string name, std::vector<int> inputs, Attributes attrs) {
  return node_n(op, std::move(name), std::move(inputs), 1, std::move(attrs))[0];
}

int GraphBuilder::node(OpType op, std::string name, std::vector<int> inputs,
                       std::initializer_list<std::pair<const char*, AttrValue>> attrs) {
  Attributes a;
  for (const auto& [k, v] : attrs) a.set(k, v);
  return node(op, std::move(name), std::move(inputs), std::move(a));
}

void GraphBuilder::output(int value) { g_.outputs.push_back(value); }

void GraphBuilder::metadata(std::string key, AttrValue value) { g_.metadata[std::move(key)] = std::move(value); }

Graph GraphBuilder::build() {
  Graph g = std::move(g_);
  g_ = Graph{};
  validate_and_infer(g);
  return g;
}

}  // namespace vigil
