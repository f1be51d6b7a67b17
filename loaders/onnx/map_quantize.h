// ONNX QDQ quantization (QuantizeLinear / DequantizeLinear), as onnxruntime's quantize_static writes it:
//  - DequantizeLinear of a constant integer tensor folds at load into an f32 constant,
//    y = float(x - zero_point) * scale, per-tensor or per-axis;
//  - QuantizeLinear of a constant f32 tensor folds into an integer constant;
//  - QuantizeLinear of a run-time f32 value whose every consumer is a DequantizeLinear with the same scale
//    and zero point becomes one FakeQuantize node per pair (f32 in, f32 out).
// Everything else that would need integer tensors at run time is an error naming the node.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "loaders/onnx/import_context.h"

namespace vigil::onnx {

class QuantizationImporter {
 public:
  // `live` marks the graph's nodes that feed an output (only their reads of a QuantizeLinear count).
  QuantizationImporter(Importer& im, const GraphProto& graph, const std::vector<bool>& live)
      : im_(im), graph_(graph), live_(live) {}

  static bool handles(const std::string& op_type) {
    return op_type == "QuantizeLinear" || op_type == "DequantizeLinear";
  }
  void import(const NodeInfo& n);

  // A node's quantization: scales and zero points (one, or one per index of `axis`) and the integer range.
  struct Params {
    int32_t int_type = 0;  // ONNX DataType of the integers
    int64_t qmin = 0, qmax = 0;
    std::vector<float> scales;
    std::vector<int64_t> zero_points;
    int axis = -1;  // normalised; -1 for per-tensor
    bool operator==(const Params&) const = default;
  };

 private:
  struct PendingQuantize {
    std::string input;  // the f32 value quantized
    Params params;
    std::string dequantized;  // the first DequantizeLinear output emitted for it ("" until then)
  };

  void import_quantize(const NodeInfo& n);
  void import_dequantize(const NodeInfo& n);
  void check_consumers(const NodeInfo& n) const;

  Importer& im_;
  const GraphProto& graph_;
  const std::vector<bool>& live_;
  std::unordered_map<std::string, PendingQuantize> pending_;  // by QuantizeLinear output name
};

}  // namespace vigil::onnx
