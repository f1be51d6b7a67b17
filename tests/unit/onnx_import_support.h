// Importing a model built with test_onnx_encoder.h in a test: the graph, or the error's message.
#pragma once

#include <string>

#include "engine/error.h"
#include "loaders/onnx/onnx_import.h"
#include "test_onnx_encoder.h"

namespace vigil::test {

inline Graph import(const GraphSpec& g, int64_t opset = 13, OnnxImportOptions options = {},
                    const char* file = "test.onnx") {
  return import_onnx_bytes(model(g, opset), options, file);
}

// The importer's message for `g`, or "(no error)".
inline std::string import_error(const GraphSpec& g, int64_t opset = 13, OnnxImportOptions options = {},
                                const char* file = "test.onnx") {
  try {
    import(g, opset, options, file);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace vigil::test
