// Importing ONNX models (our own protobuf wire-format decoder; no libprotobuf).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/graph.h"

namespace vigil {

struct OnnxImportOptions {
  // Fixes dynamic input dims: {"input", Shape{1, 3, 256, 256}}. Inputs not listed must be fully static.
  std::vector<std::pair<std::string, Shape>> input_shapes;
};

// Decodes, folds shape arithmetic and constants, maps every node onto vigil's ops and returns a
// validated graph whose value names are the ONNX names. Throws Error naming the file, node and reason.
Graph import_onnx(const std::string& path, const OnnxImportOptions& options = {});

}  // namespace vigil
