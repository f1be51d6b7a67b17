// The ops that work on groups of elements along some axes: LpNormalization, MeanVarianceNormalization,
// RMSNormalization (opset 23), Hardmax and CumSum. Axes are normalised here and written as the engine's
// `axes` / `axis` attributes; CumSum's axis input must be a constant.
#include <string>
#include <vector>

#include "engine/error.h"
#include "loaders/onnx/op_mapping.h"

namespace vigil::onnx {

using Ints = std::vector<int64_t>;

namespace {

int rank_of(Importer& im, const NodeInfo& n) {
  const Shape x = im.shape_of(n, 0);
  if (x.rank == 0) n.fail("input is a scalar");
  return x.rank;
}

}  // namespace

void map_lp_normalization(Importer& im, const NodeInfo& n) {
  n.check_attributes({"axis", "p"});
  n.expect_inputs(1, 1);
  const int axis = normalize_axis(n, n.get_int("axis", -1), rank_of(im, n), "axis");
  const int64_t p = n.get_int("p", 2);
  if (p != 1 && p != 2) n.fail(concat("p must be 1 or 2, got ", p));
  Attributes a;
  a.set("axes", Ints{axis});
  a.set("p", p);
  im.emit1(n, OpType::LpNormalization, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
}

void map_mean_variance_normalization(Importer& im, const NodeInfo& n) {
  n.check_attributes({"axes"});
  n.expect_inputs(1, 1);
  const int rank = rank_of(im, n);
  Ints axes;
  for (int64_t v : n.get_ints("axes").value_or(Ints{0, 2, 3})) axes.push_back(normalize_axis(n, v, rank, "axes"));
  Attributes a;
  a.set("axes", axes);
  im.emit1(n, OpType::MeanVarianceNormalization, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
}

void map_rms_normalization(Importer& im, const NodeInfo& n) {
  n.check_attributes({"axis", "epsilon", "stash_type"});
  n.expect_inputs(2, 2);
  // stash_type picks the precision of the intermediate sums (1: float); vigil sums in double either way.
  const int64_t stash_type = n.get_int("stash_type", 1);
  if (stash_type != 1) n.fail(concat("stash_type ", stash_type, " is not supported (only 1, float)"));
  Attributes a;
  a.set("axis", static_cast<int64_t>(normalize_axis(n, n.get_int("axis", -1), rank_of(im, n), "axis")));
  a.set("epsilon", n.get_float("epsilon", 1e-5f));
  im.emit1(n, OpType::RmsNormalization, n.name(), {im.value(n, 0), im.value(n, 1)}, n.output(0), std::move(a));
}

void map_hardmax(Importer& im, const NodeInfo& n) {
  n.check_attributes({"axis"});
  n.expect_inputs(1, 1);
  const int rank = rank_of(im, n);
  Ints axes;
  if (n.opset() >= 13) {
    axes.push_back(normalize_axis(n, n.get_int("axis", -1), rank, "axis"));
  } else {  // X coerced to 2-D [prod(dims < axis), prod(dims >= axis)]: the groups span every axis from `axis` on
    for (int d = normalize_axis(n, n.get_int("axis", 1), rank, "axis"); d < rank; ++d) axes.push_back(d);
  }
  Attributes a;
  a.set("axes", axes);
  im.emit1(n, OpType::Hardmax, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
}

void map_cumsum(Importer& im, const NodeInfo& n) {
  n.check_attributes({"exclusive", "reverse"});
  n.expect_inputs(2, 2);
  const Ints axis = im.const_ints(n, 1, "axis");
  if (axis.size() != 1) n.fail(concat("axis must hold one value, got ", axis.size()));
  const int64_t exclusive = n.get_int("exclusive", 0), reverse = n.get_int("reverse", 0);
  if (exclusive != 0 && exclusive != 1) n.fail(concat("exclusive must be 0 or 1, got ", exclusive));
  if (reverse != 0 && reverse != 1) n.fail(concat("reverse must be 0 or 1, got ", reverse));
  Attributes a;
  a.set("axis", static_cast<int64_t>(normalize_axis(n, axis[0], rank_of(im, n), "axis")));
  a.set("exclusive", exclusive);
  a.set("reverse", reverse);
  im.emit1(n, OpType::CumSum, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
}

}  // namespace vigil::onnx
