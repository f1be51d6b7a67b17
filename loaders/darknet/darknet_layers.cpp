#include "loaders/darknet/darknet_layers.h"

#include <algorithm>
#include <initializer_list>

#include "engine/error.h"
#include "loaders/darknet/cfg_keys.h"

namespace vigil::darknet {

using kernels::Activation;
using kernels::ActivationParams;

namespace {

// Darknet accepts a few aliases for section names.
std::string canonical_section(std::string_view name) {
  if (name == "network") return "net";
  if (name == "conv") return "convolutional";
  if (name == "max") return "maxpool";
  if (name == "avg") return "avgpool";
  return std::string(name);
}

constexpr int64_t kMaxDim = 1 << 16;  // larger spatial sizes or channel counts are absurd in a cfg
constexpr int64_t kMaxKernel = 1 << 10;

// Every key of the section must be one the layer reads (`known`) or a training-only key.
void check_keys(const SectionReader& r, const std::string& type, std::initializer_list<std::string_view> known,
                bool is_layer) {
  for (const CfgEntry& e : r.section().entries) {
    if (std::find(known.begin(), known.end(), e.key) != known.end()) continue;
    if (is_training_only_key(type, e.key)) continue;
    if (is_layer && is_training_only_layer_key(e.key)) continue;
    r.fail_key(e.key, "unknown key (not a darknet key of this section, or one vigil does not support)");
  }
}

// A key that changes inference in a way vigil does not implement: only its neutral value is accepted.
void require_default_int(const SectionReader& r, std::string_view key, int64_t neutral, std::string_view what) {
  if (r.get_int(key, neutral) != neutral) r.fail_key(key, concat("not supported (", what, ")"));
}

// Resolves a darknet layer reference: negative values are relative to the current layer.
int resolve_layer(const SectionReader& r, std::string_view key, int64_t ref, int current) {
  int64_t abs = ref < 0 ? current + ref : ref;
  if (abs < 0 || abs >= current)
    r.fail_key(key, concat("layer ", ref, " resolves to ", abs, ", outside the layers before this one (0..",
                           current - 1, ")"));
  return static_cast<int>(abs);
}

ConvolutionalLayer parse_convolutional(const SectionReader& r, const FeatureShape& in, int64_t& weights) {
  check_keys(
      r, "convolutional",
      {"filters",         "size",          "stride",    "stride_x", "stride_y", "pad",        "padding",      "groups",
       "batch_normalize", "activation",    "dilation",  "binary",   "xnor",     "bin_output", "flipped",      "cbn",
       "share_index",     "antialiasing",  "coordconv", "sway",     "rotate",   "stretch",    "stretch_sway", "reverse",
       "dontload",        "dontloadscales"},
      true);
  ConvolutionalLayer c;
  c.filters = r.require_int_in("filters", 1, kMaxDim);
  c.size = r.require_int_in("size", 1, kMaxKernel);
  int64_t stride = r.get_int_in("stride", 1, 1, kMaxKernel);
  c.stride_x = r.get_int_in("stride_x", stride, 1, kMaxKernel);
  c.stride_y = r.get_int_in("stride_y", stride, 1, kMaxKernel);
  // Darknet: pad=1 means "same" padding size/2 and overrides an explicit padding=.
  int64_t pad_flag = r.get_int_in("pad", 0, 0, 1);
  c.padding = pad_flag ? c.size / 2 : r.get_int_in("padding", 0, 0, kMaxKernel);
  c.groups = r.get_int_in("groups", 1, 1, kMaxDim);
  c.batch_normalize = r.get_int_in("batch_normalize", 0, 0, 1) == 1;
  // Darknet defaults a missing activation to logistic and OpenCV to linear: demand it rather than guess.
  c.activation = parse_activation(r, "activation", r.require_string("activation"));
  // darknet ignores dilation for 1x1 kernels (parse_convolutional).
  c.dilation = c.size > 1 ? r.get_int_in("dilation", 1, 1, kMaxKernel) : 1;
  require_default_int(r, "binary", 0, "binary weights");
  require_default_int(r, "xnor", 0, "XNOR convolution");
  require_default_int(r, "bin_output", 0, "binary output");
  require_default_int(r, "flipped", 0, "transposed weights");
  require_default_int(r, "cbn", 0, "cross-iteration batch norm");
  require_default_int(r, "antialiasing", 0, "anti-aliased stride");
  require_default_int(r, "coordconv", 0, "coordinate channels");
  require_default_int(r, "sway", 0, "deformable rotation");
  require_default_int(r, "rotate", 0, "deformable rotation");
  require_default_int(r, "stretch", 0, "deformable stretch");
  require_default_int(r, "stretch_sway", 0, "deformable stretch");
  require_default_int(r, "reverse", 0, "reversed weights");
  require_default_int(r, "dontload", 0, "layers skipped in the weights file");
  require_default_int(r, "dontloadscales", 0, "batch-norm parameters skipped in the weights file");
  if (r.has("share_index")) r.fail_key("share_index", "not supported (weights shared with another layer)");

  if (in.c % c.groups != 0) r.fail_key("groups", concat(c.groups, " does not divide the ", in.c, " input channels"));
  if (c.filters % c.groups != 0) r.fail_key("groups", concat(c.groups, " does not divide filters=", c.filters));
  weights = c.filters * (c.batch_normalize ? 4 : 1) + c.filters * (in.c / c.groups) * c.size * c.size;
  return c;
}

MaxPoolLayer parse_maxpool(const SectionReader& r) {
  check_keys(r, "maxpool",
             {"size", "stride", "stride_x", "stride_y", "padding", "maxpool_depth", "out_channels", "antialiasing",
              "maxpool_zero_nonmax"},
             true);
  MaxPoolLayer m;
  // Darknet defaults stride to 1 and size to stride, OpenCV both to 2: demand them.
  int64_t stride = r.require_int_in("stride", 1, kMaxKernel);
  m.size = r.require_int_in("size", 1, kMaxKernel);
  m.stride_x = r.get_int_in("stride_x", stride, 1, kMaxKernel);
  m.stride_y = r.get_int_in("stride_y", stride, 1, kMaxKernel);
  m.padding = r.get_int_in("padding", m.size - 1, 0, kMaxKernel);
  require_default_int(r, "maxpool_depth", 0, "max over channels");
  require_default_int(r, "out_channels", 1, "max over channels");
  require_default_int(r, "antialiasing", 0, "anti-aliased stride");
  require_default_int(r, "maxpool_zero_nonmax", 0, "zeroing non-maxima");
  // A window lying wholly in the padding would output -FLT_MAX in darknet: no real cfg does this.
  if (m.padding - m.padding / 2 >= m.size)
    r.fail_key("padding", concat(m.padding, " is too large for size=", m.size, " (a window would hold only padding)"));
  return m;
}

RouteLayer parse_route(const SectionReader& r, int index) {
  check_keys(r, "route", {"layers", "groups", "group_id"}, true);
  RouteLayer route;
  for (int64_t ref : r.require_ints("layers")) route.inputs.push_back(resolve_layer(r, "layers", ref, index));
  route.groups = r.get_int_in("groups", 1, 1, kMaxDim);
  route.group_id = r.get_int_in("group_id", 0, 0, route.groups - 1);
  return route;
}

ShortcutLayer parse_shortcut(const SectionReader& r, int index, const FeatureShape& in, int64_t& weights) {
  check_keys(r, "shortcut", {"from", "activation", "weights_type", "weights_normalization"}, true);
  ShortcutLayer s;
  for (int64_t ref : r.require_ints("from")) s.from.push_back(resolve_layer(r, "from", ref, index));
  s.activation = parse_activation(r, "activation", r.get_string("activation", "linear"));
  // darknet's names; per_layer is its alias of per_feature.
  const std::string type = r.get_string("weights_type", "none");
  if (type == "per_feature" || type == "per_layer")
    s.weights = ShortcutWeights::PerFeature;
  else if (type == "per_channel")
    s.weights = ShortcutWeights::PerChannel;
  else if (type != "none")
    r.fail_key("weights_type", concat("'", type, "' is not a darknet weights type (none, per_feature, per_channel)"));
  const std::string norm = r.get_string("weights_normalization", "none");
  if (norm == "relu" || norm == "avg_relu")
    s.normalization = ShortcutNormalization::Relu;
  else if (norm == "softmax")
    s.normalization = ShortcutNormalization::Softmax;
  else if (norm != "none")
    r.fail_key("weights_normalization",
               concat("'", norm, "' is not a darknet weights normalization (none, relu, softmax)"));
  // darknet's make_shortcut_layer: one weight per input (the previous layer and each `from`), times the
  // channels for per_channel; read from .weights at the layer's place.
  const int64_t inputs = static_cast<int64_t>(s.from.size()) + 1;
  weights = s.weights == ShortcutWeights::PerFeature   ? inputs
            : s.weights == ShortcutWeights::PerChannel ? inputs * in.c
                                                       : 0;
  return s;
}

UpsampleLayer parse_upsample(const SectionReader& r) {
  check_keys(r, "upsample", {"stride", "scale"}, true);
  UpsampleLayer u;
  // Darknet reads a negative stride as downsampling: not supported.
  u.stride = r.get_int_in("stride", 2, 1, kMaxKernel);
  u.scale = r.get_float("scale", 1.0f);
  return u;
}

ScaleChannelsLayer parse_scale_channels(const SectionReader& r, int index) {
  check_keys(r, "scale_channels", {"from", "scale_wh", "activation"}, true);
  ScaleChannelsLayer s;
  s.from = resolve_layer(r, "from", r.require_int("from"), index);
  s.scale_wh = r.get_int_in("scale_wh", 0, 0, 1) == 1;
  s.activation = parse_activation(r, "activation", r.get_string("activation", "linear"));
  return s;
}

// [yolo], or with gaussian = true [Gaussian_yolo] (Gaussian YOLOv3: the same keys but new_coords, plus
// yolo_point, of which only the default center is supported).
YoloLayer parse_yolo(const SectionReader& r, bool gaussian) {
  if (gaussian)
    check_keys(r, "Gaussian_yolo",
               {"classes", "num", "mask", "anchors", "scale_x_y", "nms_kind", "beta_nms", "yolo_point"}, true);
  else
    check_keys(r, "yolo", {"classes", "num", "mask", "anchors", "scale_x_y", "new_coords", "nms_kind", "beta_nms"},
               true);
  YoloLayer y;
  y.gaussian = gaussian;
  if (gaussian && r.get_string("yolo_point", "center") != "center")
    r.fail_key("yolo_point", concat("'", r.get_string("yolo_point", "center"),
                                    "' is not supported (only center: boxes anchored at their centre)"));
  y.classes = r.require_int_in("classes", 1, 100000);
  int64_t num = r.require_int_in("num", 1, 10000);
  y.anchors = r.require_floats("anchors");
  if (static_cast<int64_t>(y.anchors.size()) != 2 * num)
    r.fail_key("anchors", concat("has ", y.anchors.size(), " numbers; num=", num, " needs ", 2 * num));
  for (float a : y.anchors)
    if (!(a > 0)) r.fail_key("anchors", concat("anchor sizes must be positive, found ", a));
  if (r.has("mask")) {
    y.mask = r.require_ints("mask");
  } else {
    for (int64_t i = 0; i < num; ++i) y.mask.push_back(i);
  }
  for (int64_t m : y.mask)
    if (m < 0 || m >= num) r.fail_key("mask", concat("anchor index ", m, " is outside 0..", num - 1));
  y.scale_x_y = r.get_float("scale_x_y", 1.0f);
  if (!(y.scale_x_y >= 1.0f && y.scale_x_y <= 4.0f)) r.fail_key("scale_x_y", concat(y.scale_x_y, " is outside [1, 4]"));
  y.new_coords = r.get_int_in("new_coords", 0, 0, 1) == 1;
  // Darknet reads any other name as default; a typo would silently change the suppression, so it is an error.
  const std::string nms = r.get_string("nms_kind", "default");
  if (nms == "greedynms")
    y.nms_kind = NmsKind::Greedy;
  else if (nms == "diounms")
    y.nms_kind = NmsKind::Diou;
  else if (nms != "default")
    r.fail_key("nms_kind", concat("'", nms, "' is not supported (default, greedynms or diounms)"));
  y.beta_nms = r.get_float("beta_nms", 0.6f);
  if (!(y.beta_nms > 0.0f && y.beta_nms <= 100.0f)) r.fail_key("beta_nms", concat(y.beta_nms, " is outside (0, 100]"));
  return y;
}

RegionLayer parse_region(const SectionReader& r) {
  check_keys(r, "region",
             {"classes", "num", "anchors", "coords", "softmax", "background", "classfix", "log", "sqrt", "tree",
              "softmax_tree", "map"},
             true);
  if (r.has("tree")) r.fail_key("tree", "not supported (YOLO9000's hierarchical softmax)");
  if (r.has("softmax_tree")) r.fail_key("softmax_tree", "not supported (YOLO9000's hierarchical softmax)");
  if (r.has("map")) r.fail_key("map", "not supported (YOLO9000's class map)");
  RegionLayer g;
  // Darknet defaults classes to 20 and num to 1 (with a warning): demand them, as OpenCV does.
  g.classes = r.require_int_in("classes", 1, 100000);
  const int64_t num = r.require_int_in("num", 1, 10000);
  if (r.get_int("coords", 4) != 4)
    r.fail_key("coords", "must be 4 (x, y, w, h); other box encodings are not supported");
  // softmax=0 would leave darknet's class scores without an activation (AlexeyAB) or logistic (pjreddie):
  // only the YOLOv2 softmax, which every released [region] cfg uses, is implemented.
  if (r.get_int("softmax", 0) != 1)
    r.fail_key("softmax", "must be 1 (softmax over the classes: the YOLOv2 decoding vigil implements)");
  require_default_int(r, "background", 0, "a background class instead of objectness");
  require_default_int(r, "classfix", 0, "objectness clamping");
  require_default_int(r, "log", 0, "log-space box encoding");
  require_default_int(r, "sqrt", 0, "square-root box encoding");
  g.anchors = r.require_floats("anchors");
  if (static_cast<int64_t>(g.anchors.size()) != 2 * num)
    r.fail_key("anchors", concat("has ", g.anchors.size(), " numbers; num=", num, " needs ", 2 * num));
  for (float a : g.anchors)
    if (!(a > 0)) r.fail_key("anchors", concat("anchor sizes must be positive, found ", a));
  return g;
}

ReorgLayer parse_reorg(const SectionReader& r, const FeatureShape& in) {
  check_keys(r, "reorg", {"stride", "reverse", "flatten", "extra"}, true);
  ReorgLayer g;
  // Darknet defaults stride to 1, OpenCV to 2: demand it.
  g.stride = r.require_int_in("stride", 1, kMaxKernel);
  require_default_int(r, "reverse", 0, "the reverse reorg");
  require_default_int(r, "flatten", 0, "the flattening reorg");
  require_default_int(r, "extra", 0, "the extra-channel reorg");
  const int64_t s = g.stride;
  // Darknet writes C*H*W elements into a [C*s*s, H/s, W/s] buffer and indexes channels with C/(s*s): anything
  // that does not divide exactly reads or writes out of bounds there.
  if (in.h % s != 0 || in.w % s != 0)
    r.fail_key("stride", concat(s, " does not divide the input's ", in.h, "x", in.w, " (height x width)"));
  if (in.c % (s * s) != 0)
    r.fail_key("stride", concat("stride*stride = ", s * s, " does not divide the input's ", in.c, " channels"));
  return g;
}

ConnectedLayer parse_connected(const SectionReader& r, const FeatureShape& in, int64_t& weights) {
  check_keys(r, "connected", {"output", "activation", "batch_normalize"}, true);
  ConnectedLayer c;
  // Darknet defaults output to 1 and activation to logistic, OpenCV the activation to linear: demand both.
  c.outputs = r.require_int_in("output", 1, kMaxDim);
  c.activation = parse_activation(r, "activation", r.require_string("activation"));
  c.batch_normalize = r.get_int_in("batch_normalize", 0, 0, 1) == 1;
  if (in.numel() * c.outputs > (int64_t{1} << 31))
    r.fail_key("output", concat(c.outputs, " outputs from ", in.numel(), " inputs is an absurdly large matrix"));
  weights = c.outputs * (c.batch_normalize ? 4 : 1) + c.outputs * in.numel();
  return c;
}

SoftmaxLayer parse_softmax(const SectionReader& r, const FeatureShape& in) {
  check_keys(r, "softmax", {"groups", "temperature", "tree", "spatial"}, true);
  if (r.has("tree")) r.fail_key("tree", "not supported (YOLO9000's hierarchical softmax)");
  SoftmaxLayer g;
  g.groups = r.get_int_in("groups", 1, 1, in.numel());
  if (in.numel() % g.groups != 0)
    r.fail_key("groups",
               concat(g.groups, " does not divide the ", in.numel(), " inputs (", in.c, "x", in.h, "x", in.w, ")"));
  if (r.get_float("temperature", 1.0f) != 1.0f) r.fail_key("temperature", "not supported (only 1)");
  if (r.get_float("spatial", 0.0f) != 0.0f)
    r.fail_key("spatial", "not supported (darknet's GPU-only per-position softmax)");
  return g;
}

LocalAvgPoolLayer parse_local_avgpool(const SectionReader& r) {
  check_keys(r, "local_avgpool", {"size", "stride", "stride_x", "stride_y", "padding"}, true);
  LocalAvgPoolLayer m;
  // Darknet defaults stride to 1 and size to stride: demanded, as for [maxpool].
  const int64_t stride = r.require_int_in("stride", 1, kMaxKernel);
  m.size = r.require_int_in("size", 1, kMaxKernel);
  m.stride_x = r.get_int_in("stride_x", stride, 1, kMaxKernel);
  m.stride_y = r.get_int_in("stride_y", stride, 1, kMaxKernel);
  m.padding = r.get_int_in("padding", m.size - 1, 0, kMaxKernel);
  // A window lying wholly in the padding would divide by a zero count in darknet.
  if (m.padding - m.padding / 2 >= m.size)
    r.fail_key("padding", concat(m.padding, " is too large for size=", m.size, " (a window would hold only padding)"));
  return m;
}

SamLayer parse_sam(const SectionReader& r, int index) {
  check_keys(r, "sam", {"from", "activation"}, true);
  SamLayer s;
  s.from = resolve_layer(r, "from", r.require_int("from"), index);
  s.activation = parse_activation(r, "activation", r.get_string("activation", "linear"));
  return s;
}

// The conv keys a recurrent section ([conv_lstm], [crnn]) shares with [convolutional]: size (default 3),
// stride (1 only), dilation, pad / padding, groups, batch_normalize, xnor (0 only). The convs are built for
// the input's height and width and also read the state, which has the output's: only a size-preserving conv
// (2 * padding = size - 1) is consistent, and darknet does not check that.
template <class Section>
void parse_state_conv(const SectionReader& r, Section& c) {
  c.size = r.get_int_in("size", 3, 1, kMaxKernel);
  require_default_int(r, "stride", 1, "a strided state would not match the input's size");
  c.dilation = r.get_int_in("dilation", 1, 1, kMaxKernel);
  const int64_t pad_flag = r.get_int_in("pad", 0, 0, 1);
  c.padding = pad_flag ? c.size / 2 : r.get_int_in("padding", 0, 0, kMaxKernel);
  c.groups = r.get_int_in("groups", 1, 1, kMaxDim);
  c.batch_normalize = r.get_int_in("batch_normalize", 0, 0, 1) == 1;
  require_default_int(r, "xnor", 0, "XNOR convolution");
  if (2 * c.padding != c.size - 1)
    r.fail_key(pad_flag ? "size" : "padding",
               concat("size=", c.size, " with padding ", c.padding,
                      " changes the feature size; the state needs a size-preserving conv (pad=1 with an odd size)"));
}

// darknet's parse_conv_lstm.
ConvLstmLayer parse_conv_lstm(const SectionReader& r, const FeatureShape& in, int64_t& weights) {
  check_keys(r, "conv_lstm",
             {"output", "size", "stride", "dilation", "pad", "padding", "groups", "activation", "batch_normalize",
              "xnor", "peephole", "bottleneck", "state_constrain", "shortcut", "lstm_activation", "time_normalizer"},
             true);
  ConvLstmLayer c;
  // darknet defaults output to 1 (with a warning): a cfg without it is a mistake, so it is demanded.
  c.filters = r.require_int_in("output", 1, kMaxDim);
  parse_state_conv(r, c);
  c.activation = parse_activation(r, "activation", r.get_string("activation", "linear"));
  c.peephole = r.get_int_in("peephole", 0, 0, 1) == 1;
  require_default_int(r, "bottleneck", 0, "the bottleneck variant, which darknet runs on the GPU only");
  // lstm_activation is read by darknet's GPU code only; its CPU forward always uses tanh.
  if (r.get_string("lstm_activation", "tanh") != "tanh")
    r.fail_key("lstm_activation", "only tanh is supported (darknet's CPU forward pass ignores this key)");
  // shortcut adds only in the bottleneck variant; time_normalizer scales gradients: neither changes inference.
  r.get_int_in("shortcut", 0, 0, 1);
  c.state_constrain = r.get_int_in("state_constrain", 32, 0, int64_t{1} << 30);
  if (in.c % c.groups != 0) r.fail_key("groups", concat(c.groups, " does not divide the ", in.c, " input channels"));
  if (c.filters % c.groups != 0) r.fail_key("groups", concat(c.groups, " does not divide output=", c.filters));
  // darknet's load order (load_weights): [vf, vi, vo,] wf, wi, wg, wo, uf, ui, ug, uo, each as a conv.
  const int64_t per_conv_extra = c.filters * (c.batch_normalize ? 4 : 1);
  const int64_t on_state = per_conv_extra + c.filters * (c.filters / c.groups) * c.size * c.size;
  const int64_t on_input = per_conv_extra + c.filters * (in.c / c.groups) * c.size * c.size;
  weights = (c.peephole ? 3 : 0) * on_state + 4 * on_state + 4 * on_input;
  return c;
}

// darknet's parse_crnn (AlexeyAB's keys; the original darknet's output_filters / hidden_filters are unknown
// keys).
CrnnLayer parse_crnn(const SectionReader& r, const FeatureShape& in, int64_t& weights) {
  check_keys(r, "crnn",
             {"output", "hidden", "size", "stride", "dilation", "pad", "padding", "groups", "activation",
              "batch_normalize", "xnor", "shortcut"},
             true);
  CrnnLayer c;
  // darknet defaults output and hidden to 1 (with a warning): demanded instead.
  c.filters = r.require_int_in("output", 1, kMaxDim);
  c.hidden = r.require_int_in("hidden", 1, kMaxDim);
  parse_state_conv(r, c);
  // darknet's default activation here is logistic.
  c.activation = parse_activation(r, "activation", r.get_string("activation", "logistic"));
  c.shortcut = r.get_int_in("shortcut", 0, 0, 1) == 1;
  for (auto [what, channels] : {std::pair{"input channels", in.c}, {"hidden", c.hidden}, {"output", c.filters}})
    if (channels % c.groups != 0) r.fail_key("groups", concat(c.groups, " does not divide the ", channels, " ", what));
  // darknet's load order: input layer, self layer, output layer, each as a conv.
  auto conv_floats = [&](int64_t filters, int64_t in_channels) {
    return filters * (c.batch_normalize ? 4 : 1) + filters * (in_channels / c.groups) * c.size * c.size;
  };
  weights = conv_floats(c.hidden, in.c) + conv_floats(c.hidden, c.hidden) + conv_floats(c.filters, c.hidden);
  return c;
}

void check_positive_shape(const SectionReader& r, const FeatureShape& s) {
  if (s.c < 1 || s.h < 1 || s.w < 1)
    r.fail_section(concat("output would be ", s.c, "x", s.h, "x", s.w, " (the input is too small for it)"));
  if (s.c > kMaxDim || s.h > kMaxDim || s.w > kMaxDim || s.numel() > (int64_t{1} << 31))
    r.fail_section(concat("output ", s.c, "x", s.h, "x", s.w, " is absurdly large"));
}

}  // namespace

ActivationParams parse_activation(const SectionReader& reader, std::string_view key, std::string_view name) {
  if (name == "linear") return {Activation::None};
  if (name == "leaky") return {Activation::LeakyRelu, 0.1f};
  if (name == "relu") return {Activation::Relu};
  if (name == "relu6") return {Activation::Clip, 0.0f, 6.0f};
  if (name == "logistic") return {Activation::Sigmoid};
  if (name == "tanh") return {Activation::Tanh};
  if (name == "mish") return {Activation::Mish};
  if (name == "swish") return {Activation::Silu};
  if (name == "hard_mish") return {Activation::HardMish};
  reader.fail_key(key, concat("unsupported activation '", name,
                              "' (supported: linear, leaky, relu, relu6, logistic, tanh, mish, swish, hard_mish)"));
}

int64_t Network::total_weight_floats() const {
  int64_t n = 0;
  for (const Layer& l : layers) n += l.weight_floats;
  return n;
}

FeatureShape Network::shape_of(int i) const {
  if (i < 0) return {channels, height, width};
  return layers[static_cast<size_t>(i)].out;
}

Network parse_network(const CfgFile& cfg) {
  Network net;
  net.cfg_path = cfg.path;
  if (cfg.sections.empty()) fail(cfg.path, ": no sections (is this a darknet cfg file?)");
  {
    const CfgSection& first = cfg.sections.front();
    SectionReader r(cfg, first);
    if (canonical_section(first.name) != "net") r.fail_section("the first section must be [net] (or [network])");
    check_keys(r, "net", {"width", "height", "channels", "inputs", "letter_box"}, false);
    net.width = r.require_int_in("width", 1, kMaxDim);
    net.height = r.require_int_in("height", 1, kMaxDim);
    net.channels = r.require_int_in("channels", 1, kMaxDim);
    if (r.has("inputs") && r.get_int("inputs", 0) != net.width * net.height * net.channels)
      r.fail_key("inputs", "must equal width*height*channels (non-image inputs are not supported)");
    net.letter_box = r.get_int_in("letter_box", 0, 0, 1) == 1;
  }

  for (size_t s = 1; s < cfg.sections.size(); ++s) {
    const CfgSection& section = cfg.sections[s];
    SectionReader r(cfg, section);
    Layer layer;
    layer.index = static_cast<int>(net.layers.size());
    layer.line = section.line;
    layer.type = canonical_section(section.name);
    layer.input = layer.index - 1;
    layer.in = net.shape_of(layer.input);
    const FeatureShape in = layer.in;
    auto shape_of = [&](int i) { return net.shape_of(i); };
    auto type_of = [&](int i) -> std::string { return i < 0 ? "net" : net.layers[static_cast<size_t>(i)].type; };
    auto check_readable = [&](std::string_view key, int i) {
      const std::string t = type_of(i);
      if (t == "yolo" || t == "Gaussian_yolo" || t == "region")
        r.fail_key(key, concat("refers to [", t, "] layer ", i, "; only its input can feed other layers"));
      if (t == "softmax" || t == "cost")
        r.fail_key(key,
                   concat("refers to [", t, "] layer ", i, "; vigil supports [", t, "] only at the network's end"));
    };
    // Every layer but [route] reads the previous layer's output, which must not be a head's.
    const std::string prev_type = type_of(layer.input);
    if (layer.type != "route" && (prev_type == "yolo" || prev_type == "Gaussian_yolo" || prev_type == "region"))
      r.fail_section(concat("reads the output of [", prev_type, "] layer ", layer.input,
                            "; only a [route] may follow a [", prev_type, "] layer"));
    if (prev_type == "cost")
      r.fail_section(concat("follows [cost] layer ", layer.input,
                            ", which must be the last layer (darknet's output is the layer before it)"));
    if (prev_type == "softmax" && layer.type != "cost")
      r.fail_section(concat("follows [softmax] layer ", layer.input,
                            "; vigil supports [softmax] only at the network's end (optionally followed by [cost])"));

    if (layer.type == "net") {
      r.fail_section("a second [net] section");
    } else if (layer.type == "convolutional") {
      ConvolutionalLayer c = parse_convolutional(r, in, layer.weight_floats);
      layer.out = {c.filters, (in.h + 2 * c.padding - c.size) / c.stride_y + 1,
                   (in.w + 2 * c.padding - c.size) / c.stride_x + 1};
      if (in.h + 2 * c.padding < c.size || in.w + 2 * c.padding < c.size)
        r.fail_section(concat("kernel size ", c.size, " exceeds the padded input ", in.h, "x", in.w));
      if (c.dilation > 1) {
        // darknet sizes the output without the dilation but convolves with padding * dilation on each side and
        // a (size - 1) * dilation + 1 window: the two agree only for some paddings (2 * padding = size - 1, as
        // pad=1 gives an odd size). Otherwise darknet's buffers and its convolution disagree: refused.
        const int64_t extent = (c.size - 1) * c.dilation + 1, pad = c.padding * c.dilation;
        const int64_t dilated_h = (in.h + 2 * pad - extent) / c.stride_y + 1;
        const int64_t dilated_w = (in.w + 2 * pad - extent) / c.stride_x + 1;
        if (in.h + 2 * pad < extent || in.w + 2 * pad < extent || dilated_h != layer.out.h || dilated_w != layer.out.w)
          r.fail_key("dilation",
                     concat(c.dilation, " with size=", c.size, " and padding ", c.padding, ": darknet's output size ",
                            layer.out.h, "x", layer.out.w,
                            " (computed without the dilation) differs from what its dilated convolution covers; "
                            "use pad=1 with an odd size"));
      }
      layer.params = c;
    } else if (layer.type == "maxpool") {
      MaxPoolLayer m = parse_maxpool(r);
      if (in.h + m.padding < m.size || in.w + m.padding < m.size)
        r.fail_section(concat("size ", m.size, " exceeds the padded input ", in.h, "x", in.w));
      layer.out = {in.c, (in.h + m.padding - m.size) / m.stride_y + 1, (in.w + m.padding - m.size) / m.stride_x + 1};
      layer.params = m;
    } else if (layer.type == "avgpool") {
      check_keys(r, "avgpool", {}, true);
      layer.out = {in.c, 1, 1};
      layer.params = AvgPoolLayer{};
    } else if (layer.type == "route") {
      RouteLayer route = parse_route(r, layer.index);
      FeatureShape first = shape_of(route.inputs.front());
      layer.out = {0, first.h, first.w};
      for (int i : route.inputs) {
        check_readable("layers", i);
        FeatureShape s = shape_of(i);
        if (s.h != first.h || s.w != first.w)
          r.fail_key("layers", concat("layer ", i, " is ", s.h, "x", s.w, " but layer ", route.inputs.front(), " is ",
                                      first.h, "x", first.w, " (routed layers must share height and width)"));
        if (s.c % route.groups != 0)
          r.fail_key("groups", concat(route.groups, " does not divide the ", s.c, " channels of layer ", i));
        layer.out.c += s.c / route.groups;
      }
      layer.params = route;
    } else if (layer.type == "shortcut") {
      ShortcutLayer sc = parse_shortcut(r, layer.index, in, layer.weight_floats);
      for (int i : sc.from) {
        check_readable("from", i);
        FeatureShape s = shape_of(i);
        if (s.h != in.h || s.w != in.w)
          r.fail_key("from",
                     concat("layer ", i, " is ", s.c, "x", s.h, "x", s.w, " but the previous layer is ", in.c, "x",
                            in.h, "x", in.w, "; shortcuts across different spatial sizes are not supported"));
      }
      layer.out = in;  // darknet: the previous layer's shape; channels beyond the other's count pass through
      layer.params = sc;
    } else if (layer.type == "upsample") {
      UpsampleLayer u = parse_upsample(r);
      layer.out = {in.c, in.h * u.stride, in.w * u.stride};
      layer.params = u;
    } else if (layer.type == "scale_channels") {
      ScaleChannelsLayer sc = parse_scale_channels(r, layer.index);
      check_readable("from", sc.from);
      FeatureShape target = shape_of(sc.from);
      bool ok = sc.scale_wh ? (in.c == 1 && in.h == target.h && in.w == target.w)
                            : (in.c == target.c && in.h == 1 && in.w == 1);
      if (!ok)
        r.fail_section(concat("the previous layer (", in.c, "x", in.h, "x", in.w, ") cannot scale layer ", sc.from,
                              " (", target.c, "x", target.h, "x", target.w, "); expected ",
                              sc.scale_wh ? concat("1x", target.h, "x", target.w) : concat(target.c, "x1x1")));
      layer.out = target;
      layer.params = sc;
    } else if (layer.type == "dropout") {
      check_keys(r, "dropout", {}, true);
      layer.out = in;
      layer.params = DropoutLayer{};
    } else if (layer.type == "yolo" || layer.type == "Gaussian_yolo") {
      YoloLayer y = parse_yolo(r, layer.type == "Gaussian_yolo");
      // new_coords decodes the previous layer's values as they are: darknet's own scaled-YOLOv4 cfgs put a
      // logistic conv there. Darknet does not check; any other activation would give boxes and scores that are
      // not what the model was trained to output, so vigil refuses it.
      if (y.new_coords) {
        const Layer* prev = layer.input < 0 ? nullptr : &net.layers[static_cast<size_t>(layer.input)];
        const auto* conv = prev ? std::get_if<ConvolutionalLayer>(&prev->params) : nullptr;
        if (!conv || conv->activation.kind != Activation::Sigmoid)
          r.fail_key("new_coords", concat("new_coords=1 needs the layer before it to be a [convolutional] with "
                                          "activation=logistic (layer ",
                                          layer.input, " is ", prev ? concat("[", prev->type, "]") : "the input",
                                          conv ? " without activation=logistic" : "", ")"));
      }
      const int64_t box_entries = y.gaussian ? 9 : 5;  // Gaussian: x, y, w, h each with an uncertainty
      const int64_t expected = static_cast<int64_t>(y.mask.size()) * (y.classes + box_entries);
      if (in.c != expected)
        r.fail_section(concat("its input has ", in.c, " channels but mask has ", y.mask.size(),
                              " anchors and classes=", y.classes, ", which needs ", y.mask.size(), "*(", y.classes, "+",
                              box_entries, ") = ", expected, " (the filters= of the [convolutional] before it)"));
      layer.out = in;
      layer.params = y;
    } else if (layer.type == "region") {
      RegionLayer g = parse_region(r);
      const int64_t num = static_cast<int64_t>(g.anchors.size() / 2), expected = num * (g.classes + 5);
      if (in.c != expected)
        r.fail_section(concat("its input has ", in.c, " channels but num=", num, " and classes=", g.classes, " need ",
                              num, "*(", g.classes, "+5) = ", expected,
                              " (the filters= of the [convolutional] before it)"));
      layer.out = in;
      layer.params = g;
    } else if (layer.type == "reorg") {
      ReorgLayer g = parse_reorg(r, in);
      layer.out = {in.c * g.stride * g.stride, in.h / g.stride, in.w / g.stride};
      layer.params = g;
    } else if (layer.type == "connected") {
      ConnectedLayer c = parse_connected(r, in, layer.weight_floats);
      layer.out = {c.outputs, 1, 1};
      layer.params = c;
    } else if (layer.type == "softmax") {
      layer.params = parse_softmax(r, in);
      layer.out = in;
    } else if (layer.type == "local_avgpool") {
      LocalAvgPoolLayer m = parse_local_avgpool(r);
      if (in.h + m.padding < m.size || in.w + m.padding < m.size)
        r.fail_section(concat("size ", m.size, " exceeds the padded input ", in.h, "x", in.w));
      layer.out = {in.c, (in.h + m.padding - m.size) / m.stride_y + 1, (in.w + m.padding - m.size) / m.stride_x + 1};
      layer.params = m;
    } else if (layer.type == "sam") {
      SamLayer sam = parse_sam(r, layer.index);
      check_readable("from", sam.from);
      const FeatureShape other = shape_of(sam.from);
      if (other.c != in.c || other.h != in.h || other.w != in.w)
        r.fail_key("from", concat("layer ", sam.from, " is ", other.c, "x", other.h, "x", other.w,
                                  " but the previous layer is ", in.c, "x", in.h, "x", in.w,
                                  " ([sam] multiplies equal shapes element-wise)"));
      layer.out = in;
      layer.params = sam;
    } else if (layer.type == "conv_lstm") {
      layer.params = parse_conv_lstm(r, in, layer.weight_floats);
      layer.out = {std::get<ConvLstmLayer>(layer.params).filters, in.h, in.w};
    } else if (layer.type == "crnn") {
      layer.params = parse_crnn(r, in, layer.weight_floats);
      layer.out = {std::get<CrnnLayer>(layer.params).filters, in.h, in.w};
    } else if (layer.type == "cost") {
      check_keys(r, "cost", {}, true);
      layer.out = in;
      layer.params = CostLayer{};
    } else {
      r.fail_section(
          "unknown or unsupported section (supported: net, convolutional, connected, maxpool, avgpool, "
          "local_avgpool, route, shortcut, upsample, scale_channels, sam, reorg, dropout, softmax, cost, yolo, "
          "Gaussian_yolo, region, conv_lstm, crnn)");
    }
    check_positive_shape(r, layer.out);
    net.layers.push_back(std::move(layer));
  }
  if (net.layers.empty()) fail(cfg.path, ": the cfg has a [net] section but no layers");
  return net;
}

}  // namespace vigil::darknet
