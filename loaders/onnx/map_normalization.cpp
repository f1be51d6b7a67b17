// LayerNormalization (opset 17): PyTorch's nn.LayerNorm, e.g. in a transformer temporal head.
// InstanceNormalization and GroupNormalization: nn.InstanceNorm*d(affine) and nn.GroupNorm, both onto GroupNorm.
// LRN (opset 1/13): nn.LocalResponseNorm, AlexNet/GoogLeNet/CaffeNet.
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

// InstanceNormalization (opset 6+; 1 had the legacy consumed_inputs, 22 only adds bf16): X [N, C, D...], scale
// [C], B [C], epsilon (1e-5). It is GroupNorm with one group per channel.
// GroupNormalization: num_groups (required), epsilon (1e-5); opset 21 adds stash_type and makes scale and bias
// per channel [C]. Opset 18 has them per group [G] (the reason 21 replaced it): a constant one is repeated to
// [C] here (each group's value for its C/G channels); a run-time one is an error unless G = C.
void map_group_norm(Importer& im, const NodeInfo& n) {
  const bool instance = n.op_type() == "InstanceNormalization";
  if (instance)
    n.check_attributes({"epsilon"});
  else if (n.opset() >= 21)
    n.check_attributes({"epsilon", "num_groups", "stash_type"});
  else
    n.check_attributes({"epsilon", "num_groups"});
  n.expect_inputs(3, 3);
  for (int i = 0; i < 3; ++i)
    if (!n.has_input(i)) n.fail(concat("input ", i, " (X, scale, bias) is required"));
  // stash_type 1 asks for float statistics; vigil computes them in double, which only adds accuracy.
  if (const int64_t stash = n.get_int("stash_type", 1); stash != 1)
    n.fail(concat("stash_type ", stash, " is not supported (only 1: float)"));
  const Shape x = im.shape_of(n, 0);
  if (x.rank < (instance ? 3 : 2))
    n.fail(concat("X must have rank >= ", instance ? 3 : 2, " ([N, C, ...]), got ", x.str()));
  const int64_t channels = x[1];
  int64_t groups = channels;
  if (!instance) {
    if (!n.has_attr("num_groups")) n.fail("the num_groups attribute is required");
    groups = n.get_int("num_groups", 0);
    if (groups < 1 || channels % groups != 0)
      n.fail(concat("num_groups ", groups, " must be >= 1 and divide the ", channels, " channels"));
  }
  Attributes a;
  a.set("num_groups", groups);
  a.set("epsilon", n.get_float("epsilon", 1e-5f));
  std::vector<int> inputs{im.value(n, 0)};
  for (int i = 1; i < 3; ++i) {
    const char* what = i == 1 ? "scale" : "bias";
    const std::vector<int64_t> dims = im.dims_of(n, i);
    const bool per_group = !instance && n.opset() < 21 && groups != channels;
    const int64_t want = per_group ? groups : channels;
    if (dims.size() != 1 || dims[0] != want)
      n.fail(concat(what, " must have shape [", want, "] (one value per ", per_group ? "group" : "channel",
                    " at opset ", n.opset(), "), got ", im.shape_of(n, i).str()));
    if (!per_group) {
      inputs.push_back(im.value(n, i));
      continue;
    }
    const std::vector<float> per_group_values = im.const_floats(n, i, what);  // error if run-time
    std::vector<float> per_channel;
    for (int64_t c = 0; c < channels; ++c)
      per_channel.push_back(per_group_values[static_cast<size_t>(c / (channels / groups))]);
    inputs.push_back(
        im.emit_constant(im.fresh_name(n.input(i), "per_channel"), ConstTensor::floats({channels}, per_channel), n));
  }
  im.emit1(n, OpType::GroupNorm, n.name(), inputs, n.output(0), std::move(a));
}

// LRN: size (required), alpha, beta, bias with ONNX's defaults; the engine op checks their values.
void map_lrn(Importer& im, const NodeInfo& n) {
  n.check_attributes({"alpha", "beta", "bias", "size"});
  n.expect_inputs(1, 1);
  if (!n.has_attr("size")) n.fail("attribute 'size' is required");
  Attributes a;
  a.set("size", n.get_int("size", 1));
  a.set("alpha", n.get_float("alpha", 1e-4f));
  a.set("beta", n.get_float("beta", 0.75f));
  a.set("bias", n.get_float("bias", 1.0f));
  im.emit1(n, OpType::Lrn, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
}

}  // namespace vigil::onnx
