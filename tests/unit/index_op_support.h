// Single-node runs for the index-driven ops' tests (GatherND, ScatterElements, Trilu, Mod, OneHot): input 0 fed
// at run time, the others constants (as the importer leaves indices, updates and values), any dtypes; plus small
// tensor builders and the load error of a node.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "engine/kernel_path.h"

namespace vigil::test {

template <typename T>
Tensor typed_tensor(DType dtype, const Shape& s, const std::vector<T>& v) {
  Tensor t(dtype, s);
  std::memcpy(t.mutable_data(), v.data(), v.size() * sizeof(T));
  return t;
}

inline Tensor i64s(const Shape& s, const std::vector<int64_t>& v) { return typed_tensor(DType::I64, s, v); }
inline Tensor i32s(const Shape& s, const std::vector<int32_t>& v) { return typed_tensor(DType::I32, s, v); }

template <typename T>
std::vector<T> values_as(const Tensor& t) {
  std::vector<T> v(static_cast<size_t>(t.numel()));
  std::memcpy(v.data(), t.data(), t.bytes());
  return v;
}

// Runs one node `op` named "node": inputs[0] is a graph input, the rest constants (or graph inputs where
// `runtime` says so). Returns output 0.
inline Tensor run_one(OpType op, const std::vector<Tensor>& inputs, const Attributes& a,
                      KernelPath path = KernelPath::Reference, std::vector<bool> runtime = {}) {
  runtime.resize(inputs.size(), false);
  runtime[0] = true;
  GraphBuilder g;
  std::vector<int> ids;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string name = "in" + std::to_string(i);
    ids.push_back(runtime[i] ? g.input(name, inputs[i].dtype(), inputs[i].shape()) : g.constant(name, inputs[i]));
  }
  g.output(g.node(op, "node", ids, a));
  EngineOptions options;
  options.path = path;
  Engine engine(g.build(), options);
  ExecutionContext ctx(engine);
  for (size_t i = 0; i < inputs.size(); ++i)
    if (runtime[i]) std::memcpy(ctx.input("in" + std::to_string(i)).data, inputs[i].data(), inputs[i].bytes());
  ctx.run();
  const TensorView y = ctx.output(0);
  Tensor out(y.dtype, y.shape);
  std::memcpy(out.mutable_data(), y.data, y.bytes());
  return out;
}

// The message of the error that loading (or running) the node throws, "" if none.
inline std::string run_error(OpType op, const std::vector<Tensor>& inputs, const Attributes& a) {
  try {
    run_one(op, inputs, a);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace vigil::test
