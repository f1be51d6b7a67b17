#include "apps/vigil/input_flags.h"

#include <cstring>

#include "engine/error.h"
#include "kernels/cast/cast.h"
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

Tensor in_input_dtype(const Tensor& t, DType dtype) {
  // NumPy has no bfloat16: a bf16 input takes f32 values, rounded to nearest even. read_npy gives <f8 files
  // as f32, which an f64 input takes (vigil computes in f32 anyway).
  if (t.dtype() != DType::F32 || (dtype != DType::BF16 && dtype != DType::F64)) return t;
  Tensor converted(dtype, t.shape());
  kernels::cast_reference(kernels::ElemType::F32,
                          dtype == DType::BF16 ? kernels::ElemType::BF16 : kernels::ElemType::F64, t.data(),
                          converted.mutable_data(), 0, t.numel());
  return converted;
}

void feed_inputs(const std::map<std::string, Tensor>& inputs, const Engine& engine, ExecutionContext& ctx,
                 bool require_all) {
  const Graph& g = engine.graph();
  for (const auto& [name, given] : inputs) {
    TensorView dst = ctx.input(engine.input_index(name));
    const Tensor t = in_input_dtype(given, dst.dtype);
    if (t.dtype() != dst.dtype || !(t.shape() == dst.shape))
      fail("--input ", name, ": the file holds ", dtype_name(given.dtype()), given.shape().str(), " but input '", name,
           "' is ", dtype_name(dst.dtype), dst.shape.str(),
           dst.dtype == DType::BF16 ? " (give bf16 inputs as float32 .npy files)" : "");
    std::memcpy(dst.data, t.data(), t.bytes());
  }
  if (require_all)
    for (int v : g.inputs) {
      const std::string& name = g.values[static_cast<size_t>(v)].name;
      if (!inputs.count(name)) fail("input '", name, "' was not given (--input NAME=FILE.npy)");
    }
}

}  // namespace vigil::cli
