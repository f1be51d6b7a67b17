// Abs, Neg, Sqrt, Reciprocal, Exp, Log, Erf, Floor, Ceil on run-time values (on constants they fold, or
// run as a node when folding does not know them). Erf is how PyTorch exports nn.GELU before opset 20.
#include <string>
#include <unordered_map>

#include "engine/error.h"
#include "loaders/onnx/op_mapping.h"

namespace vigil::onnx {

void map_unary(Importer& im, const NodeInfo& n) {
  static const std::unordered_map<std::string, OpType> ops = {
      {"Abs", OpType::Abs},           {"Neg", OpType::Neg},
      {"Sqrt", OpType::Sqrt},         {"Reciprocal", OpType::Reciprocal},
      {"Exp", OpType::Exp},           {"Log", OpType::Log},
      {"Erf", OpType::Erf},           {"Floor", OpType::Floor},
      {"Ceil", OpType::Ceil},         {"Softplus", OpType::Softplus},
      {"Softsign", OpType::Softsign}, {"Gelu", OpType::Gelu}};
  const auto it = ops.find(n.op_type());
  if (it == ops.end()) n.fail("is not a unary math op");
  Attributes a;
  if (it->second == OpType::Gelu) {  // opset 20
    n.check_attributes({"approximate"});
    const std::string approximate = n.get_string("approximate", "none");
    if (approximate != "none" && approximate != "tanh")
      n.fail(concat("approximate '", approximate, "' is not none or tanh"));
    a.set("approximate", approximate);
  } else {
    n.check_attributes({});
  }
  n.expect_inputs(1, 1);
  im.emit1(n, it->second, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
}

}  // namespace vigil::onnx
