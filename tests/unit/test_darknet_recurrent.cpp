// darknet's recurrent sections for video, [conv_lstm] (AlexeyAB's convolutional LSTM) and [crnn]: the cfg
// checks, the graph's state inputs/outputs and metadata, and several frames run with the state carried from
// frame to frame (apps/vigil/detect/recurrent_state.h, as `vigil detect` does) against independent float64
// re-implementations of darknet's forward_conv_lstm_layer and forward_crnn_layer.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "apps/vigil/detect/recurrent_state.h"
#include "engine/error.h"
#include "engine/executor.h"
#include "error_of.h"
#include "loaders/darknet/cfg_parser.h"
#include "loaders/darknet/darknet_import.h"
#include "loaders/darknet/darknet_layers.h"
#include "loaders/darknet/weights_reader.h"
#include "loaders/vgl/metadata_keys.h"
#include "test_vgl_support.h"

using namespace vigil;
using namespace vigil::darknet;
using vigil::test::error_of;

namespace {

// A conv feeding two stacked ConvLSTMs, then a YOLO head. Layer 1 has peepholes, batch norm and a state
// clipped at 1 (random weights drive c past it); layer 2 is grouped, dilated, with leaky gate convs and no
// clipping.
const char* kConvLstmCfg = R"(
[net]
width=10
height=8
channels=3

[convolutional]
filters=4
size=3
stride=1
pad=1
batch_normalize=1
activation=leaky

[conv_lstm]
output=6
size=3
pad=1
peephole=1
batch_normalize=1
state_constrain=1

[conv_lstm]
output=4
size=3
pad=1
dilation=2
groups=2
activation=leaky
state_constrain=0

[convolutional]
filters=21
size=1
stride=1
pad=0
activation=linear

[yolo]
mask=0,1,2
anchors=10,14, 23,27, 37,58
classes=2
num=3
)";

std::string write_text(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

struct Map {
  int64_t c = 0, h = 0, w = 0;
  std::vector<double> v;
  double at(int64_t k, int64_t y, int64_t x) const { return v[static_cast<size_t>((k * h + y) * w + x)]; }
};

Map zeros(int64_t c, int64_t h, int64_t w) { return Map{c, h, w, std::vector<double>(static_cast<size_t>(c * h * w))}; }

// One darknet conv as stored in .weights, and its forward pass in float64 (stride 1; darknet pads padding *
// dilation and spaces the taps dilation apart).
struct RefConv {
  int64_t filters = 0, in_channels = 0, size = 1, padding = 0, dilation = 1, groups = 1;
  bool batch_normalize = false;
  kernels::Activation act = kernels::Activation::None;  // None, LeakyRelu or Sigmoid
  std::vector<double> bias, scales, mean, var, w;

  Map operator()(const Map& in, double eps) const {
    Map out = zeros(filters, in.h, in.w);
    const int64_t cg = in_channels / groups, fg = filters / groups, k = size, p = padding * dilation;
    for (int64_t f = 0; f < filters; ++f)
      for (int64_t y = 0; y < in.h; ++y)
        for (int64_t x = 0; x < in.w; ++x) {
          double s = 0;
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t ky = 0; ky < k; ++ky)
              for (int64_t kx = 0; kx < k; ++kx) {
                const int64_t iy = y - p + ky * dilation, ix = x - p + kx * dilation;
                if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) continue;
                s += w[static_cast<size_t>(((f * cg + ci) * k + ky) * k + kx)] * in.at(f / fg * cg + ci, iy, ix);
              }
          const size_t fi = static_cast<size_t>(f);
          if (batch_normalize) s = scales[fi] * (s - mean[fi]) / std::sqrt(var[fi] + eps);
          s += bias[fi];
          if (act == kernels::Activation::LeakyRelu && s <= 0) s *= 0.1;
          if (act == kernels::Activation::Sigmoid) s = 1 / (1 + std::exp(-s));
          out.v[static_cast<size_t>((f * in.h + y) * in.w + x)] = s;
        }
    return out;
  }
};

RefConv conv_shape(int64_t filters, int64_t in_channels, int64_t size, int64_t padding, int64_t dilation,
                   int64_t groups, bool batch_normalize, kernels::Activation act) {
  RefConv c;
  c.filters = filters, c.in_channels = in_channels, c.size = size, c.padding = padding;
  c.dilation = dilation, c.groups = groups, c.batch_normalize = batch_normalize, c.act = act;
  return c;
}

// Appends a conv's random parameters to `file` in darknet's order and returns them for the reference.
RefConv random_conv(RefConv c, std::mt19937& rng, std::vector<float>& file) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f), var(0.5f, 1.5f);
  auto take = [&](std::vector<double>& to, int64_t n, auto gen) {
    for (int64_t i = 0; i < n; ++i) {
      const float f = gen();
      file.push_back(f);
      to.push_back(f);
    }
  };
  take(c.bias, c.filters, [&] { return 0.3f * u(rng); });
  if (c.batch_normalize) {
    take(c.scales, c.filters, [&] { return 1.0f + 0.2f * u(rng); });
    take(c.mean, c.filters, [&] { return 0.2f * u(rng); });
    take(c.var, c.filters, [&] { return var(rng); });
  }
  const int64_t fan_in = c.in_channels / c.groups * c.size * c.size;
  const float scale = 1.5f * std::sqrt(3.0f / static_cast<float>(fan_in));  // gates well away from 0.5
  take(c.w, c.filters * fan_in, [&] { return scale * u(rng); });
  return c;
}

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

// darknet's forward_conv_lstm_layer, one step: updates h and c, returns h.
struct RefConvLstm {
  std::vector<RefConv> v, w, u;  // v: vf, vi, vo (peephole only); w, u: f, i, g, o
  double constrain = 0;
  Map h, c;

  const Map& step(const Map& x, double eps) {
    const size_t n = h.v.size();
    std::vector<Map> wh, ux;
    for (size_t k = 0; k < 4; ++k) wh.push_back(w[k](h, eps)), ux.push_back(u[k](x, eps));
    Map vf, vi;
    if (!v.empty()) vf = v[0](c, eps), vi = v[1](c, eps);
    std::vector<double> f(n), i(n), g(n);
    for (size_t e = 0; e < n; ++e) {
      f[e] = sigmoid(wh[0].v[e] + ux[0].v[e] + (v.empty() ? 0 : vf.v[e]));
      i[e] = sigmoid(wh[1].v[e] + ux[1].v[e] + (v.empty() ? 0 : vi.v[e]));
      g[e] = std::tanh(wh[2].v[e] + ux[2].v[e]);
      c.v[e] = f[e] * c.v[e] + i[e] * g[e];
    }
    Map vo;
    if (!v.empty()) vo = v[2](c, eps);  // the peephole of o reads the new cell
    for (size_t e = 0; e < n; ++e) {
      const double o = sigmoid(wh[3].v[e] + ux[3].v[e] + (v.empty() ? 0 : vo.v[e]));
      h.v[e] = o * std::tanh(c.v[e]);
      if (constrain > 0) c.v[e] = std::clamp(c.v[e], -constrain, constrain);
    }
    return h;
  }
};

RefConvLstm random_conv_lstm(const ConvLstmLayer& l, int64_t in_channels, int64_t height, int64_t width,
                             std::mt19937& rng, std::vector<float>& file) {
  RefConvLstm r;
  const RefConv on_state =
      conv_shape(l.filters, l.filters, l.size, l.padding, l.dilation, l.groups, l.batch_normalize, l.activation.kind);
  RefConv on_input = on_state;
  on_input.in_channels = in_channels;
  if (l.peephole)
    for (int k = 0; k < 3; ++k) r.v.push_back(random_conv(on_state, rng, file));
  for (int k = 0; k < 4; ++k) r.w.push_back(random_conv(on_state, rng, file));
  for (int k = 0; k < 4; ++k) r.u.push_back(random_conv(on_input, rng, file));
  r.constrain = static_cast<double>(l.state_constrain);
  r.h = r.c = zeros(l.filters, height, width);
  return r;
}

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

void check_close(const ExecutionContext& ctx, const std::string& name, const Map& ref) {
  CAPTURE(name);
  const TensorView out = ctx.output(name);
  REQUIRE(out.numel() == static_cast<int64_t>(ref.v.size()));
  double err = 0;
  for (size_t i = 0; i < ref.v.size(); ++i) err = std::max(err, std::abs(ref.v[i] - out.f32()[i]));
  CHECK(max_abs(ref.v) > 0.1);  // not two near-zero tensors
  CHECK(err <= 1e-5 * max_abs(ref.v));
}

std::string cfg_with(const std::string& name, const std::string& lstm_keys) {
  return write_text(vgl_test::temp_path(name), "[net]\nwidth=8\nheight=8\nchannels=3\n\n[conv_lstm]\n" + lstm_keys);
}

}  // namespace

TEST_CASE("darknet conv_lstm: frames with carried state match darknet's forward pass (float64 reference)") {
  const std::string cfg = write_text(vgl_test::temp_path("conv_lstm.cfg"), kConvLstmCfg);
  const Network net = parse_network(read_cfg_file(cfg));
  REQUIRE(net.layers.size() == 5);
  const auto& l1 = std::get<ConvLstmLayer>(net.layers[1].params);
  const auto& l2 = std::get<ConvLstmLayer>(net.layers[2].params);
  CHECK(net.layers[1].out.c == 6);
  CHECK(net.layers[2].out.c == 4);

  std::mt19937 rng(3);
  std::vector<float> file;
  const RefConv conv0 = random_conv(conv_shape(4, 3, 3, 1, 1, 1, true, kernels::Activation::LeakyRelu), rng, file);
  RefConvLstm lstm1 = random_conv_lstm(l1, 4, 8, 10, rng, file);
  RefConvLstm lstm2 = random_conv_lstm(l2, 6, 8, 10, rng, file);
  const RefConv head = random_conv(conv_shape(21, 4, 1, 0, 1, 1, false, kernels::Activation::None), rng, file);
  REQUIRE(static_cast<int64_t>(file.size()) == net.total_weight_floats());
  const std::string weights = vgl_test::temp_path("conv_lstm.weights");
  write_weights_file(weights, file);

  const double eps = 1e-5;           // darknet's batch-norm epsilon, the importer's default
  for (bool fold : {true, false}) {  // batch norm folded into the gate convs, or kept as BatchNorm nodes
    CAPTURE(fold);
    DarknetImportOptions options;
    options.fold_batch_norm = fold;
    Graph g = import_darknet(cfg, weights, options);
    // Inputs: the image, then each layer's h and c; the state outputs follow the head and the detections.
    REQUIRE(g.inputs.size() == 5);
    CHECK(std::get<std::vector<std::string>>(g.metadata.at("state_inputs")) ==
          std::vector<std::string>{"conv_lstm_1.h_in", "conv_lstm_1.c_in", "conv_lstm_2.h_in", "conv_lstm_2.c_in"});
    CHECK(std::get<std::vector<std::string>>(g.metadata.at("state_outputs")) ==
          std::vector<std::string>{"conv_lstm_1", "conv_lstm_1.c", "conv_lstm_2", "conv_lstm_2.c"});

    Engine engine(std::move(g));
    ExecutionContext ctx(engine);
    cli::RecurrentState state(ctx, cli::state_pairs_of(engine.graph()));
    RefConvLstm ref1 = lstm1, ref2 = lstm2;  // zero state
    std::mt19937 pixels(11);
    std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
    bool clipped = false;
    std::vector<float> first_input;
    Map first_h2;
    for (int frame = 0; frame < 5; ++frame) {
      CAPTURE(frame);
      Map x = zeros(3, 8, 10);
      float* in = ctx.input("input").f32();
      for (size_t i = 0; i < x.v.size(); ++i) x.v[i] = in[i] = pixel(pixels);
      state.feed();
      ctx.run();
      state.keep();
      const Map& h1 = ref1.step(conv0(x, eps), eps);
      const Map& h2 = ref2.step(h1, eps);
      check_close(ctx, "conv_lstm_1", h1);
      check_close(ctx, "conv_lstm_1.c", ref1.c);
      check_close(ctx, "conv_lstm_2", h2);
      check_close(ctx, "conv_lstm_2.c", ref2.c);
      check_close(ctx, "conv_3", head(h2, eps));
      if (frame == 0) first_input.assign(x.v.begin(), x.v.end()), first_h2 = h2;
      clipped = clipped || max_abs(ref1.c.v) == 1.0;
    }
    CHECK(clipped);  // state_constrain=1 was exercised

    // A new stream starts from zero state: its first frame gives the first frame's result again.
    state.reset();
    std::copy(first_input.begin(), first_input.end(), ctx.input("input").f32());
    state.feed();
    ctx.run();
    check_close(ctx, "conv_lstm_2", first_h2);
  }
}

TEST_CASE("darknet crnn: frames with carried state match darknet's forward pass (float64 reference)") {
  // Layer 1 keeps its old state (shortcut), with batch norm and leaky convs; layer 2 is grouped, with
  // darknet's default logistic convs, its state replaced every frame.
  const std::string cfg = write_text(vgl_test::temp_path("crnn.cfg"), R"(
[net]
width=9
height=7
channels=3

[convolutional]
filters=4
size=3
stride=1
pad=1
activation=leaky

[crnn]
output=6
hidden=5
size=3
pad=1
shortcut=1
batch_normalize=1
activation=leaky

[crnn]
output=4
hidden=4
size=1
groups=2
)");
  const Network net = parse_network(read_cfg_file(cfg));
  REQUIRE(net.layers.size() == 3);
  std::mt19937 rng(5);
  std::vector<float> file;
  const RefConv conv0 = random_conv(conv_shape(4, 3, 3, 1, 1, 1, false, kernels::Activation::LeakyRelu), rng, file);
  struct RefCrnn {
    RefConv in, self, out;
    bool shortcut;
    Map state;
    Map step(const Map& x) {
      const Map a = in(x, 1e-5), b = self(state, 1e-5);
      for (size_t e = 0; e < state.v.size(); ++e) state.v[e] = ((shortcut ? state.v[e] : 0) + a.v[e]) + b.v[e];
      return out(state, 1e-5);
    }
  };
  std::vector<RefCrnn> layers;
  for (int i : {1, 2}) {
    const auto& c = std::get<CrnnLayer>(net.layers[static_cast<size_t>(i)].params);
    const int64_t in_c = net.layers[static_cast<size_t>(i)].in.c;
    auto shape = [&](int64_t filters, int64_t in_channels) {
      return conv_shape(filters, in_channels, c.size, c.padding, c.dilation, c.groups, c.batch_normalize,
                        c.activation.kind);
    };
    RefCrnn r;
    r.in = random_conv(shape(c.hidden, in_c), rng, file);
    r.self = random_conv(shape(c.hidden, c.hidden), rng, file);
    r.out = random_conv(shape(c.filters, c.hidden), rng, file);
    r.shortcut = c.shortcut;
    r.state = zeros(c.hidden, 7, 9);
    layers.push_back(std::move(r));
  }
  CHECK(layers[1].in.act == kernels::Activation::Sigmoid);  // darknet's default activation of [crnn]
  REQUIRE(static_cast<int64_t>(file.size()) == net.total_weight_floats());
  const std::string weights = vgl_test::temp_path("crnn.weights");
  write_weights_file(weights, file);

  Graph g = import_darknet(cfg, weights);
  CHECK(std::get<std::vector<std::string>>(g.metadata.at("state_inputs")) ==
        std::vector<std::string>{"crnn_1.state_in", "crnn_2.state_in"});
  CHECK(std::get<std::vector<std::string>>(g.metadata.at("state_outputs")) ==
        std::vector<std::string>{"crnn_1.state", "crnn_2.state"});
  Engine engine(std::move(g));
  ExecutionContext ctx(engine);
  cli::RecurrentState state(ctx, cli::state_pairs_of(engine.graph()));
  std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
  for (int frame = 0; frame < 4; ++frame) {
    CAPTURE(frame);
    Map x = zeros(3, 7, 9);
    float* in = ctx.input("input").f32();
    for (size_t i = 0; i < x.v.size(); ++i) x.v[i] = in[i] = pixel(rng);
    state.feed();
    ctx.run();
    state.keep();
    const Map y1 = layers[0].step(conv0(x, 1e-5));
    const Map y2 = layers[1].step(y1);
    check_close(ctx, "crnn_1.state", layers[0].state);
    check_close(ctx, "crnn_2.state", layers[1].state);
    check_close(ctx, "crnn_2/output", y2);
  }
}

TEST_CASE("darknet conv_lstm: unsupported or inconsistent keys are errors naming the line and key") {
  struct Case {
    std::string keys, message;
  };
  const std::vector<Case> cases = {
      {"size=3\npad=1\n", "'output'"},
      {"output=4\nsize=3\npad=1\nstride=2\n",
       ":10: [conv_lstm] key 'stride': not supported (a strided state would not match the input's size)"},
      {"output=4\nsize=3\npad=1\nbottleneck=1\n", ":10: [conv_lstm] key 'bottleneck': not supported"},
      {"output=4\nsize=3\npad=1\nlstm_activation=relu\n", ":10: [conv_lstm] key 'lstm_activation': only tanh"},
      {"output=4\nsize=3\npadding=0\n", ":9: [conv_lstm] key 'padding': size=3 with padding 0 changes the feature"},
      {"output=4\nsize=2\npad=1\n", ":8: [conv_lstm] key 'size': size=2 with padding 1 changes the feature size"},
      {"output=4\nsize=3\npad=1\ngroups=2\n", ":10: [conv_lstm] key 'groups': 2 does not divide the 3 input"},
      {"output=4\nsize=3\npad=1\nxnor=1\n", ":10: [conv_lstm] key 'xnor': not supported (XNOR convolution)"},
      {"output=4\nsize=3\npad=1\nforget_bias=1\n", ":10: [conv_lstm] key 'forget_bias': unknown key"},
  };
  int i = 0;
  for (const Case& c : cases) {
    CAPTURE(c.keys);
    const std::string cfg = cfg_with("bad" + std::to_string(i++) + ".cfg", c.keys);
    const std::string err = error_of([&] { parse_network(read_cfg_file(cfg)); });
    CAPTURE(err);
    CHECK(err.find(cfg + ":") == 0);
    CHECK(err.find(c.message) != std::string::npos);
  }
  // [crnn] shares the size-preserving rule; the original darknet's key names are not AlexeyAB's.
  const std::string crnn_pad = write_text(vgl_test::temp_path("crnn_pad.cfg"),
                                          "[net]\nwidth=8\nheight=8\nchannels=3\n\n[crnn]\noutput=2\nhidden=2\n");
  CHECK(error_of([&] { parse_network(read_cfg_file(crnn_pad)); }) ==
        crnn_pad +
            ":6: [crnn] key 'padding': size=3 with padding 0 changes the feature size; the state needs a "
            "size-preserving conv (pad=1 with an odd size)");
  const std::string crnn_old = write_text(vgl_test::temp_path("crnn_old.cfg"),
                                          "[net]\nwidth=8\nheight=8\nchannels=3\n\n[crnn]\noutput_filters=2\n");
  CHECK(error_of([&] { parse_network(read_cfg_file(crnn_old)); }).find("key 'output_filters': unknown key") !=
        std::string::npos);
  // Neutral keys are accepted: shortcut (bottleneck only), time_normalizer (gradients), lstm_activation=tanh.
  const std::string ok =
      cfg_with("ok.cfg", "output=4\nsize=3\npad=1\nshortcut=1\ntime_normalizer=0.5\nlstm_activation=tanh\n");
  const Network net = parse_network(read_cfg_file(ok));
  // No peephole, no batch norm: 4 convs on the 4-channel state and 4 on the 3-channel input, 3x3 each.
  CHECK(net.layers[0].weight_floats == 4 * (4 + 4 * 4 * 9) + 4 * (4 + 4 * 3 * 9));
}

TEST_CASE("state metadata: pairs must name graph inputs and outputs of one shape") {
  const std::string cfg = write_text(vgl_test::temp_path("state.cfg"),
                                     "[net]\nwidth=8\nheight=8\nchannels=3\n\n[conv_lstm]\noutput=4\nsize=3\n"
                                     "pad=1\n\n[conv_lstm]\noutput=2\nsize=1\n");
  Graph g = import_darknet(cfg, "");
  REQUIRE(meta::state_pairs(g).size() == 4);
  auto with = [&](std::vector<std::string> ins, std::vector<std::string> outs) {
    Graph copy = g;
    copy.metadata["state_inputs"] = std::move(ins);
    copy.metadata["state_outputs"] = std::move(outs);
    return error_of([&] { meta::state_pairs(copy); });
  };
  CHECK(with({"conv_lstm_0.h_in"}, {"conv_lstm_0.h_in"}) ==
        "metadata key 'state_outputs': names 'conv_lstm_0.h_in', which is not a graph output");
  CHECK(with({"conv_lstm_0"}, {"conv_lstm_0"}) ==
        "metadata key 'state_inputs': names 'conv_lstm_0', which is not a graph input");
  CHECK(with({"conv_lstm_0.h_in"}, {"conv_lstm_1"}) ==
        "metadata keys 'state_inputs' and 'state_outputs': pair 0 has input 'conv_lstm_0.h_in' f32[1,4,8,8] and output "
        "'conv_lstm_1' f32[1,2,8,8]; a state must keep its type (float32) and shape");
  CHECK(with({"conv_lstm_0.h_in", "conv_lstm_0.c_in"}, {"conv_lstm_0"}) ==
        "metadata keys 'state_inputs' and 'state_outputs': 2 and 1 names; expected one output per input");
  CHECK(with({"conv_lstm_0.h_in", "conv_lstm_0.h_in"}, {"conv_lstm_0", "conv_lstm_0.c"}) ==
        "metadata key 'state_inputs': names 'conv_lstm_0.h_in' twice");
  Graph half = g;
  half.metadata.erase("state_outputs");
  CHECK(error_of([&] { meta::state_pairs(half); }) ==
        "metadata key 'state_outputs': is missing: 'state_inputs' needs it (state comes in pairs)");
}
