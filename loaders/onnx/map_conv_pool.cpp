// Conv, MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool and BatchNormalization. 2-D nodes (NCHW) map
// to vigil's 2-D ops and 3-D nodes (NCDHW, video) to Conv3d / MaxPool3d / AveragePool3d; 1-D ONNX nodes
// ([N,C,L]) run as 2-D with a unit height: Unsqueeze(axis 2) -> op -> Squeeze(axis 2).
#include <algorithm>
#include <cmath>

#include "engine/error.h"
#include "loaders/onnx/op_mapping.h"

namespace vigil::onnx {

namespace {

using Ints = std::vector<int64_t>;

struct Window {
  Ints kernel;  // spatial dims only
  Ints strides, dilations, pads_begin, pads_end;
};

Ints ints_or(const NodeInfo& n, const char* name, size_t count, int64_t fallback, int64_t min_value) {
  Ints v = n.get_ints(name).value_or(Ints(count, fallback));
  if (v.size() != count) n.fail(concat("attribute '", name, "' has ", v.size(), " values, expected ", count));
  for (int64_t e : v)
    if (e < min_value) n.fail(concat("attribute '", name, "' has value ", e, "; values must be >= ", min_value));
  return v;
}

// Strides, dilations and explicit pads, resolving auto_pad against the input's spatial dims.
Window window_params(const NodeInfo& n, const Ints& in_spatial, Ints kernel, bool has_dilations) {
  const size_t s = in_spatial.size();
  Window w;
  w.kernel = std::move(kernel);
  w.strides = ints_or(n, "strides", s, 1, 1);
  w.dilations = has_dilations ? ints_or(n, "dilations", s, 1, 1) : Ints(s, 1);
  const std::string auto_pad = n.get_string("auto_pad", "NOTSET");
  if (auto_pad == "NOTSET") {
    Ints pads = ints_or(n, "pads", 2 * s, 0, 0);
    w.pads_begin.assign(pads.begin(), pads.begin() + static_cast<long>(s));
    w.pads_end.assign(pads.begin() + static_cast<long>(s), pads.end());
  } else if (auto_pad == "VALID") {
    w.pads_begin.assign(s, 0);
    w.pads_end.assign(s, 0);
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    // Output = ceil(in / stride); the padding needed for it is split with the odd pixel at the end
    // (SAME_UPPER) or the beginning (SAME_LOWER).
    for (size_t k = 0; k < s; ++k) {
      const int64_t out = (in_spatial[k] + w.strides[k] - 1) / w.strides[k];
      const int64_t extent = (w.kernel[k] - 1) * w.dilations[k] + 1;
      const int64_t total = std::max<int64_t>(0, (out - 1) * w.strides[k] + extent - in_spatial[k]);
      const int64_t small = total / 2, large = total - small;
      w.pads_begin.push_back(auto_pad == "SAME_UPPER" ? small : large);
      w.pads_end.push_back(auto_pad == "SAME_UPPER" ? large : small);
    }
  } else {
    n.fail(concat("auto_pad '", auto_pad, "' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER"));
  }
  return w;
}

// The attributes of a 2-D or 3-D window op; a 1-D window becomes 1 x L.
void set_window_attrs(Attributes& a, const Window& w, bool with_dilations, bool with_kernel_shape) {
  const bool one_d = w.kernel.size() == 1;
  auto two = [&](const Ints& v, int64_t pad_value) { return one_d ? Ints{pad_value, v[0]} : v; };
  if (with_kernel_shape) a.set("kernel_shape", two(w.kernel, 1));
  a.set("strides", two(w.strides, 1));
  if (with_dilations) a.set("dilations", two(w.dilations, 1));
  Ints pads = one_d ? Ints{0, w.pads_begin[0], 0, w.pads_end[0]} : w.pads_begin;
  if (!one_d) pads.insert(pads.end(), w.pads_end.begin(), w.pads_end.end());
  a.set("pads", pads);
}

Ints spatial_of(const Shape& s) { return {s.dims.begin() + 2, s.dims.begin() + s.rank}; }

void expect_spatial_rank(const NodeInfo& n, const Shape& x) {
  if (x.rank < 3 || x.rank > 5)
    n.fail(
        concat("vigil supports 1-D, 2-D and 3-D ", n.op_type(), " (input rank 3, 4 or 5); input has shape ", x.str()));
}

// A pool's required kernel_shape: one positive size per spatial dim of x.
Ints pool_kernel_shape(const NodeInfo& n, const Shape& x) {
  auto kernel = n.get_ints("kernel_shape");
  if (!kernel) n.fail("attribute 'kernel_shape' is required");
  if (kernel->size() != static_cast<size_t>(x.rank - 2))
    n.fail(concat("kernel_shape ", dims_str(*kernel), " does not match input ", x.str()));
  for (int64_t k : *kernel)
    if (k < 1) n.fail(concat("kernel_shape ", dims_str(*kernel), " has a non-positive size"));
  return *kernel;
}

}  // namespace

void emit_spatial(Importer& im, const NodeInfo& n, OpType op, int x, bool one_d, std::vector<int> extra,
                  Attributes attrs) {
  const std::string out = n.output(0);
  if (!one_d) {
    std::vector<int> inputs{x};
    inputs.insert(inputs.end(), extra.begin(), extra.end());
    im.emit1(n, op, n.name(), inputs, out, std::move(attrs));
    return;
  }
  Attributes unsq;
  unsq.set("axes", Ints{2});
  const int x4 = im.emit1(n, OpType::Unsqueeze, n.name() + "/to_2d", {x}, im.fresh_name(out, "input_2d"), unsq);
  std::vector<int> inputs{x4};
  inputs.insert(inputs.end(), extra.begin(), extra.end());
  const int y4 = im.emit1(n, op, n.name(), inputs, im.fresh_name(out, "2d"), std::move(attrs));
  im.emit1(n, OpType::Squeeze, n.name() + "/to_1d", {y4}, out, unsq);
}

int conv_weight_2d(Importer& im, const NodeInfo& n, bool one_d) {
  if (!one_d) return im.value(n, 1);
  // A constant 1-D kernel [M,C,k] (ConvTranspose: [C,M/group,k]) is stored as [..,..,1,k]; a run-time one goes
  // through Unsqueeze.
  if (im.is_const(n, 1)) {
    ConstTensor w4 = im.require_const(n, 1, "weight");
    w4.dims.insert(w4.dims.begin() + 2, 1);
    return im.emit_constant(im.fresh_name(n.input(1), "2d"), w4, n);
  }
  Attributes unsq;
  unsq.set("axes", Ints{2});
  return im.emit1(n, OpType::Unsqueeze, n.name() + "/weight_to_2d", {im.value(n, 1)}, im.fresh_name(n.input(1), "2d"),
                  unsq);
}

void map_conv(Importer& im, const NodeInfo& n) {
  n.check_attributes({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
  n.expect_inputs(2, 3);
  const Shape x = im.shape_of(n, 0);
  const Shape w_shape = im.shape_of(n, 1);
  expect_spatial_rank(n, x);
  if (w_shape.rank != x.rank) n.fail(concat("weight W ", w_shape.str(), " and input X ", x.str(), " differ in rank"));
  const bool one_d = x.rank == 3;
  Ints kernel = spatial_of(w_shape);
  if (auto ks = n.get_ints("kernel_shape"); ks && *ks != kernel)
    n.fail(concat("kernel_shape ", dims_str(*ks), " does not match weight W ", w_shape.str()));
  const Window win = window_params(n, spatial_of(x), kernel, true);
  Attributes a;
  set_window_attrs(a, win, true, false);
  a.set("group", n.get_int("group", 1));

  std::vector<int> extra{conv_weight_2d(im, n, one_d)};
  if (n.has_input(2)) extra.push_back(im.value(n, 2));
  emit_spatial(im, n, x.rank == 5 ? OpType::Conv3d : OpType::Conv2d, im.value(n, 0), one_d, extra, std::move(a));
}

namespace {

void map_pool(Importer& im, const NodeInfo& n, bool is_max) {
  if (is_max)
    n.check_attributes({"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
  else
    n.check_attributes({"auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"});
  n.expect_inputs(1, 1);
  if (n.has_output(1)) n.fail("the Indices output is not supported");
  const Shape x = im.shape_of(n, 0);
  expect_spatial_rank(n, x);
  const bool one_d = x.rank == 3;
  const Ints kernel = pool_kernel_shape(n, x);
  const Window win = window_params(n, spatial_of(x), kernel, true);
  Attributes a;
  set_window_attrs(a, win, true, true);
  a.set("ceil_mode", n.get_int("ceil_mode", 0));
  if (!is_max) a.set("count_include_pad", n.get_int("count_include_pad", 0));
  const OpType op = x.rank == 5 ? (is_max ? OpType::MaxPool3d : OpType::AveragePool3d)
                                : (is_max ? OpType::MaxPool : OpType::AveragePool);
  emit_spatial(im, n, op, im.value(n, 0), one_d, {}, std::move(a));
}

}  // namespace

void map_max_pool(Importer& im, const NodeInfo& n) { map_pool(im, n, true); }

// LpPool, 1-D and 2-D: p an int (a float only in opset 1, older than vigil reads); dilations and ceil_mode
// from opset 18.
void map_lp_pool(Importer& im, const NodeInfo& n) {
  n.check_attributes({"auto_pad", "ceil_mode", "dilations", "kernel_shape", "p", "pads", "strides"});
  n.expect_inputs(1, 1);
  const Shape x = im.shape_of(n, 0);
  expect_spatial_rank(n, x);
  if (x.rank == 5) n.fail(concat("3-D LpPool (input ", x.str(), ") is not supported; 1-D and 2-D are"));
  const Ints kernel = pool_kernel_shape(n, x);
  const auto p = static_cast<float>(n.get_int("p", 2));
  if (!(p > 0.0f) || !std::isfinite(p)) n.fail(concat("p must be finite and > 0, got ", p));
  const Window win = window_params(n, spatial_of(x), kernel, true);
  Attributes a;
  set_window_attrs(a, win, true, true);
  a.set("ceil_mode", n.get_int("ceil_mode", 0));
  a.set("p", p);
  emit_spatial(im, n, OpType::LpPool, im.value(n, 0), x.rank == 3, {}, std::move(a));
}
void map_average_pool(Importer& im, const NodeInfo& n) { map_pool(im, n, false); }

void map_global_average_pool(Importer& im, const NodeInfo& n) {
  n.check_attributes({});
  n.expect_inputs(1, 1);
  const Shape x = im.shape_of(n, 0);
  expect_spatial_rank(n, x);
  emit_spatial(im, n, OpType::GlobalAveragePool, im.value(n, 0), x.rank == 3, {}, {});
}

// A MaxPool whose window is the whole plane (volume): the maximum of each channel, exactly.
void map_global_max_pool(Importer& im, const NodeInfo& n) {
  n.check_attributes({});
  n.expect_inputs(1, 1);
  const Shape x = im.shape_of(n, 0);
  expect_spatial_rank(n, x);
  const bool three_d = x.rank == 5;
  Attributes a;
  a.set("kernel_shape", x.rank == 3 ? Ints{1, x[2]} : spatial_of(x));
  a.set("strides", Ints(three_d ? 3 : 2, 1));
  a.set("dilations", Ints(three_d ? 3 : 2, 1));
  a.set("pads", Ints(three_d ? 6 : 4, 0));
  a.set("ceil_mode", int64_t{0});
  emit_spatial(im, n, three_d ? OpType::MaxPool3d : OpType::MaxPool, im.value(n, 0), x.rank == 3, {}, std::move(a));
}

void map_batch_norm(Importer& im, const NodeInfo& n) {
  n.check_attributes({"epsilon", "momentum", "spatial", "training_mode"});
  n.expect_inputs(5, 5);
  if (n.get_int("training_mode", 0) != 0) n.fail("training_mode=1 is not supported (inference only)");
  if (n.get_int("spatial", 1) != 1) n.fail("spatial=0 (per-activation statistics) is not supported");
  for (int k = 1; k < n.num_outputs(); ++k)
    if (n.has_output(k)) n.fail("the running-statistics outputs (training mode) are not supported");
  const Shape x = im.shape_of(n, 0);
  if (x.rank < 2) n.fail(concat("input ", x.str(), " needs a channel axis"));
  Attributes a;
  a.set("epsilon", n.get_float("epsilon", 1e-5f));
  std::vector<int> inputs;
  for (int k = 0; k < 5; ++k) inputs.push_back(im.value(n, k));
  im.emit1(n, OpType::BatchNorm, n.name(), inputs, n.output(0), std::move(a));
}

}  // namespace vigil::onnx
