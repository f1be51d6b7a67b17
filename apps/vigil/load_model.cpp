#include <string>

#include "apps/vigil/commands.h"
#include "engine/error.h"
#include "loaders/onnx/onnx_import.h"
#include "loaders/vgl/vgl.h"

namespace vigil::cli {

Graph load_model(const std::string& path) {
  if (path.ends_with(".onnx")) return import_onnx(path);
  if (path.ends_with(".cfg"))
    fail(path, ": darknet models need their weights: convert them first with 'vigil convert ", path,
         " MODEL.weights -o MODEL.vgl'");
  return read_vgl(path);
}

Graph load_model(const std::string& path, const ParsedArgs& args, const std::vector<InputFile>& inputs) {
  if (!path.ends_with(".onnx")) {
    if (args.has("--input-shape"))
      fail("--input-shape is for ONNX models; ", path, "'s input shapes were fixed when it was converted");
    return load_model(path);
  }
  OnnxImportOptions options;
  options.input_shapes = read_input_shape_flags(args);
  for (const InputFile& f : inputs) options.data_shapes.push_back({f.name, f.tensor.shape()});
  return import_onnx(path, options);
}

}  // namespace vigil::cli
