// Data movement: Concat, Slice, Pad, Split, Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Resize/Upsample.
// ONNX passes many of their arguments as inputs; vigil wants them as attributes, so those inputs must be
// constants after folding.
#include <algorithm>
#include <cmath>

#include "engine/error.h"
#include "loaders/onnx/constant_folding.h"
#include "loaders/onnx/op_mapping.h"

namespace vigil::onnx {

using Ints = std::vector<int64_t>;

namespace {

// Axes attribute (before `since`) or constant input `input` (from `since`); nullopt when absent.
std::optional<Ints> axes_arg(Importer& im, const NodeInfo& n, int input, int64_t since) {
  if (n.opset() >= since) {
    if (!n.has_input(input)) return std::nullopt;
    return im.const_ints(n, input, "axes");
  }
  return n.get_ints("axes");
}

Ints normalized(const NodeInfo& n, const Ints& axes, int rank) {
  Ints out;
  for (int64_t a : axes) {
    const int k = normalize_axis(n, a, rank, "axis");
    if (std::find(out.begin(), out.end(), k) != out.end()) n.fail(concat("axis ", a, " is repeated"));
    out.push_back(k);
  }
  return out;
}

// keep_aspect_ratio_policy: one scale for every listed axis (the smallest or largest of sizes/in), output
// sizes rounded from it. vigil's Resize derives its coordinate scale from out/in, so the mapping is exact
// only when that ratio equals the common scale on every resized axis; otherwise it is an error.
Ints keep_aspect_ratio(const NodeInfo& n, const Shape& x, const Ints& sizes, const Ints& axes,
                       const std::string& policy) {
  double scale = policy == "not_larger" ? 1e300 : 0.0;
  for (int64_t a : axes) {
    const double s = static_cast<double>(sizes[static_cast<size_t>(a)]) / static_cast<double>(x[static_cast<int>(a)]);
    scale = policy == "not_larger" ? std::min(scale, s) : std::max(scale, s);
  }
  Ints out = sizes;
  for (int64_t a : axes) {
    const double in = static_cast<double>(x[static_cast<int>(a)]);
    out[static_cast<size_t>(a)] = static_cast<int64_t>(std::llround(scale * in));
    if (static_cast<double>(out[static_cast<size_t>(a)]) / in != scale)
      n.fail(concat("keep_aspect_ratio_policy '", policy, "' gives scale ", scale, " but output size ",
                    out[static_cast<size_t>(a)], " for input size ", in, " on axis ", a,
                    "; vigil's Resize cannot use a scale other than out/in"));
  }
  return out;
}

}  // namespace

void emit_copy(Importer& im, const NodeInfo& n, const std::string& source, const std::string& output) {
  const int v = im.value_of_name(source, n);
  Value& val = im.graph().values[static_cast<size_t>(v)];
  if (val.name == output) {
    // The value already carries the output's name: a constant (renamed, constants' names are free) or a
    // graph input passed straight through (which vigil cannot express: inputs are never outputs).
    if (val.constant < 0) n.fail(concat("graph output '", output, "' is a graph input passed through unchanged"));
    val.name = im.fresh_name(output, "value");
  }
  const Shape s = val.shape;
  Attributes a;
  a.set("shape", Ints(s.dims.begin(), s.dims.begin() + s.rank));
  im.emit1(n, OpType::Reshape, output + "/copy", {v}, output, std::move(a));
}

void map_concat(Importer& im, const NodeInfo& n) {
  n.check_attributes({"axis"});
  if (!n.has_attr("axis")) n.fail("attribute 'axis' is required");
  const int rank = im.rank_of(n, 0);
  Attributes a;
  a.set("axis", static_cast<int64_t>(normalize_axis(n, n.get_int("axis", 0), rank, "axis")));
  std::vector<int> inputs;
  for (int k = 0; k < n.num_inputs(); ++k)
    if (n.has_input(k)) inputs.push_back(im.value(n, k));
  if (inputs.empty()) n.fail("has no inputs");
  im.emit1(n, OpType::Concat, n.name(), inputs, n.output(0), std::move(a));
}

// Expand (opset 8+; 13 only adds types) of a run-time f32 tensor to a constant shape (on constants it folds):
// numpy broadcasting of the input and the shape. It runs as a Mul by a constant of ones holding only the dims
// the input is broadcast along (1 elsewhere), so the product has the broadcast shape; x * 1 is x exactly, for
// -0, infinities and NaN too. An Expand that changes nothing is removed.
void map_expand(Importer& im, const NodeInfo& n) {
  n.check_attributes({});
  n.expect_inputs(2, 2);
  const Ints target = im.const_ints(n, 1, "shape");
  if (im.rank_of(n, 1) != 1) n.fail(concat("the shape input must be 1-D, got ", im.shape_of(n, 1).str()));
  const Ints x = im.dims_of(n, 0);
  const size_t rank = std::max(x.size(), target.size());
  if (rank > static_cast<size_t>(kMaxRank)) n.fail(concat("the output rank ", rank, " exceeds ", kMaxRank));
  Ints ones(rank, 1);
  bool expands = rank != x.size();
  for (size_t i = 0; i < rank; ++i) {  // i counts from the right
    const int64_t a = i < x.size() ? x[x.size() - 1 - i] : 1, b = i < target.size() ? target[target.size() - 1 - i] : 1;
    if (b < 0 || (a != b && a != 1 && b != 1))
      n.fail(concat("cannot broadcast the input ", im.shape_of(n, 0).str(), " to the shape ", dims_str(target)));
    if (b == 0) n.fail("the shape has a 0: vigil has no empty tensors");
    if (a == 1 && b != 1) ones[rank - 1 - i] = b, expands = true;
  }
  if (!expands) {
    im.alias(n.output(0), n.input(0));
    return;
  }
  int64_t count = 1;
  for (int64_t d : ones) count *= d;
  if (im.in(n, 0).dtype == DType::F32) {  // x * 1 broadcasts: exact, and the fast binary kernels run it
    const int one =
        im.emit_constant(im.fresh_name(n.output(0), "ones"),
                         ConstTensor::floats(ones, std::vector<float>(static_cast<size_t>(count), 1.0f)), n);
    im.emit1(n, OpType::Mul, n.name(), {im.value(n, 0), one}, n.output(0));
    return;
  }
  // Other dtypes (an attention mask's bools, int64 positions): Where(true, x, x) broadcasts a copy of any dtype.
  const int all_true =
      im.emit_constant(im.fresh_name(n.output(0), "true"),
                       ConstTensor::ints(ones, std::vector<int64_t>(static_cast<size_t>(count), 1), DataType::Bool), n);
  const int input = im.value(n, 0);
  im.emit1(n, OpType::Where, n.name(), {all_true, input, input}, n.output(0));
}

// `copies` copies of `v` concatenated along `axis` into the value named `output` (the node is named after it,
// or after the ONNX node for its own output): one Concat, or a tree of them above Concat's 64 inputs.
int concat_copies(Importer& im, const NodeInfo& n, int v, int64_t copies, int axis, const std::string& output) {
  constexpr int64_t kMaxConcat = 64;
  Attributes a;
  a.set("axis", static_cast<int64_t>(axis));
  if (copies <= kMaxConcat)
    return im.emit1(n, OpType::Concat, output == n.output(0) ? n.name() : output,
                    std::vector<int>(static_cast<size_t>(copies), v), output, std::move(a));
  const std::string& out = output;
  const int block = concat_copies(im, n, v, kMaxConcat, axis, im.fresh_name(out, "block"));
  std::vector<int> parts;
  parts.push_back(concat_copies(im, n, block, copies / kMaxConcat, axis, im.fresh_name(out, "blocks")));
  if (copies % kMaxConcat != 0)
    parts.push_back(concat_copies(im, n, v, copies % kMaxConcat, axis, im.fresh_name(out, "rest")));
  if (parts.size() == 1) return parts[0];
  return im.emit1(n, OpType::Concat, out == n.output(0) ? n.name() : out, parts, out, std::move(a));
}

// Tile (opset 6+; 13 only adds types) of a run-time tensor with constant repeats (on constants it folds): the
// input concatenated with itself `repeats[k]` times along each axis k, axis by axis; pure data movement, any
// dtype. All repeats 1 is the identity; a repeat of 0 would be an empty tensor (error).
void map_tile(Importer& im, const NodeInfo& n) {
  n.check_attributes({});
  n.expect_inputs(2, 2);
  const Ints repeats = im.const_ints(n, 1, "repeats");
  const Ints x = im.dims_of(n, 0);
  if (repeats.size() != x.size())
    n.fail(concat("repeats has ", repeats.size(), " values for an input of rank ", x.size()));
  int last = -1;  // the last axis that is repeated: its Concat writes the output
  for (size_t k = 0; k < repeats.size(); ++k) {
    if (repeats[k] < 1) n.fail(concat("repeat ", repeats[k], " on axis ", k, " (vigil has no empty tensors)"));
    if (repeats[k] > 1) last = static_cast<int>(k);
    if (repeats[k] > (int64_t{1} << 31) / x[k])
      n.fail(concat("repeat ", repeats[k], " on axis ", k, " makes a dim above 2^31"));
  }
  if (last < 0) {
    im.alias(n.output(0), n.input(0));
    return;
  }
  int v = im.value(n, 0);
  for (int k = 0; k <= last; ++k)
    if (repeats[static_cast<size_t>(k)] > 1)
      v = concat_copies(im, n, v, repeats[static_cast<size_t>(k)], k,
                        k == last ? n.output(0) : im.fresh_name(n.output(0), concat("axis", k)));
}

// Gather on a run-time tensor with constant indices (exporters write x[-1] or x[:, 2] this way): one Slice
// of size 1 per index along the axis, concatenated when there are several, then a Reshape to ONNX's output
// shape data[:axis] + indices.shape + data[axis+1:] (which also drops the axis for a scalar index); the
// indices are checked at load. Indices computed at run time (token ids into an Embedding's table) go to the
// engine's Gather op instead.
void map_gather(Importer& im, const NodeInfo& n) {
  n.check_attributes({"axis"});
  n.expect_inputs(2, 2);
  const Shape x = im.shape_of(n, 0);
  if (x.rank == 0) n.fail("cannot gather from a scalar");
  const int axis = normalize_axis(n, n.get_int("axis", 0), x.rank, "axis");
  if (!im.is_const(n, 1)) {  // indices computed at run time (an Embedding's token ids): the engine's Gather
    Attributes a;
    a.set("axis", static_cast<int64_t>(axis));
    im.emit1(n, OpType::Gather, n.name(), {im.value(n, 0), im.value(n, 1)}, n.output(0), std::move(a));
    return;
  }
  const ConstTensor& idx_t = im.require_const(n, 1, "indices");
  Ints idx = im.const_ints(n, 1, "indices");
  if (idx.empty()) n.fail("empty indices would make an empty tensor, which vigil does not support");
  const int64_t d = x[axis];
  for (int64_t& k : idx) {
    if (k < -d || k >= d) n.fail(concat("index ", k, " is out of range for axis ", axis, " of size ", d));
    if (k < 0) k += d;
  }
  const std::string out = n.output(0);
  Ints out_dims(x.dims.begin(), x.dims.begin() + axis);
  out_dims.insert(out_dims.end(), idx_t.dims.begin(), idx_t.dims.end());
  out_dims.insert(out_dims.end(), x.dims.begin() + axis + 1, x.dims.begin() + x.rank);
  const int data = im.value(n, 0);
  // Runs of consecutive indices become one Slice each.
  std::vector<int> pieces;
  for (size_t k = 0; k < idx.size();) {
    size_t end = k + 1;
    while (end < idx.size() && idx[end] == idx[end - 1] + 1) ++end;
    Attributes a;
    a.set("starts", Ints{idx[k]});
    a.set("ends", Ints{idx[end - 1] + 1});
    a.set("axes", Ints{axis});
    pieces.push_back(im.emit1(n, OpType::Slice, concat(n.name(), "/slice", pieces.size()), {data},
                              im.fresh_name(out, concat("slice", pieces.size())), std::move(a)));
    k = end;
  }
  int gathered = pieces[0];
  if (pieces.size() > 1) {
    Attributes a;
    a.set("axis", static_cast<int64_t>(axis));
    gathered = im.emit1(n, OpType::Concat, n.name() + "/concat", pieces, im.fresh_name(out, "concat"), std::move(a));
  }
  Attributes a;
  a.set("shape", out_dims);
  im.emit1(n, OpType::Reshape, n.name(), {gathered}, out, std::move(a));
}

void map_slice(Importer& im, const NodeInfo& n) {
  Ints starts, ends, steps;
  std::optional<Ints> axes;
  if (n.opset() < 10) {
    n.check_attributes({"starts", "ends", "axes"});
    n.expect_inputs(1, 1);
    if (!n.has_attr("starts") || !n.has_attr("ends")) n.fail("attributes 'starts' and 'ends' are required");
    starts = *n.get_ints("starts");
    ends = *n.get_ints("ends");
    axes = n.get_ints("axes");
  } else {
    n.check_attributes({});
    n.expect_inputs(3, 5);
    starts = im.const_ints(n, 1, "starts");
    ends = im.const_ints(n, 2, "ends");
    if (n.has_input(3)) axes = im.const_ints(n, 3, "axes");
    if (n.has_input(4)) steps = im.const_ints(n, 4, "steps");
  }
  if (starts.size() != ends.size()) n.fail("starts and ends differ in length");
  Attributes a;
  a.set("starts", starts);
  a.set("ends", ends);
  if (axes) {
    if (axes->size() != starts.size()) n.fail("axes and starts differ in length");
    a.set("axes", normalized(n, *axes, im.rank_of(n, 0)));
  }
  if (!steps.empty()) {
    if (steps.size() != starts.size()) n.fail("steps and starts differ in length");
    a.set("steps", steps);
  }
  im.emit1(n, OpType::Slice, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
}

// Pad: `pads` (attribute before opset 11, constant input from 11), the constant value (attribute `value`
// before 11, optional constant input from 11), `axes` (optional constant input from 18) and `mode` (`wrap`
// from 19). vigil's Pad takes pads for every axis, begins then ends; a Pad that pads nothing is removed
// (PyTorch writes avg_pool2d as Pad(all zeros) + AveragePool).
void map_pad(Importer& im, const NodeInfo& n) {
  const int rank = im.rank_of(n, 0);
  Ints pads;
  float value = 0.0f;
  std::optional<Ints> axes;
  if (n.opset() < 11) {
    n.check_attributes({"mode", "pads", "value"});
    n.expect_inputs(1, 1);
    if (!n.has_attr("pads")) n.fail("attribute 'pads' is required");
    pads = *n.get_ints("pads");
    value = n.get_float("value", 0.0f);
  } else {
    n.check_attributes({"mode"});
    n.expect_inputs(2, n.opset() >= 18 ? 4 : 3);
    pads = im.const_ints(n, 1, "pads");
    if (n.has_input(2)) {
      const std::vector<float> v = im.const_floats(n, 2, "constant_value");
      if (v.size() != 1) n.fail(concat("the constant_value input must hold one value, got ", v.size()));
      value = v[0];
    }
    if (n.has_input(3)) axes = im.const_ints(n, 3, "axes");
  }
  const std::string mode = n.get_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
    n.fail(concat("mode '", mode, "' is not one of constant, reflect, edge, wrap"));
  if (mode == "wrap" && n.opset() < 19) n.fail("mode 'wrap' exists from opset 19 on");

  Ints full(2 * static_cast<size_t>(rank), 0);
  if (axes) {
    if (pads.size() != 2 * axes->size())
      n.fail(concat("pads ", dims_str(pads), " has ", pads.size(), " values for ", axes->size(), " axes (needs ",
                    2 * axes->size(), ")"));
    const Ints k = normalized(n, *axes, rank);
    for (size_t i = 0; i < k.size(); ++i) {
      full[static_cast<size_t>(k[i])] = pads[i];
      full[static_cast<size_t>(k[i] + rank)] = pads[i + k.size()];
    }
  } else {
    if (pads.size() != full.size())
      n.fail(concat("pads ", dims_str(pads), " has ", pads.size(), " values but the input has rank ", rank, " (needs ",
                    full.size(), ": all begins, then all ends)"));
    full = pads;
  }
  if (std::all_of(full.begin(), full.end(), [](int64_t p) { return p == 0; })) {
    im.alias(n.output(0), n.input(0));
    return;
  }
  Attributes a;
  a.set("pads", full);
  a.set("mode", mode);
  if (mode == "constant" && (value != 0.0f || std::signbit(value))) a.set("value", value);
  im.emit1(n, OpType::Pad, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
}

void map_split(Importer& im, const NodeInfo& n) {
  Ints given;
  if (n.opset() >= 13 && n.has_input(1)) given = im.const_ints(n, 1, "split");
  const SplitPlan plan = split_plan(n, im.dims_of(n, 0), n.opset() >= 13 && n.has_input(1) ? &given : nullptr);
  Attributes a;
  a.set("axis", static_cast<int64_t>(plan.axis));
  a.set("split", plan.sizes);
  std::vector<std::string> outs;
  for (int k = 0; k < n.num_outputs(); ++k)
    outs.push_back(n.has_output(k) ? n.output(k) : im.fresh_name(n.name(), concat("unused", k)));
  im.emit(n, OpType::Split, n.name(), {im.value(n, 0)}, outs, std::move(a));
}

void map_reshape(Importer& im, const NodeInfo& n) {
  n.check_attributes({"allowzero"});
  n.expect_inputs(2, 2);
  Ints shape = im.const_ints(n, 1, "shape");
  if (n.get_int("allowzero", 0) != 0)
    for (int64_t d : shape)
      if (d == 0) n.fail("allowzero=1 with a 0 in the shape makes an empty tensor, which vigil does not support");
  Attributes a;
  a.set("shape", shape);
  im.emit1(n, OpType::Reshape, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
}

void map_flatten(Importer& im, const NodeInfo& n) {
  n.check_attributes({"axis"});
  n.expect_inputs(1, 1);
  const int rank = im.rank_of(n, 0);
  int64_t axis = n.get_int("axis", 1);
  if (axis < -rank || axis > rank) n.fail(concat("axis ", axis, " is out of range for rank ", rank));
  if (axis < 0) axis += rank;
  Attributes a;
  a.set("axis", axis);
  im.emit1(n, OpType::Flatten, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
}

void map_squeeze(Importer& im, const NodeInfo& n) {
  n.check_attributes(n.opset() >= 13 ? std::initializer_list<std::string_view>{}
                                     : std::initializer_list<std::string_view>{"axes"});
  n.expect_inputs(1, 2);
  Attributes a;
  if (auto axes = axes_arg(im, n, 1, 13)) a.set("axes", normalized(n, *axes, im.rank_of(n, 0)));
  im.emit1(n, OpType::Squeeze, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
}

void map_unsqueeze(Importer& im, const NodeInfo& n) {
  n.check_attributes(n.opset() >= 13 ? std::initializer_list<std::string_view>{}
                                     : std::initializer_list<std::string_view>{"axes"});
  n.expect_inputs(1, 2);
  auto axes = axes_arg(im, n, 1, 13);
  if (!axes) n.fail("axes are required");
  Ints norm = normalized(n, *axes, im.rank_of(n, 0) + static_cast<int>(axes->size()));
  std::sort(norm.begin(), norm.end());
  Attributes a;
  a.set("axes", norm);
  im.emit1(n, OpType::Unsqueeze, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
}

void map_transpose(Importer& im, const NodeInfo& n) {
  n.check_attributes({"perm"});
  n.expect_inputs(1, 1);
  Attributes a;
  if (auto perm = n.get_ints("perm")) a.set("perm", *perm);
  im.emit1(n, OpType::Transpose, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
}

// DepthToSpace (opset 1: DCR only; 11+: `mode` DCR or CRD) and SpaceToDepth (before 28: DCR only; 28+: `mode`)
// on [N, C, H, W], `blocksize` b: the spec's own definition, Reshape to 6-D + Transpose + Reshape, with vigil's
// Transpose doing the work.
//   DepthToSpace DCR: [N, b, b, C/b^2, H, W] perm (0, 3, 4, 1, 5, 2) -> [N, C/b^2, H b, W b]
//   DepthToSpace CRD: [N, C/b^2, b, b, H, W] perm (0, 1, 4, 2, 5, 3) -> [N, C/b^2, H b, W b]
//   SpaceToDepth DCR: [N, C, H/b, b, W/b, b] perm (0, 3, 5, 1, 2, 4) -> [N, C b^2, H/b, W/b]
//   SpaceToDepth CRD: [N, C, H/b, b, W/b, b] perm (0, 1, 3, 5, 2, 4) -> [N, C b^2, H/b, W/b]
// PyTorch (1.13) exports nn.PixelShuffle as DepthToSpace CRD from opset 11 (before, as Reshape/Transpose nodes);
// nn.PixelUnshuffle always as Reshape/Transpose (its channel order is not SpaceToDepth's).
void map_depth_space(Importer& im, const NodeInfo& n) {
  const bool to_space = n.op_type() == "DepthToSpace";
  const bool has_mode = n.opset() >= (to_space ? 11 : 28);
  if (has_mode)
    n.check_attributes({"blocksize", "mode"});
  else
    n.check_attributes({"blocksize"});
  const std::string mode = n.get_string("mode", "DCR");
  if (mode != "DCR" && mode != "CRD") n.fail(concat("mode '", mode, "' is not DCR or CRD"));
  n.expect_inputs(1, 1);
  if (!n.has_attr("blocksize")) n.fail("the blocksize attribute is required");
  const int64_t b = n.get_int("blocksize", 0);
  const std::vector<int64_t> x = im.dims_of(n, 0);
  if (x.size() != 4) n.fail(concat("input must be 4-D [N, C, H, W], got ", im.shape_of(n, 0).str()));
  if (b < 1) n.fail(concat("blocksize ", b, " must be >= 1"));
  const int64_t N = x[0], C = x[1], H = x[2], W = x[3];
  Ints split, perm, out;
  if (to_space) {
    if (b > C || C % (b * b) != 0) n.fail(concat("channels ", C, " are not a multiple of blocksize^2 = ", b * b));
    const int64_t c = C / (b * b);
    split = mode == "DCR" ? Ints{N, b, b, c, H, W} : Ints{N, c, b, b, H, W};
    perm = mode == "DCR" ? Ints{0, 3, 4, 1, 5, 2} : Ints{0, 1, 4, 2, 5, 3};
    out = {N, c, H * b, W * b};
  } else {
    if (H % b != 0 || W % b != 0) n.fail(concat("height ", H, " and width ", W, " must be multiples of blocksize ", b));
    split = {N, C, H / b, b, W / b, b};
    perm = mode == "DCR" ? Ints{0, 3, 5, 1, 2, 4} : Ints{0, 1, 3, 5, 2, 4};
    out = {N, C * b * b, H / b, W / b};
  }
  const std::string& y = n.output(0);
  Attributes a_split, a_perm, a_out;
  a_split.set("shape", split);
  a_perm.set("perm", perm);
  a_out.set("shape", out);
  const int blocks = im.emit1(n, OpType::Reshape, n.name() + "/blocks", {im.value(n, 0)}, im.fresh_name(y, "blocks"),
                              std::move(a_split));
  const int moved =
      im.emit1(n, OpType::Transpose, n.name() + "/move", {blocks}, im.fresh_name(y, "moved"), std::move(a_perm));
  im.emit1(n, OpType::Reshape, n.name(), {moved}, y, std::move(a_out));
}

// Resize (opsets 10-19) and the older Upsample. vigil's Resize takes the mode, the coordinate transform,
// the nearest rounding and either one scale or one output size per dim.
void map_resize(Importer& im, const NodeInfo& n) {
  const bool upsample = n.op_type() == "Upsample";
  const Shape x = im.shape_of(n, 0);
  const int rank = x.rank;
  std::vector<float> scales;
  Ints sizes;
  std::string mode, coord, nearest;
  float cubic_coeff_a = -0.75f;
  int64_t exclude_outside = 0;
  if (upsample || n.opset() < 11) {
    // Upsample and Resize-10: scales only, asymmetric coordinates; nearest rounds down when enlarging
    // (and up when shrinking, as onnxruntime does for these versions).
    n.check_attributes(upsample && n.opset() < 9 ? std::initializer_list<std::string_view>{"mode", "scales"}
                                                 : std::initializer_list<std::string_view>{"mode"});
    if (upsample && n.opset() < 9) {
      n.expect_inputs(1, 1);
      if (!n.has_attr("scales")) n.fail("attribute 'scales' is required");
      scales = *n.get_floats("scales");
    } else {
      n.expect_inputs(2, 2);
      scales = im.const_floats(n, 1, "scales");
    }
    mode = n.get_string("mode", "nearest");
    if (mode == "bilinear") mode = "linear";
    coord = "asymmetric";
    bool up = false, down = false;
    for (float s : scales) {
      up |= s > 1.0f;
      down |= s < 1.0f;
    }
    if (up && down) n.fail("scales both enlarge and shrink, which the legacy rounding cannot express");
    nearest = down ? "ceil" : "floor";
  } else {
    n.check_attributes({"antialias", "axes", "coordinate_transformation_mode", "cubic_coeff_a", "exclude_outside",
                        "extrapolation_value", "keep_aspect_ratio_policy", "mode", "nearest_mode"});
    n.expect_inputs(1, 4);
    mode = n.get_string("mode", "nearest");
    coord = n.get_string("coordinate_transformation_mode", "half_pixel");
    nearest = n.get_string("nearest_mode", "round_prefer_floor");
    cubic_coeff_a = n.get_float("cubic_coeff_a", -0.75f);
    exclude_outside = n.get_int("exclude_outside", 0);
    if (n.get_int("antialias", 0) != 0) n.fail("antialias=1 is not supported");
    const std::string policy = n.get_string("keep_aspect_ratio_policy", "stretch");
    if (policy != "stretch" && policy != "not_larger" && policy != "not_smaller")
      n.fail(concat("keep_aspect_ratio_policy '", policy, "' is not one of stretch, not_larger, not_smaller"));
    if (n.has_input(2) && im.require_const(n, 2, "scales").numel() > 0) scales = im.const_floats(n, 2, "scales");
    if (n.has_input(3) && im.require_const(n, 3, "sizes").numel() > 0) sizes = im.const_ints(n, 3, "sizes");
    if (scales.empty() == sizes.empty()) n.fail("exactly one of scales and sizes must be given");
    if (policy != "stretch" && sizes.empty()) n.fail(concat("keep_aspect_ratio_policy '", policy, "' needs sizes"));
    // roi only matters for tf_crop_and_resize, which is rejected below.
    if (auto axes_attr = n.get_ints("axes")) {
      // Scales/sizes cover only the listed axes: expand to one per dim.
      Ints axes = normalized(n, *axes_attr, rank);
      const size_t given = scales.empty() ? sizes.size() : scales.size();
      if (given != axes.size())
        n.fail(concat("axes lists ", axes.size(), " dims but ", given, " scales/sizes are given"));
      std::vector<float> full_scales(static_cast<size_t>(rank), 1.0f);
      Ints full_sizes(x.dims.begin(), x.dims.begin() + rank);
      for (size_t k = 0; k < axes.size(); ++k) {
        if (scales.empty())
          full_sizes[static_cast<size_t>(axes[k])] = sizes[k];
        else
          full_scales[static_cast<size_t>(axes[k])] = scales[k];
      }
      if (scales.empty())
        sizes = full_sizes;
      else
        scales = full_scales;
      if (policy != "stretch") sizes = keep_aspect_ratio(n, x, sizes, axes, policy);
    } else if (policy != "stretch") {
      Ints all(static_cast<size_t>(rank));
      for (int k = 0; k < rank; ++k) all[static_cast<size_t>(k)] = k;
      if (sizes.size() == all.size()) sizes = keep_aspect_ratio(n, x, sizes, all, policy);
    }
  }
  const size_t given = scales.empty() ? sizes.size() : scales.size();
  if (given != static_cast<size_t>(rank))
    n.fail(concat(scales.empty() ? "sizes" : "scales", " has ", given, " values for an input of rank ", rank));
  if (mode != "nearest" && mode != "linear" && mode != "cubic")
    n.fail(concat("mode '", mode, "' is not supported (nearest, linear, cubic)"));
  static const char* const kCoords[] = {"half_pixel",         "asymmetric",           "align_corners",
                                        "pytorch_half_pixel", "tf_half_pixel_for_nn", "half_pixel_symmetric"};
  if (std::find(std::begin(kCoords), std::end(kCoords), coord) == std::end(kCoords))
    n.fail(concat("coordinate_transformation_mode '", coord,
                  "' is not supported (half_pixel, asymmetric, align_corners, pytorch_half_pixel, "
                  "tf_half_pixel_for_nn, half_pixel_symmetric)"));
  if (!std::isfinite(cubic_coeff_a)) n.fail(concat("cubic_coeff_a must be finite, got ", cubic_coeff_a));
  if (exclude_outside != 0 && exclude_outside != 1)
    n.fail(concat("exclude_outside must be 0 or 1, got ", exclude_outside));
  static const char* const kNearest[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
  if (std::find(std::begin(kNearest), std::end(kNearest), nearest) == std::end(kNearest))
    n.fail(concat("nearest_mode '", nearest, "' is not supported"));
  for (float s : scales)
    if (!(s > 0.0f) || !std::isfinite(s)) n.fail(concat("scale ", s, " must be positive"));
  for (int64_t s : sizes)
    if (s <= 0) n.fail(concat("output size ", s, " must be positive"));
  if (mode != "nearest" && rank >= 2) {
    // vigil's linear and cubic modes interpolate the last two dims; the others must keep their size.
    for (int k = 0; k < rank - 2; ++k) {
      const bool same = scales.empty() ? sizes[static_cast<size_t>(k)] == x[k] : scales[static_cast<size_t>(k)] == 1.0f;
      if (!same) n.fail(concat(mode, " resize of dim ", k, " (not one of the last two) is not supported"));
    }
  }
  Attributes a;
  a.set("mode", mode);
  a.set("coordinate_transformation_mode", coord);
  a.set("nearest_mode", nearest);
  if (mode == "cubic") {
    a.set("cubic_coeff_a", cubic_coeff_a);
    a.set("exclude_outside", exclude_outside);
  }
  if (!scales.empty())
    a.set("scales", scales);
  else
    a.set("sizes", sizes);
  im.emit1(n, OpType::Resize, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
}

}  // namespace vigil::onnx
