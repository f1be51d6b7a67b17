// Ops whose output is laid out by index arithmetic on constant arguments: Trilu (a triangle of each matrix) and
// OneHot (a row of `depth` values per index). Their shape-like arguments (Trilu's k, OneHot's depth) must be
// constants, folded into attributes, so that vigil's shapes stay static; a run-time one is an error naming the node.
#include "engine/error.h"
#include "loaders/onnx/op_mapping.h"

namespace vigil::onnx {

namespace {

// The single value of a constant scalar (or one-element) input, as an integer (floats truncated toward zero, as
// the spec's cast to int64 does).
int64_t const_scalar(Importer& im, const NodeInfo& n, int i, const char* what) {
  if (!im.is_const(n, i))
    n.fail(concat(what, " is only known at run time; vigil needs it at load (the output shape depends on it)"));
  const ConstTensor& c = *im.in(n, i).constant;
  if (c.numel() != 1) n.fail(concat(what, " must hold one value, got ", c.numel()));
  if (!c.is_float()) return c.i[0];
  const float v = c.f[0];
  if (!(v > -9.2e18f && v < 9.2e18f)) n.fail(concat(what, " ", v, " is not a usable integer"));
  return static_cast<int64_t>(v);
}

}  // namespace

// Trilu (opset 14): attribute upper; the optional k input (default 0) must be a constant.
void map_trilu(Importer& im, const NodeInfo& n) {
  n.check_attributes({"upper"});
  n.expect_inputs(1, 2);
  const int64_t upper = n.get_int("upper", 1);
  if (upper != 0 && upper != 1) n.fail(concat("upper must be 0 or 1, got ", upper));
  Attributes a;
  a.set("upper", upper);
  a.set("k", n.has_input(1) ? const_scalar(im, n, 1, "k") : int64_t{0});
  im.emit1(n, OpType::Trilu, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
}

// OneHot (opset 9/11): indices, depth (a constant: it is the size of the new dim), values [off_value, on_value];
// attribute axis (default -1).
void map_one_hot(Importer& im, const NodeInfo& n) {
  n.check_attributes({"axis"});
  n.expect_inputs(3, 3);
  const int64_t depth = const_scalar(im, n, 1, "depth");
  if (depth < 1) n.fail(concat("depth must be >= 1, got ", depth));
  Attributes a;
  a.set("depth", depth);
  a.set("axis", n.get_int("axis", -1));
  im.emit1(n, OpType::OneHot, n.name(), {im.value(n, 0), im.value(n, 2)}, n.output(0), std::move(a));
}

}  // namespace vigil::onnx
