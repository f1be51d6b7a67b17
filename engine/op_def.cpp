#include "engine/op_def.h"

#include <algorithm>
#include <array>

#include "engine/error.h"
#include "engine/ops/op_defs.h"

namespace vigil {

std::string_view op_name(OpType t) {
  static constexpr std::string_view names[] = {
#define VIGIL_OP_NAME(e, name, ...) name,
      VIGIL_OPS(VIGIL_OP_NAME)
#undef VIGIL_OP_NAME
  };
  int i = static_cast<int>(t);
  return i >= 0 && i < kOpCount ? names[i] : std::string_view("<invalid op>");
}

std::optional<OpType> op_from_name(std::string_view name) {
  for (int i = 0; i < kOpCount; ++i)
    if (op_name(static_cast<OpType>(i)) == name) return static_cast<OpType>(i);
  return std::nullopt;
}

const OpDef& op_def(OpType t) {
  // One row per op, in the order of VIGIL_OPS; each kXxxOp is defined in engine/ops/.
  static const std::array<const OpDef*, kOpCount> table = {
#define VIGIL_OP_ROW(e, ...) &ops::k##e##Op,
      VIGIL_OPS(VIGIL_OP_ROW)
#undef VIGIL_OP_ROW
  };
  int i = static_cast<int>(t);
  if (i < 0 || i >= kOpCount) fail("invalid op code ", i);
  return *table[static_cast<size_t>(i)];
}

void fail_node(const Node& node, const std::string& why) { fail(node.label(), ": ", why); }

void expect_f32(const Node& node, std::span<const TensorInfo> inputs) {
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].present() && inputs[i].dtype != DType::F32)
      fail_node(node, concat("input ", i, " is ", dtype_name(inputs[i].dtype), ", expected f32"));
}

int axis_attr(const Node& node, const Shape& x) {
  if (x.rank < 1) fail_node(node, concat("input must have rank >= 1, got shape ", x.str()));
  const int64_t axis = node.attrs.get_int("axis", -1, node.label());
  if (axis < -x.rank || axis >= x.rank)
    fail_node(node, concat("axis ", axis, " is out of range for input shape ", x.str()));
  return static_cast<int>(axis < 0 ? axis + x.rank : axis);
}

Shape broadcast_shape(const Node& node, const Shape& a, const Shape& b) {
  Shape out;
  out.rank = std::max(a.rank, b.rank);
  for (int i = 0; i < out.rank; ++i) {  // i counts from the right
    const int da = a.rank - 1 - i, db = b.rank - 1 - i;
    const int64_t x = da >= 0 ? a[da] : 1, y = db >= 0 ? b[db] : 1;
    if (x != y && x != 1 && y != 1)
      fail_node(node, concat("cannot broadcast input shapes ", a.str(), " and ", b.str(), " (dim ", x, " vs ", y,
                             " at position ", i, " from the right)"));
    out[out.rank - 1 - i] = x == 1 ? y : x;
  }
  return out;
}

void expect_rank(const Node& node, const TensorInfo& t, int rank, const char* which) {
  if (t.shape.rank != rank) fail_node(node, concat(which, " must have rank ", rank, ", got shape ", t.shape.str()));
}

std::vector<int64_t> ints_attr(const Node& node, const char* name, std::vector<int64_t> fallback, size_t count,
                               int64_t min_value) {
  std::vector<int64_t> v = node.attrs.get_ints(name, std::move(fallback), node.label());
  if (v.size() != count) fail_node(node, concat("attribute '", name, "' must have ", count, " values, got ", v.size()));
  for (int64_t e : v)
    if (e < min_value) fail_node(node, concat("attribute '", name, "' values must be >= ", min_value, ", got ", e));
  return v;
}

bool flag_attr(const Node& node, const char* name, int64_t fallback) {
  const int64_t v = node.attrs.get_int(name, fallback, node.label());
  if (v != 0 && v != 1) fail_node(node, concat(name, " must be 0 or 1, got ", v));
  return v == 1;
}

void expect_explicit_pads(const Node& node) {
  const std::string auto_pad = node.attrs.get_string("auto_pad", "NOTSET", node.label());
  if (auto_pad != "NOTSET")
    fail_node(node, concat("auto_pad '", auto_pad, "' is not supported: importers must convert it to pads"));
}

void expect_grouped_channels(const Node& node, const Shape& x, const Shape& w, int64_t group) {
  if (group < 1) fail_node(node, concat("group must be >= 1, got ", group));
  if (x[1] % group != 0)
    fail_node(node, concat("input channels ", x[1], " (X ", x.str(), ") are not divisible by group ", group));
  if (w[0] % group != 0)
    fail_node(node, concat("output channels ", w[0], " (W ", w.str(), ") are not divisible by group ", group));
  if (w[1] * group != x[1])
    fail_node(node, concat("weight W ", w.str(), " expects ", w[1] * group, " input channels (", w[1],
                           " per group x group ", group, ") but X ", x.str(), " has ", x[1]));
}

}  // namespace vigil
