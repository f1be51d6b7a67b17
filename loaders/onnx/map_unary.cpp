// Abs, Neg, Sqrt, Reciprocal, Exp, Log, Erf, Floor, Ceil on run-time values (on constants they fold, or
// run as a node when folding does not know them). Erf is how PyTorch exports nn.GELU before opset 20.
#include <string>
#include <unordered_map>

#include "engine/error.h"
#include "loaders/onnx/op_mapping.h"

namespace vigil::onnx {

void map_unary(Importer& im, const NodeInfo& n) {
  static const std::unordered_map<std::string, OpType> ops = {
      {"Abs", OpType::Abs}, {"Neg", OpType::Neg}, {"Sqrt", OpType::Sqrt},   {"Reciprocal", OpType::Reciprocal},
      {"Exp", OpType::Exp}, {"Log", OpType::Log}, {"Erf", OpType::Erf},     {"Floor", OpType::Floor},
      {"Ceil", OpType::Ceil}};
  const auto it = ops.find(n.op_type());
  if (it == ops.end()) n.fail("is not a unary math op");
  n.check_attributes({});
  n.expect_inputs(1, 1);
  im.emit1(n, it->second, n.name(), {im.value(n, 0)}, n.output(0));
}

}  // namespace vigil::onnx
