#include "apps/vigil/input_flags.h"

#include <cstring>

#include "engine/error.h"
#include "kernels/cast/cast.h"
#include "loaders/npy/npy.h"

namespace vigil::cli {

std::vector<InputFile> read_input_files(const ParsedArgs& args) {
  std::vector<InputFile> files;
  for (const std::string& spec : args.all("--input")) {
    const auto eq = spec.find('=');
    const std::string name = eq == std::string::npos ? std::string() : spec.substr(0, eq);
    if (eq != std::string::npos && name.empty()) fail("--input '", spec, "': expected NAME=FILE.npy or FILE.npy");
    files.push_back({name, read_npy(eq == std::string::npos ? spec : spec.substr(eq + 1))});
  }
  return files;
}

std::map<std::string, Tensor> bind_input_files(std::vector<InputFile> files, const Graph& g) {
  std::map<std::string, Tensor> inputs;
  for (InputFile& f : files) {
    std::string name = f.name;
    if (name.empty()) {
      if (g.inputs.size() != 1)
        fail("--input: the model has ", g.inputs.size(), " inputs, so give each as NAME=FILE.npy");
      name = g.values[static_cast<size_t>(g.inputs[0])].name;
    }
    if (inputs.count(name)) fail("--input: '", name, "' given twice");
    inputs[name] = std::move(f.tensor);
  }
  return inputs;
}

std::vector<std::pair<std::string, Shape>> read_input_shape_flags(const ParsedArgs& args) {
  std::vector<std::pair<std::string, Shape>> shapes;
  for (const std::string& spec : args.all("--input-shape")) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) fail("--input-shape '", spec, "': expected NAME=1x3x256x256");
    shapes.push_back({spec.substr(0, eq), Shape::from(parse_dims(spec.substr(eq + 1), "--input-shape"))});
  }
  return shapes;
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
