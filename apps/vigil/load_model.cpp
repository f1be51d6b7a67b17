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

}  // namespace vigil::cli
