#include "apps/vigil/input_flags.h"

#include <cstring>

#include "engine/error.h"
#include "loaders/npy/npy.h"

namespace vigil::cli {

std::map<std::string, Tensor> read_input_flags(const ParsedArgs& args, const Graph& g) {
  std::map<std::string, Tensor> inputs;
  for (const std::string& spec : args.all("--input")) {
    std::string name, file;
    if (auto eq = spec.find('='); eq != std::string::npos) {
      name = spec.substr(0, eq);
      file = spec.substr(eq + 1);
    } else if (g.inputs.size() == 1) {
      name = g.values[static_cast<size_t>(g.inputs[0])].name;
      file = spec;
    } else {
      fail("--input '", spec, "': the model has ", g.inputs.size(), " inputs, so give NAME=FILE.npy");
    }
    if (inputs.count(name)) fail("--input: '", name, "' given twice");
    inputs[name] = read_npy(file);
  }
  return inputs;
}

void feed_inputs(const std::map<std::string, Tensor>& inputs, const Engine& engine, ExecutionContext& ctx,
                 bool require_all) {
  const Graph& g = engine.graph();
  for (const auto& [name, t] : inputs) {
    TensorView dst = ctx.input(engine.input_index(name));
    if (t.dtype() != dst.dtype || !(t.shape() == dst.shape))
      fail("--input ", name, ": the file holds ", dtype_name(t.dtype()), t.shape().str(), " but input '", name,
           "' is ", dtype_name(dst.dtype), dst.shape.str());
    std::memcpy(dst.data, t.data(), t.bytes());
  }
  if (require_all)
    for (int v : g.inputs) {
      const std::string& name = g.values[static_cast<size_t>(v)].name;
      if (!inputs.count(name)) fail("input '", name, "' was not given (--input NAME=FILE.npy)");
    }
}

}  // namespace vigil::cli
