// Importing ONNX models (our own protobuf wire-format decoder; no libprotobuf).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/graph.h"

namespace vigil {

struct OnnxImportOptions {
  // Fixes dynamic input dims: {"input", Shape{1, 3, 256, 256}}. A listed shape must agree with every dim the
  // model fixes. Inputs listed neither here nor in data_shapes must be fully static.
  std::vector<std::pair<std::string, Shape>> input_shapes;
  // The shapes of the tensors that will be fed (e.g. the .npy files given to `vigil run`), by input name; the
  // name "" stands for the model's only input. Unlike input_shapes they fill only what the model leaves open
  // (its dynamic dims, or the whole shape of an input that declares none): where the data's rank or a static
  // dim disagrees with the model, the model's shape stands and feeding the data reports the mismatch.
  std::vector<std::pair<std::string, Shape>> data_shapes;
  // Graph inputs to bake in as constants (name -> value): they stop being inputs, and shape arithmetic
  // or arguments vigil needs at load time (Reshape's shape, Slice's starts...) may then come from them.
  std::vector<std::pair<std::string, Tensor>> constant_inputs;
  // Run the load-time graph passes (zero-Pad and BatchNorm folding into convs, activation fusion) after import.
  bool optimize = true;
};

// Decodes, folds shape arithmetic and constants, maps every node onto vigil's ops and returns a
// validated graph whose value names are the ONNX names. Throws Error naming the file, node and reason.
Graph import_onnx(const std::string& path, const OnnxImportOptions& options = {});

// The same from the bytes of a .onnx file; `source` names it in error messages.
Graph import_onnx_bytes(std::span<const uint8_t> bytes, const OnnxImportOptions& options = {},
                        const std::string& source = "<memory>");

// The opsets of the default ONNX domain vigil reads, and the op types it accepts (mapped to vigil ops, and
// evaluated at load time on constants), for help texts and error messages. Opset 7 is where elementwise ops
// took numpy broadcasting; older models spell it with `broadcast`/`axis` attributes (convert them with
// onnx.version_converter).
inline constexpr int64_t kOnnxMinOpset = 7;
inline constexpr int64_t kOnnxMaxOpset = 28;
std::vector<std::string> onnx_mapped_ops();
std::vector<std::string> onnx_folded_ops();

}  // namespace vigil
