#include "loaders/darknet/darknet_graph.h"

#include <algorithm>
#include <cmath>

#include "engine/error.h"
#include "engine/graph_builder.h"
#include "engine/ops/activation_attrs.h"
#include "loaders/vgl/metadata_keys.h"
#include "loaders/yolo/yolo_decoding.h"

namespace vigil::darknet {

using kernels::Activation;
using kernels::ActivationParams;

namespace {

std::string layer_label(const Network& net, const Layer& l) {
  return concat(net.cfg_path, ":", l.line, ": layer ", l.index, " [", l.type, "]");
}

std::vector<int64_t> ints(std::initializer_list<int64_t> v) { return std::vector<int64_t>(v); }

class GraphConstruction {
 public:
  GraphConstruction(const Network& net, WeightsReader& weights, const DarknetImportOptions& options)
      : net_(net), weights_(weights), options_(options) {}

  Graph run(const std::vector<std::string>& class_names) {
    input_ = b_.input("input", DType::F32, {1, net_.channels, net_.height, net_.width});
    for (const Layer& layer : net_.layers) {
      int v = std::visit([&](const auto& p) { return add(layer, p); }, layer.params);
      values_.push_back(v);
    }
    if (weights_.remaining() != 0)  // the header check makes this unreachable; keep the invariant explicit
      fail(net_.cfg_path, ": internal error: ", weights_.remaining(), " weights floats left unread");
    for (int v : values_) layer_value_names_.push_back(b_.graph().values[static_cast<size_t>(v)].name);
    add_outputs_and_metadata(class_names);
    add_state_outputs();
    Graph g = b_.build();
    check_shapes(g);
    return g;
  }

 private:
  int value_of(int layer) const { return layer < 0 ? input_ : values_[static_cast<size_t>(layer)]; }
  int prev(const Layer& l) const { return value_of(l.input); }
  static std::string name(const Layer& l, std::string_view kind) { return concat(kind, "_", l.index); }

  int constant(const std::string& name, Shape shape, const std::vector<float>& data) {
    return b_.constant(name, Tensor::from_f32(shape, data));
  }

  int slice_channels(const std::string& name, int value, int64_t begin, int64_t end) {
    return b_.node(OpType::Slice, name, {value},
                   {{"starts", ints({begin})}, {"ends", ints({end})}, {"axes", ints({1})}});
  }

  // A standalone activation node (where no op to fuse into exists).
  int activation_node(const std::string& name, int value, const ActivationParams& act, const Layer& l) {
    switch (act.kind) {
      case Activation::None: return value;
      case Activation::Relu: return b_.node(OpType::Relu, name, {value});
      case Activation::LeakyRelu: return b_.node(OpType::LeakyRelu, name, {value}, {{"alpha", act.alpha}});
      case Activation::Sigmoid: return b_.node(OpType::Sigmoid, name, {value});
      case Activation::Tanh: return b_.node(OpType::Tanh, name, {value});
      case Activation::Silu: return b_.node(OpType::Silu, name, {value});
      case Activation::Mish: return b_.node(OpType::Mish, name, {value});
      case Activation::Clip: return b_.node(OpType::Clip, name, {value}, {{"min", act.alpha}, {"max", act.beta}});
      default:
        fail(layer_label(net_, l), ": activation '", kernels::activation_name(act.kind),
             "' is not supported on a shortcut whose other input has fewer channels");
    }
  }

  // A Conv2d over `input` with darknet's bias / batch norm / activation: y = act(scale * (conv(x) - mean) /
  // sqrt(var + eps) + bias) with batch norm, act(conv(x) + bias) without. Shared by [convolutional] and
  // [connected] (a 1x1 conv over the flattened input), which store these arrays in different orders.
  int conv_with_bias(const Layer& l, const std::string& n, int input, const Shape& w_shape, Attributes attrs,
                     bool batch_normalize, const ActivationParams& activation, const std::vector<float>& w,
                     const std::vector<float>& bias, const std::vector<float>& scales, const std::vector<float>& mean,
                     const std::vector<float>& variance) {
    const int64_t filters = w_shape[0];
    const int64_t per_filter = w_shape.numel() / filters;
    const double eps = options_.batch_norm_epsilon;
    if (batch_normalize) {
      for (int64_t o = 0; o < filters; ++o) {
        const double var = variance[static_cast<size_t>(o)];
        if (!(var + eps > 0))
          fail(layer_label(net_, l), ": batch-norm variance of filter ", o, " is ", var,
               "; variance + epsilon must be positive");
      }
    }
    if (batch_normalize && options_.fold_batch_norm) {
      // Folded into the conv in double.
      std::vector<float> folded_w(w.size()), folded_b(static_cast<size_t>(filters));
      for (int64_t o = 0; o < filters; ++o) {
        const size_t oi = static_cast<size_t>(o);
        const double s = static_cast<double>(scales[oi]) / std::sqrt(static_cast<double>(variance[oi]) + eps);
        for (int64_t k = 0; k < per_filter; ++k) {
          const size_t i = static_cast<size_t>(o * per_filter + k);
          folded_w[i] = static_cast<float>(static_cast<double>(w[i]) * s);
        }
        folded_b[oi] = static_cast<float>(static_cast<double>(bias[oi]) - static_cast<double>(mean[oi]) * s);
      }
      ops::set_fused_activation(attrs, activation);
      return b_.node(OpType::Conv2d, n,
                     {input, constant(n + ".weight", w_shape, folded_w), constant(n + ".bias", {filters}, folded_b)},
                     attrs);
    }
    if (batch_normalize) {
      int conv = b_.node(OpType::Conv2d, n + "/conv", {input, constant(n + ".weight", w_shape, w)}, attrs);
      Attributes bn;
      bn.set("epsilon", options_.batch_norm_epsilon);
      ops::set_fused_activation(bn, activation);
      const Shape per_channel{filters};
      return b_.node(OpType::BatchNorm, n,
                     {conv, constant(n + ".bn_scale", per_channel, scales), constant(n + ".bn_bias", per_channel, bias),
                      constant(n + ".bn_mean", per_channel, mean), constant(n + ".bn_var", per_channel, variance)},
                     bn);
    }
    ops::set_fused_activation(attrs, activation);
    return b_.node(OpType::Conv2d, n,
                   {input, constant(n + ".weight", w_shape, w), constant(n + ".bias", {filters}, bias)}, attrs);
  }

  int add(const Layer& l, const ConvolutionalLayer& c) {
    const std::string where = concat("layer ", l.index, " [convolutional]");
    const int64_t per_filter = (l.in.c / c.groups) * c.size * c.size;
    // darknet's order: biases, [scales, rolling means, rolling variances], weights (OIHW).
    std::vector<float> bias = weights_.read(c.filters, where + " biases");
    std::vector<float> scales, mean, variance;
    if (c.batch_normalize) {
      scales = weights_.read(c.filters, where + " batch-norm scales");
      mean = weights_.read(c.filters, where + " batch-norm means");
      variance = weights_.read(c.filters, where + " batch-norm variances");
    }
    std::vector<float> w = weights_.read(c.filters * per_filter, where + " weights");

    Attributes attrs;
    attrs.set("strides", ints({c.stride_y, c.stride_x}));
    // darknet pads padding * dilation (its im2col_cpu_ext call); the parser checked the output size agrees.
    const int64_t pad = c.padding * c.dilation;
    attrs.set("pads", ints({pad, pad, pad, pad}));
    if (c.dilation > 1) attrs.set("dilations", ints({c.dilation, c.dilation}));
    attrs.set("group", c.groups);
    return conv_with_bias(l, name(l, "conv"), prev(l), Shape{c.filters, l.in.c / c.groups, c.size, c.size}, attrs,
                          c.batch_normalize, c.activation, w, bias, scales, mean, variance);
  }

  int add(const Layer& l, const ConnectedLayer& c) {
    const std::string where = concat("layer ", l.index, " [connected]");
    const int64_t inputs = l.in.numel();
    // darknet's order (load_connected_weights): biases, weights [outputs][inputs], then with batch norm the
    // scales, rolling means and rolling variances.
    std::vector<float> bias = weights_.read(c.outputs, where + " biases");
    std::vector<float> w = weights_.read(c.outputs * inputs, where + " weights");
    std::vector<float> scales, mean, variance;
    if (c.batch_normalize) {
      scales = weights_.read(c.outputs, where + " batch-norm scales");
      mean = weights_.read(c.outputs, where + " batch-norm means");
      variance = weights_.read(c.outputs, where + " batch-norm variances");
    }
    const std::string n = name(l, "connected");
    // The input flattened in darknet's (c, h, w) order, which is NCHW's own: a 1x1 conv over [1, C*H*W, 1, 1]
    // is then the matrix product, with the conv's fused activation and batch-norm folding.
    int flat = prev(l);
    if (l.in.h != 1 || l.in.w != 1)
      flat = b_.node(OpType::Reshape, n + "/flatten", {flat}, {{"shape", ints({1, inputs, 1, 1})}});
    return conv_with_bias(l, n, flat, Shape{c.outputs, inputs, 1, 1}, Attributes{}, c.batch_normalize, c.activation, w,
                          bias, scales, mean, variance);
  }

  int add(const Layer& l, const ReorgLayer& r) {
    // darknet's reorg_cpu(input, w, h, c, stride, forward = 0): output element (k, j, i) of a [C, H, W] view
    // is input element (k % (C/s^2), j*s + (k / (C/s^2)) / s, i*s + (k / (C/s^2)) % s) of a [C/s^2, H*s, W*s]
    // view of the same buffer. With the input seen as [C/s^2, H, s, W, s] (c2, j, dy, i, dx), the output is
    // its transpose to (dy, dx, c2, j, i), read as [C*s^2, H/s, W/s].
    const std::string n = name(l, "reorg");
    const int64_t s = r.stride, c2 = l.in.c / (s * s);
    int v = b_.node(OpType::Reshape, n + "/split", {prev(l)}, {{"shape", ints({c2, l.in.h, s, l.in.w, s})}});
    v = b_.node(OpType::Transpose, n + "/permute", {v}, {{"perm", ints({2, 4, 0, 1, 3})}});
    return b_.node(OpType::Reshape, n, {v}, {{"shape", ints({1, l.out.c, l.out.h, l.out.w})}});
  }

  int add(const Layer& l, const SoftmaxLayer& s) {
    // darknet: a softmax over each of `groups` contiguous slices of the flattened input.
    const std::string n = name(l, "softmax");
    const int64_t inputs = l.in.numel();
    int v = b_.node(OpType::Reshape, n + "/groups", {prev(l)}, {{"shape", ints({1, s.groups, inputs / s.groups})}});
    v = b_.node(OpType::Softmax, n + "/softmax", {v}, {{"axis", int64_t{-1}}});
    return b_.node(OpType::Reshape, n, {v}, {{"shape", ints({1, l.in.c, l.in.h, l.in.w})}});
  }

  int add(const Layer& l, const CostLayer&) { return prev(l); }

  int add(const Layer& l, const LocalAvgPoolLayer& m) {
    // darknet averages over the window cells inside the input only: count_include_pad = 0, windows placed
    // as [maxpool]'s (padding/2 before, the rest after).
    const int64_t before = m.padding / 2, after = m.padding - m.padding / 2;
    return b_.node(OpType::AveragePool, name(l, "local_avgpool"), {prev(l)},
                   {{"kernel_shape", ints({m.size, m.size})},
                    {"strides", ints({m.stride_y, m.stride_x})},
                    {"pads", ints({before, before, after, after})},
                    {"count_include_pad", int64_t{0}}});
  }

  int add(const Layer& l, const SamLayer& s) {
    Attributes attrs;
    ops::set_fused_activation(attrs, s.activation);
    return b_.node(OpType::Mul, name(l, "sam"), {prev(l), value_of(s.from)}, attrs);
  }

  int add(const Layer& l, const MaxPoolLayer& m) {
    // darknet pads padding/2 before and the rest after; padded cells never win the max.
    const int64_t before = m.padding / 2, after = m.padding - m.padding / 2;
    return b_.node(OpType::MaxPool, name(l, "maxpool"), {prev(l)},
                   {{"kernel_shape", ints({m.size, m.size})},
                    {"strides", ints({m.stride_y, m.stride_x})},
                    {"pads", ints({before, before, after, after})}});
  }

  int add(const Layer& l, const AvgPoolLayer&) {
    return b_.node(OpType::GlobalAveragePool, name(l, "avgpool"), {prev(l)});
  }

  int add(const Layer& l, const RouteLayer& r) {
    const std::string n = name(l, "route");
    std::vector<int> parts;
    for (size_t k = 0; k < r.inputs.size(); ++k) {
      int v = value_of(r.inputs[k]);
      if (r.groups > 1) {
        // darknet takes the group_id-th of `groups` equal channel slices of every routed layer.
        const int64_t part = net_.shape_of(r.inputs[k]).c / r.groups;
        v = slice_channels(concat(n, "/slice", k), v, part * r.group_id, part * (r.group_id + 1));
      }
      parts.push_back(v);
    }
    if (parts.size() == 1) return parts[0];  // a plain reference: no node needed
    return b_.node(OpType::Concat, n, parts, {{"axis", int64_t{1}}});
  }

  // A weighted shortcut's weights, normalised as darknet's shortcut_multilayer_cpu does (in double): for each
  // of the n + 1 inputs (the previous layer first, then the `from` layers) and each channel (one value for
  // all channels with per_feature), darknet's index input * step + channel into the raw weights.
  std::vector<std::vector<float>> shortcut_weights(const Layer& l, const ShortcutLayer& s) {
    const int64_t inputs = static_cast<int64_t>(s.from.size()) + 1;
    const int64_t per_input = s.weights == ShortcutWeights::PerChannel ? l.in.c : 1;
    const std::vector<float> raw = weights_.read(inputs * per_input, concat("layer ", l.index, " [shortcut] weights"));
    std::vector<std::vector<float>> out(static_cast<size_t>(inputs),
                                        std::vector<float>(static_cast<size_t>(per_input)));
    for (int64_t ch = 0; ch < per_input; ++ch) {
      auto w = [&](int64_t k) { return static_cast<double>(raw[static_cast<size_t>(k * per_input + ch)]); };
      double largest = -INFINITY, sum = 1.0;
      if (s.normalization != ShortcutNormalization::None) {
        for (int64_t k = 0; k < inputs; ++k) largest = std::max(largest, w(k));
        sum = 0.0001;  // darknet's eps, added to the sum of both normalisations
        for (int64_t k = 0; k < inputs; ++k)
          sum += s.normalization == ShortcutNormalization::Relu ? std::max(w(k), 0.0) : std::exp(w(k) - largest);
      }
      for (int64_t k = 0; k < inputs; ++k) {
        double v = w(k);
        if (s.normalization == ShortcutNormalization::Relu) v = std::max(v, 0.0) / sum;
        if (s.normalization == ShortcutNormalization::Softmax) v = std::exp(v - largest) / sum;
        out[static_cast<size_t>(k)][static_cast<size_t>(ch)] = static_cast<float>(v);
      }
    }
    return out;
  }

  // value * the input's weights (their first `channels` for a layer with fewer channels than the shortcut).
  int weigh(const std::string& n, int value, const std::vector<float>& w, int64_t channels) {
    const bool per_channel = w.size() > 1;
    const std::vector<float> used(w.begin(), per_channel ? w.begin() + channels : w.end());
    const Shape shape = per_channel ? Shape{channels, 1, 1} : Shape{1};
    return b_.node(OpType::Mul, n, {value, constant(n + ".weight", shape, used)});
  }

  int add(const Layer& l, const ShortcutLayer& s) {
    // darknet adds the other layer's output element-wise over the first min(C, C_from) channels; the
    // output keeps the previous layer's shape, its extra channels passing through. A weighted shortcut
    // first multiplies each input by its (normalised) weights.
    const std::string n = name(l, "shortcut");
    const int64_t c = l.in.c;
    std::vector<std::vector<float>> weights;
    if (s.weights != ShortcutWeights::None) weights = shortcut_weights(l, s);
    int acc = prev(l);
    if (!weights.empty()) acc = weigh(n + "/weigh0", acc, weights[0], c);
    for (size_t k = 0; k < s.from.size(); ++k) {
      const bool last = k + 1 == s.from.size();
      const std::string step = s.from.size() == 1 ? n : concat(n, "/add", k);
      const std::string out_name = last ? n : step;
      int other = value_of(s.from[k]);
      const int64_t c_other = net_.shape_of(s.from[k]).c;
      if (c_other > c) other = slice_channels(concat(n, "/from", k), other, 0, c);
      if (!weights.empty()) other = weigh(concat(n, "/weigh", k + 1), other, weights[k + 1], std::min(c, c_other));
      if (c_other >= c) {
        Attributes attrs;
        if (last) ops::set_fused_activation(attrs, s.activation);
        acc = b_.node(OpType::Add, out_name, {acc, other}, attrs);
      } else {
        int head = slice_channels(concat(n, "/head", k), acc, 0, c_other);
        int tail = slice_channels(concat(n, "/tail", k), acc, c_other, c);
        int sum = b_.node(OpType::Add, concat(n, "/sum", k), {head, other});
        const bool act = last && s.activation.kind != Activation::None;
        acc = b_.node(OpType::Concat, act ? concat(n, "/concat") : out_name, {sum, tail}, {{"axis", int64_t{1}}});
        if (act) acc = activation_node(out_name, acc, s.activation, l);
      }
    }
    return acc;
  }

  int add(const Layer& l, const UpsampleLayer& u) {
    const std::string n = name(l, "upsample");
    const float s = static_cast<float>(u.stride);
    const bool scaled = u.scale != 1.0f;
    int v = b_.node(OpType::Resize, scaled ? n + "/resize" : n, {prev(l)},
                    {{"mode", std::string("nearest")},
                     {"coordinate_transformation_mode", std::string("asymmetric")},
                     {"nearest_mode", std::string("floor")},
                     {"scales", std::vector<float>{1.0f, 1.0f, s, s}}});
    if (scaled) v = b_.node(OpType::Mul, n, {v, constant(n + ".scale", {1}, {u.scale})});
    return v;
  }

  int add(const Layer& l, const ScaleChannelsLayer& s) {
    Attributes attrs;
    ops::set_fused_activation(attrs, s.activation);
    return b_.node(OpType::Mul, name(l, "scale_channels"), {value_of(s.from), prev(l)}, attrs);
  }

  int add(const Layer& l, const DropoutLayer&) { return prev(l); }

  // One conv of a recurrent section ([conv_lstm] gate, [crnn] input/self/output) as stored in .weights:
  // biases, [scales, means, variances], kernel.
  struct GateConvWeights {
    std::string name;
    Shape shape;
    std::vector<float> w, bias, scales, mean, variance;
  };

  template <class Section>
  GateConvWeights read_gate_conv(const Layer& l, const Section& c, const std::string& gate, int64_t filters,
                                 int64_t in_channels) {
    const std::string where = concat("layer ", l.index, " [", l.type, "] ", gate);
    GateConvWeights g;
    g.name = name(l, l.type) + "/" + gate;
    g.bias = weights_.read(filters, where + " biases");
    if (c.batch_normalize) {
      g.scales = weights_.read(filters, where + " batch-norm scales");
      g.mean = weights_.read(filters, where + " batch-norm means");
      g.variance = weights_.read(filters, where + " batch-norm variances");
    }
    g.shape = Shape{filters, in_channels / c.groups, c.size, c.size};
    g.w = weights_.read(g.shape.numel(), where + " weights");
    return g;
  }

  // Several gate convs over the same input as one conv: their filters (and biases, batch-norm vectors)
  // stacked in order.
  static GateConvWeights stacked(const std::vector<GateConvWeights>& gates, std::string name) {
    GateConvWeights all;
    all.name = std::move(name);
    for (const GateConvWeights& g : gates)
      for (auto [to, from] : {std::pair{&all.w, &g.w},
                              {&all.bias, &g.bias},
                              {&all.scales, &g.scales},
                              {&all.mean, &g.mean},
                              {&all.variance, &g.variance}})
        to->insert(to->end(), from->begin(), from->end());
    all.shape = gates.front().shape;
    all.shape[0] *= static_cast<int64_t>(gates.size());
    return all;
  }

  // Stride 1 and size-preserving (the parser checked 2 * padding = size - 1).
  template <class Section>
  int gate_conv(const Layer& l, const Section& c, const GateConvWeights& g, int input) {
    Attributes attrs;
    const int64_t pad = c.padding * c.dilation;
    attrs.set("pads", ints({pad, pad, pad, pad}));
    if (c.dilation > 1) attrs.set("dilations", ints({c.dilation, c.dilation}));
    attrs.set("group", c.groups);
    return conv_with_bias(l, g.name, input, g.shape, attrs, c.batch_normalize, c.activation, g.w, g.bias, g.scales,
                          g.mean, g.variance);
  }

  // forward_conv_lstm_layer for one time step, in darknet's order of operations. The previous step's h and c
  // are graph inputs and the new ones graph outputs, paired in the metadata (state_inputs / state_outputs) so
  // that `vigil detect` carries them from frame to frame.
  int add(const Layer& l, const ConvLstmLayer& c) {
    const std::string n = name(l, "conv_lstm");
    const Shape state_shape{1, c.filters, l.out.h, l.out.w};
    const int h_prev = b_.input(n + ".h_in", DType::F32, state_shape);
    const int c_prev = b_.input(n + ".c_in", DType::F32, state_shape);
    // darknet's weights order: [vf, vi, vo,] wf, wi, wg, wo, uf, ui, ug, uo.
    std::vector<GateConvWeights> peep, on_h, on_x;
    if (c.peephole)
      for (const char* gate : {"vf", "vi", "vo"}) peep.push_back(read_gate_conv(l, c, gate, c.filters, c.filters));
    for (const char* gate : {"wf", "wi", "wg", "wo"}) on_h.push_back(read_gate_conv(l, c, gate, c.filters, c.filters));
    for (const char* gate : {"uf", "ui", "ug", "uo"}) on_x.push_back(read_gate_conv(l, c, gate, c.filters, l.in.c));

    // W_k h + U_k x for the gates k = f, i, g, o. Without groups the four W convs run as one conv with 4F
    // filters, and so do the four U convs (each output channel is still its own gate's conv, bias or batch
    // norm and activation), and the gates are channel slices of their sum. With groups a merged conv would
    // pair other channel groups, so each gate keeps its two convs.
    std::vector<int> pre(4);
    if (c.groups == 1) {
      const int wh = gate_conv(l, c, stacked(on_h, n + "/w"), h_prev);
      const int ux = gate_conv(l, c, stacked(on_x, n + "/u"), prev(l));
      const int sum = b_.node(OpType::Add, n + "/gates", {wh, ux});
      for (int64_t k = 0; k < 4; ++k)
        pre[static_cast<size_t>(k)] =
            slice_channels(concat(n, "/", "figo"[k], "_sum"), sum, k * c.filters, (k + 1) * c.filters);
    } else {
      for (size_t k = 0; k < 4; ++k)
        pre[k] = b_.node(OpType::Add, concat(n, "/", "figo"[k], "_sum"),
                         {gate_conv(l, c, on_h[k], h_prev), gate_conv(l, c, on_x[k], prev(l))});
    }
    // Gate pre-activation k, with the peephole V_k c added last (darknet's order of the sums).
    auto gate_sum = [&](size_t k, int peephole_value, const char* gate) {
      if (peephole_value < 0) return pre[k];
      return b_.node(OpType::Add, concat(n, "/", gate, "_peep"), {pre[k], peephole_value});
    };
    const int f_gate =
        b_.node(OpType::Sigmoid, n + "/f", {gate_sum(0, c.peephole ? gate_conv(l, c, peep[0], c_prev) : -1, "f")});
    const int i_gate =
        b_.node(OpType::Sigmoid, n + "/i", {gate_sum(1, c.peephole ? gate_conv(l, c, peep[1], c_prev) : -1, "i")});
    const int g_gate = b_.node(OpType::Tanh, n + "/g", {gate_sum(2, -1, "g")});
    const int ig = b_.node(OpType::Mul, n + "/i_g", {i_gate, g_gate});
    const int fc = b_.node(OpType::Mul, n + "/f_c", {f_gate, c_prev});
    const bool clipped = c.state_constrain > 0;
    const int c_new = b_.node(OpType::Add, clipped ? n + "/c_unclipped" : n + ".c", {fc, ig});
    const int o_gate =
        b_.node(OpType::Sigmoid, n + "/o", {gate_sum(3, c.peephole ? gate_conv(l, c, peep[2], c_new) : -1, "o")});
    const int tanh_c = b_.node(OpType::Tanh, n + "/tanh_c", {c_new});
    const int h_new = b_.node(OpType::Mul, n, {o_gate, tanh_c});
    // darknet clips the stored cell after computing h (constrain_cpu), and replaces non-finite values by
    // arbitrary ones (fix_nan_and_inf_cpu), which vigil does not imitate.
    int c_out = c_new;
    if (clipped) {
      const float bound = static_cast<float>(c.state_constrain);
      c_out = b_.node(OpType::Clip, n + ".c", {c_new}, {{"min", -bound}, {"max", bound}});
    }
    state_pairs_.push_back({h_new, h_prev});
    state_pairs_.push_back({c_out, c_prev});
    return h_new;
  }

  // forward_crnn_layer for one time step: state' = [state +] conv_in(x) + conv_self(state), output
  // conv_out(state'), each conv with its bias or batch norm and the section's activation. The state is a
  // graph input/output pair like [conv_lstm]'s.
  int add(const Layer& l, const CrnnLayer& c) {
    const std::string n = name(l, "crnn");
    const int state_prev = b_.input(n + ".state_in", DType::F32, Shape{1, c.hidden, l.out.h, l.out.w});
    // darknet's weights order: input, self, output.
    const GateConvWeights in = read_gate_conv(l, c, "input", c.hidden, l.in.c);
    const GateConvWeights self = read_gate_conv(l, c, "self", c.hidden, c.hidden);
    const GateConvWeights out = read_gate_conv(l, c, "output", c.filters, c.hidden);
    const int x_term = gate_conv(l, c, in, prev(l)), state_term = gate_conv(l, c, self, state_prev);
    int state = x_term;
    if (c.shortcut) state = b_.node(OpType::Add, n + "/shortcut", {state_prev, x_term});
    state = b_.node(OpType::Add, n + ".state", {state, state_term});
    state_pairs_.push_back({state, state_prev});
    return gate_conv(l, c, out, state);
  }

  int add(const Layer& l, const YoloLayer& y) {
    heads_.push_back({&l, y.classes, y.anchors, y.mask, y.scale_x_y, false, y.new_coords, y.gaussian, prev(l)});
    return prev(l);
  }

  int add(const Layer& l, const RegionLayer& g) {
    std::vector<int64_t> all;
    for (int64_t a = 0; a < static_cast<int64_t>(g.anchors.size() / 2); ++a) all.push_back(a);
    heads_.push_back({&l, g.classes, g.anchors, all, 1.0f, true, false, false, prev(l)});
    return prev(l);
  }

  void add_outputs_and_metadata(const std::vector<std::string>& class_names) {
    b_.metadata("source_format", std::string("darknet"));
    b_.metadata("input_size", ints({net_.width, net_.height}));
    b_.metadata("channel_order", std::string("RGB"));
    b_.metadata(std::string(meta::kLetterbox), int64_t{net_.letter_box ? 1 : 0});
    if (!class_names.empty()) b_.metadata("class_names", class_names);
    if (heads_.empty()) {
      // A classifier's names label its softmax outputs one to one.
      const Layer& last = net_.layers.back();
      if (!class_names.empty() && (last.type == "softmax" || last.type == "cost") &&
          static_cast<int64_t>(class_names.size()) != last.out.numel())
        fail(options_.names_path, ": has ", class_names.size(), " class names but the cfg's [softmax] has ",
             last.out.numel(), " outputs");
      b_.output(values_.back());
      return;
    }

    const int64_t classes = heads_.front().classes;
    std::vector<std::string> head_names;
    std::vector<int> head_values;
    std::vector<float> anchors;
    std::vector<int64_t> masks, per_head;
    std::vector<float> scale_x_y;
    // Heads normally share one anchors list; if they do not, each head's used anchors are appended to a
    // combined list and its mask indexes that.
    bool shared = true;
    for (const Head& h : heads_) shared = shared && h.anchors == heads_.front().anchors;
    if (shared) anchors = heads_.front().anchors;
    const bool region = heads_.front().region, new_coords = heads_.front().new_coords;
    const bool gaussian = heads_.front().gaussian;
    for (const Head& h : heads_) {
      if (h.region != region)
        fail(layer_label(net_, *h.layer),
             ": a cfg cannot mix [yolo] and [region] layers (one YoloDetect decodes all "
             "heads the same way)");
      if (h.gaussian != gaussian)
        fail(layer_label(net_, *h.layer),
             ": a cfg cannot mix [yolo] and [Gaussian_yolo] layers (one YoloDetect "
             "decodes all heads the same way)");
      if (h.new_coords != new_coords)
        fail(layer_label(net_, *h.layer), ": new_coords=", h.new_coords ? 1 : 0, " differs from the first head's ",
             new_coords ? 1 : 0, " (one YoloDetect decodes all heads the same way)");
      if (h.classes != classes)
        fail(layer_label(net_, *h.layer), ": classes=", h.classes, " differs from the first head's ", classes,
             "; all heads must share one class list");
      for (int64_t m : h.mask) {
        if (shared) {
          masks.push_back(m);
        } else {
          masks.push_back(static_cast<int64_t>(anchors.size() / 2));
          anchors.push_back(h.anchors[static_cast<size_t>(2 * m)]);
          anchors.push_back(h.anchors[static_cast<size_t>(2 * m + 1)]);
        }
      }
      per_head.push_back(static_cast<int64_t>(h.mask.size()));
      scale_x_y.push_back(h.scale_x_y);
      head_values.push_back(h.value);
      head_names.push_back(b_.graph().values[static_cast<size_t>(h.value)].name);
      b_.output(h.value);
    }
    if (!class_names.empty() && static_cast<int64_t>(class_names.size()) != classes)
      fail(options_.names_path, ": has ", class_names.size(), " class names but the cfg's ",
           region     ? "[region]"
           : gaussian ? "[Gaussian_yolo]"
                      : "[yolo]",
           " layers have classes=", classes);

    YoloDecoding decoding;
    decoding.decode = region ? "region" : new_coords ? "new_coords" : gaussian ? "gaussian" : "yolo";
    // darknet's detector suppresses with the nms_kind of the network's last layer (a [yolo] in every real cfg;
    // any other layer has none: plain IoU NMS).
    if (const auto* last = std::get_if<YoloLayer>(&net_.layers.back().params); last) {
      if (last->nms_kind != NmsKind::Default) decoding.nms = "diou";
      // greedynms is DIoU with darknet's fixed exponent 0.6 (box_diou); diounms uses beta_nms.
      decoding.diou_beta = last->nms_kind == NmsKind::Diou ? last->beta_nms : 0.6f;
    }
    decoding.num_classes = classes;
    decoding.anchors = anchors;
    decoding.masks = masks;
    decoding.anchors_per_head = per_head;
    decoding.input_width = net_.width;
    decoding.input_height = net_.height;
    decoding.scale_x_y = scale_x_y;
    decoding.score_threshold = options_.score_threshold;
    decoding.nms_threshold = options_.nms_threshold;
    decoding.max_detections = options_.max_detections;
    record_yolo_metadata(b_.graph().metadata, head_names, decoding);
    if (options_.add_yolo_detect) append_yolo_detect(b_.graph(), head_values, decoding);
  }

  // Recurrent layers' new states become graph outputs after the network's own, each paired with the input
  // that takes it at the next frame.
  void add_state_outputs() {
    if (state_pairs_.empty()) return;
    std::vector<std::string> ins, outs;
    for (auto [out, in] : state_pairs_) {
      if (std::find(b_.graph().outputs.begin(), b_.graph().outputs.end(), out) == b_.graph().outputs.end())
        b_.output(out);
      outs.push_back(b_.graph().values[static_cast<size_t>(out)].name);
      ins.push_back(b_.graph().values[static_cast<size_t>(in)].name);
    }
    b_.metadata(std::string(meta::kStateInputs), ins);
    b_.metadata(std::string(meta::kStateOutputs), outs);
  }

  // The engine's shape inference and darknet's formulas must agree on every layer.
  void check_shapes(const Graph& g) const {
    for (const Layer& l : net_.layers) {
      const std::string& vname = layer_value_names_[static_cast<size_t>(l.index)];
      int v = g.find_value(vname);
      if (v < 0) fail(layer_label(net_, l), ": internal error: value '", vname, "' vanished");
      const Shape& s = g.values[static_cast<size_t>(v)].shape;
      const Shape expected{1, l.out.c, l.out.h, l.out.w};
      if (!(s == expected))
        fail(layer_label(net_, l), ": internal error: the engine infers ", s.str(), " but darknet's formulas give ",
             expected.str());
    }
  }

  // A [yolo] or [region] layer: its decoding parameters and the value it decodes.
  struct Head {
    const Layer* layer;
    int64_t classes;
    std::vector<float> anchors;  // all anchors of the section
    std::vector<int64_t> mask;   // the ones this head uses
    float scale_x_y;
    bool region;
    bool new_coords;
    bool gaussian;
    int value;
  };

  const Network& net_;
  WeightsReader& weights_;
  const DarknetImportOptions& options_;
  GraphBuilder b_;
  int input_ = -1;
  std::vector<int> values_;                     // per layer: the value holding its output
  std::vector<std::string> layer_value_names_;  // recorded before build() empties the builder
  std::vector<Head> heads_;
  std::vector<std::pair<int, int>> state_pairs_;  // (new state, the input holding the previous one)
};

}  // namespace

Graph build_graph(const Network& net, WeightsReader& weights, const DarknetImportOptions& options,
                  const std::vector<std::string>& class_names) {
  GraphConstruction construction(net, weights, options);
  return construction.run(class_names);
}

}  // namespace vigil::darknet
