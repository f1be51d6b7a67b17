#include <string>

#include "apps/vigil/commands.h"
#include "engine/error.h"
#include "loaders/onnx/onnx_import.h"
#include "loaders/vgl/vgl.h"

namespace vigil::cli {

namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

Graph load_model(const std::string& path) {
  if (ends_with(path, ".onnx")) return import_onnx(path);
  if (ends_with(path, ".cfg"))
    fail(path, ": darknet models need their weights: convert them first with 'vigil convert ", path,
         " MODEL.weights -o MODEL.vgl'");
  return read_vgl(path);
}

}  // namespace vigil::cli
