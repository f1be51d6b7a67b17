// Abs, Neg, Sqrt, Reciprocal, Exp, Log, Erf, Floor, Ceil on run-time values (on constants they fold, or
// run as a node when folding does not know them). Erf is how PyTorch exports nn.GELU before opset 20.
// Elu, Selu, Celu, ThresholdedRelu keep their float attributes with ONNX's defaults; their opset-1 forms
// (Elu-1, Selu-1 with the legacy `consumed_inputs`) are rejected by the attribute check, later versions only
// widen the types (f16, bf16) vigil does not compute.
#include <cmath>
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
      {"Softsign", OpType::Softsign}, {"Gelu", OpType::Gelu},
      {"Elu", OpType::Elu},           {"Selu", OpType::Selu},
      {"Celu", OpType::Celu},         {"ThresholdedRelu", OpType::ThresholdedRelu},
      {"Sin", OpType::Sin},
      {"Cos", OpType::Cos},
      {"Tan", OpType::Tan},
      {"Asin", OpType::Asin},
      {"Acos", OpType::Acos},
      {"Atan", OpType::Atan},
      {"Sinh", OpType::Sinh},
      {"Cosh", OpType::Cosh},
      {"Asinh", OpType::Asinh},
      {"Acosh", OpType::Acosh},
      {"Atanh", OpType::Atanh},
      {"Round", OpType::Round},
      {"Sign", OpType::Sign},
      {"Shrink", OpType::Shrink}};
  const auto it = ops.find(n.op_type());
  if (it == ops.end()) n.fail("is not a unary math op");
  Attributes a;
  if (it->second == OpType::Gelu) {  // opset 20
    n.check_attributes({"approximate"});
    const std::string approximate = n.get_string("approximate", "none");
    if (approximate != "none" && approximate != "tanh")
      n.fail(concat("approximate '", approximate, "' is not none or tanh"));
    a.set("approximate", approximate);
  } else if (it->second == OpType::Elu || it->second == OpType::Celu || it->second == OpType::ThresholdedRelu) {
    n.check_attributes({"alpha"});
    const float alpha = n.get_float("alpha", 1.0f);
    if (!std::isfinite(alpha)) n.fail(concat("alpha must be finite, got ", alpha));
    if (it->second == OpType::Celu && alpha == 0.0f) n.fail("alpha must not be 0 (Celu divides by it)");
    a.set("alpha", alpha);
  } else if (it->second == OpType::Selu) {
    n.check_attributes({"alpha", "gamma"});
    const float alpha = n.get_float("alpha", 1.67326319217681884765625f);
    const float gamma = n.get_float("gamma", 1.05070102214813232421875f);
    if (!std::isfinite(alpha) || !std::isfinite(gamma))
      n.fail(concat("alpha and gamma must be finite, got ", alpha, " and ", gamma));
    a.set("alpha", alpha);
    a.set("gamma", gamma);
  } else if (it->second == OpType::Shrink) {
    n.check_attributes({"bias", "lambd"});
    const float lambd = n.get_float("lambd", 0.5f), bias = n.get_float("bias", 0.0f);
    if (!std::isfinite(lambd) || !std::isfinite(bias))
      n.fail(concat("lambd and bias must be finite, got ", lambd, " and ", bias));
    a.set("lambd", lambd);
    a.set("bias", bias);
  } else {
    n.check_attributes({});
  }
  n.expect_inputs(1, 1);
  im.emit1(n, it->second, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
}

}  // namespace vigil::onnx
