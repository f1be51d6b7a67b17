// GatherElements, GatherND, ScatterND, ScatterElements and the deprecated Scatter with constant indices (as
// exported models use them: YOLOv5-style exports write slice assignments as ScatterND, torch.scatter exports as
// ScatterElements). The indices stay a constant input of the engine op, which works out the
// element offsets at load (engine/ops/indexed_copy.cpp). GatherElements (torch.gather after a topk) and
// ScatterElements (the unsort after an LSTM over a pack_padded_sequence) also take indices computed at run time;
// for ScatterND and GatherND they are an error naming the node.
#include <string>

#include "engine/error.h"
#include "loaders/onnx/op_mapping.h"

namespace vigil::onnx {

namespace {

void expect_constant_indices(Importer& im, const NodeInfo& n) {
  if (!im.is_const(n, 1))
    n.fail(
        "indices are only known at run time; vigil needs them at load (constant indices, as exporters write "
        "slice assignments)");
}

std::string reduction_of(const NodeInfo& n) {
  const std::string reduction = n.get_string("reduction", "none");
  if (reduction != "none" && reduction != "add" && reduction != "mul" && reduction != "max" && reduction != "min")
    n.fail(concat("reduction must be none, add, mul, max or min, got '", reduction, "'"));
  return reduction;
}

}  // namespace

void map_gather_elements(Importer& im, const NodeInfo& n) {  // indices constant or computed at run time
  n.check_attributes({"axis"});
  n.expect_inputs(2, 2);
  Attributes a;
  a.set("axis", static_cast<int64_t>(normalize_axis(n, n.get_int("axis", 0), im.shape_of(n, 0).rank, "axis")));
  im.emit1(n, OpType::GatherElements, n.name(), {im.value(n, 0), im.value(n, 1)}, n.output(0), std::move(a));
}

void map_scatter_nd(Importer& im, const NodeInfo& n) {
  n.check_attributes({"reduction"});
  n.expect_inputs(3, 3);
  expect_constant_indices(im, n);
  Attributes a;
  a.set("reduction", reduction_of(n));
  im.emit1(n, OpType::ScatterNd, n.name(), {im.value(n, 0), im.value(n, 1), im.value(n, 2)}, n.output(0), std::move(a));
}

void map_gather_nd(Importer& im, const NodeInfo& n) {
  n.check_attributes({"batch_dims"});
  n.expect_inputs(2, 2);
  expect_constant_indices(im, n);
  Attributes a;
  a.set("batch_dims", n.get_int("batch_dims", 0));
  im.emit1(n, OpType::GatherNd, n.name(), {im.value(n, 0), im.value(n, 1)}, n.output(0), std::move(a));
}

// ScatterElements (opset 11; reduction add/mul from 16, max/min from 18) and Scatter (opsets 9-10: the same
// without reduction).
void map_scatter_elements(Importer& im, const NodeInfo& n) {
  if (n.op_type() == "Scatter")
    n.check_attributes({"axis"});
  else
    n.check_attributes({"axis", "reduction"});
  n.expect_inputs(3, 3);  // indices constant or computed at run time (the unsort of pack_padded_sequence)
  Attributes a;
  a.set("axis", static_cast<int64_t>(normalize_axis(n, n.get_int("axis", 0), im.shape_of(n, 0).rank, "axis")));
  a.set("reduction", reduction_of(n));
  im.emit1(n, OpType::ScatterElements, n.name(), {im.value(n, 0), im.value(n, 1), im.value(n, 2)}, n.output(0),
           std::move(a));
}

}  // namespace vigil::onnx
