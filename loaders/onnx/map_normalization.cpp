// LayerNormalization (opset 17): PyTorch's nn.LayerNorm, e.g. in a transformer temporal head.
#include <algorithm>
#include <string>
#include <vector>

#include "engine/error.h"
#include "loaders/onnx/op_mapping.h"

namespace vigil::onnx {

void map_layer_norm(Importer& im, const NodeInfo& n) {
  n.check_attributes({"axis", "epsilon", "stash_type"});
  n.expect_inputs(2, 3);
  // stash_type 1 asks for float statistics; vigil computes them in double, which only adds accuracy.
  if (const int64_t stash = n.get_int("stash_type", 1); stash != 1)
    n.fail(concat("stash_type ", stash, " is not supported (only 1: float)"));
  const Shape x = im.shape_of(n, 0);
  if (x.rank < 1) n.fail("input is a scalar");
  Attributes a;
  a.set("axis", static_cast<int64_t>(normalize_axis(n, n.get_int("axis", -1), x.rank, "axis")));
  a.set("epsilon", n.get_float("epsilon", 1e-5f));
  std::vector<int> inputs{im.value(n, 0), im.value(n, 1)};
  if (n.has_input(2)) inputs.push_back(im.value(n, 2));
  // Mean and InvStdDev (for training; exporters of inference models usually leave them out).
  std::vector<std::string> outputs;
  for (int k = 0; k < std::min(n.num_outputs(), 3); ++k) outputs.push_back(n.has_output(k) ? n.output(k) : "");
  while (outputs.size() > 1 && outputs.back().empty()) outputs.pop_back();
  im.emit(n, OpType::LayerNorm, n.name(), inputs, outputs, std::move(a));
}

}  // namespace vigil::onnx
