// ConvTranspose (opsets 1, 11, 22) -> ConvTranspose2d. auto_pad and output_shape are resolved here into
// explicit pads and output_padding, so the engine op only knows the NOTSET form. A 1-D node ([N,C,L]) runs
// as 2-D with a unit height.
//
// With output_shape (or auto_pad SAME_UPPER/SAME_LOWER, whose target is input * stride), per spatial dim:
//   total = stride*(in-1) + output_padding + (kernel-1)*dilation + 1 - target
//   SAME_UPPER: pad_begin = total/2, pad_end = total - total/2; otherwise pad_begin = total - total/2,
//   pad_end = total/2 (the opset-11 text; opset 1's text swapped the two cases, but onnxruntime and ONNX's
//   reference implementation apply the opset-11 rule to every opset, and so does vigil).
// A negative total (target past the full output) extends the output at the end, as output_padding does; it
// must stay below max(stride, dilation) with the output_padding attribute included, as onnxruntime requires.
// output_shape overrides pads, as the spec says.
#include <algorithm>

#include "engine/error.h"
#include "loaders/onnx/op_mapping.h"

namespace vigil::onnx {

namespace {

using Ints = std::vector<int64_t>;

// Attribute values are also bounded above, far past any real model, so the size arithmetic below stays
// inside int64 (the engine op checks the same bounds).
constexpr int64_t kMaxStrideOrDilation = int64_t{1} << 24;
constexpr int64_t kMaxPad = int64_t{1} << 32;

Ints ints_or(const NodeInfo& n, const char* name, size_t count, int64_t fallback, int64_t min_value,
             int64_t max_value) {
  Ints v = n.get_ints(name).value_or(Ints(count, fallback));
  if (v.size() != count) n.fail(concat("attribute '", name, "' has ", v.size(), " values, expected ", count));
  for (int64_t e : v)
    if (e < min_value || e > max_value)
      n.fail(concat("attribute '", name, "' has value ", e, "; values must be in [", min_value, ", ", max_value, "]"));
  return v;
}

struct Resolved {
  Ints pads_begin, pads_end, output_padding;
};

// Explicit pads and output padding for every spatial dim (see the file comment).
Resolved resolve_padding(const NodeInfo& n, const Ints& in, const Ints& kernel, const Ints& strides,
                         const Ints& dilations) {
  const size_t s = in.size();
  Resolved r;
  r.output_padding = ints_or(n, "output_padding", s, 0, 0, kMaxPad);
  const std::string auto_pad = n.get_string("auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER")
    n.fail(concat("auto_pad '", auto_pad, "' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER"));
  const auto output_shape = n.get_ints("output_shape");
  const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
  if (!output_shape && !same) {
    if (auto_pad == "VALID") {
      r.pads_begin.assign(s, 0);
      r.pads_end.assign(s, 0);
    } else {
      const Ints pads = ints_or(n, "pads", 2 * s, 0, 0, kMaxPad);
      r.pads_begin.assign(pads.begin(), pads.begin() + static_cast<long>(s));
      r.pads_end.assign(pads.begin() + static_cast<long>(s), pads.end());
    }
    return r;
  }
  Ints target(s);
  if (output_shape) {
    if (output_shape->size() != s)
      n.fail(concat("output_shape ", dims_str(*output_shape), " must list the ", s,
                    " spatial dims only (not batch or channels)"));
    for (int64_t e : *output_shape)
      if (e < 1 || e > kMaxPad)
        n.fail(concat("output_shape ", dims_str(*output_shape), " has a size out of [1, ", kMaxPad, "]"));
    target = *output_shape;
  } else {
    for (size_t k = 0; k < s; ++k) target[k] = in[k] * strides[k];
  }
  for (size_t k = 0; k < s; ++k) {
    const int64_t full = strides[k] * (in[k] - 1) + r.output_padding[k] + (kernel[k] - 1) * dilations[k] + 1;
    const int64_t total = full - target[k];
    if (total >= 0) {
      const int64_t half = total / 2;
      r.pads_begin.push_back(auto_pad == "SAME_UPPER" ? half : total - half);
      r.pads_end.push_back(auto_pad == "SAME_UPPER" ? total - half : half);
      continue;
    }
    r.pads_begin.push_back(0);
    r.pads_end.push_back(0);
    r.output_padding[k] += -total;
    const int64_t limit = std::max(strides[k], dilations[k]);
    if (r.output_padding[k] >= limit)
      n.fail(
          concat(output_shape ? concat("output_shape ", dims_str(*output_shape)) : std::string("auto_pad ") + auto_pad,
                 " asks for ", target[k], " in spatial dim ", k, ", but input ", in[k], " with kernel ", kernel[k],
                 ", stride ", strides[k], ", dilation ", dilations[k], " and output_padding ",
                 r.output_padding[k] + total, " gives at most ", full + limit - 1 - (r.output_padding[k] + total),
                 " (output padding must stay below max(stride, dilation) = ", limit, ")"));
  }
  return r;
}

}  // namespace

void map_conv_transpose(Importer& im, const NodeInfo& n) {
  n.check_attributes(
      {"auto_pad", "dilations", "group", "kernel_shape", "output_padding", "output_shape", "pads", "strides"});
  n.expect_inputs(2, 3);
  const Shape x = im.shape_of(n, 0);
  const Shape w_shape = im.shape_of(n, 1);
  if (x.rank != 3 && x.rank != 4)
    n.fail(concat("vigil supports 1-D and 2-D ConvTranspose (input rank 3 or 4); input has shape ", x.str()));
  if (w_shape.rank != x.rank) n.fail(concat("weight W ", w_shape.str(), " and input X ", x.str(), " differ in rank"));
  const bool one_d = x.rank == 3;
  const size_t s = static_cast<size_t>(x.rank - 2);
  const Ints in(x.dims.begin() + 2, x.dims.begin() + x.rank);
  const Ints kernel(w_shape.dims.begin() + 2, w_shape.dims.begin() + w_shape.rank);
  if (auto ks = n.get_ints("kernel_shape"); ks && *ks != kernel)
    n.fail(concat("kernel_shape ", dims_str(*ks), " does not match weight W ", w_shape.str()));
  const Ints strides = ints_or(n, "strides", s, 1, 1, kMaxStrideOrDilation);
  const Ints dilations = ints_or(n, "dilations", s, 1, 1, kMaxStrideOrDilation);
  const Resolved r = resolve_padding(n, in, kernel, strides, dilations);

  Attributes a;
  auto two = [&](const Ints& v, int64_t unit) { return one_d ? Ints{unit, v[0]} : v; };
  a.set("strides", two(strides, 1));
  a.set("dilations", two(dilations, 1));
  a.set("output_padding", two(r.output_padding, 0));
  a.set("pads", one_d ? Ints{0, r.pads_begin[0], 0, r.pads_end[0]}
                      : Ints{r.pads_begin[0], r.pads_begin[1], r.pads_end[0], r.pads_end[1]});
  a.set("group", n.get_int("group", 1));

  std::vector<int> extra{conv_weight_2d(im, n, one_d)};
  if (n.has_input(2)) extra.push_back(im.value(n, 2));
  emit_spatial(im, n, OpType::ConvTranspose2d, im.value(n, 0), one_d, extra, std::move(a));
}

}  // namespace vigil::onnx
