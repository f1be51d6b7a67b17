// A darknet network as darknet itself sees it: the [net] input plus a list of typed layers, each with its
// resolved input layers, its output shape computed with darknet's own formulas, and the number of floats
// it takes from the .weights file. Built from a parsed cfg; knows nothing about vigil graphs, so that
// shape inference here is independent of the engine's and the two can be checked against each other.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "kernels/activation/activation.h"
#include "loaders/darknet/cfg_parser.h"

namespace vigil::darknet {

// Channels, height, width of one layer's output (batch is always 1).
struct FeatureShape {
  int64_t c = 0, h = 0, w = 0;
  int64_t numel() const { return c * h * w; }
};

struct ConvolutionalLayer {
  int64_t filters = 0, size = 0, stride_y = 1, stride_x = 1, padding = 0, groups = 1;
  int64_t dilation = 1;  // darknet pads padding * dilation on each side (its im2col_cpu_ext call)
  bool batch_normalize = false;
  kernels::ActivationParams activation;
};
struct MaxPoolLayer {
  int64_t size = 0, stride_y = 1, stride_x = 1, padding = 0;  // padding: total, split top/left = padding/2
};
struct AvgPoolLayer {};  // global average pool
struct RouteLayer {
  std::vector<int> inputs;  // absolute layer indices (-1 = network input)
  int64_t groups = 1, group_id = 0;
};
// darknet's weighted shortcut (weights_type): the previous layer's output and every `from` layer's get a
// learned weight, one per input (per_feature) or one per input and channel (per_channel), optionally
// normalised over the inputs (weights_normalization relu: relu(w) / (eps + sum relu), softmax:
// exp(w - max) / (eps + sum exp(w - max)), eps = 0.0001), as shortcut_multilayer_cpu computes.
enum class ShortcutWeights { None, PerFeature, PerChannel };
enum class ShortcutNormalization { None, Relu, Softmax };

struct ShortcutLayer {
  std::vector<int> from;  // absolute layer indices added to the previous layer's output
  kernels::ActivationParams activation;
  ShortcutWeights weights = ShortcutWeights::None;
  ShortcutNormalization normalization = ShortcutNormalization::None;
};
struct UpsampleLayer {
  int64_t stride = 2;
  float scale = 1.0f;
};
struct ScaleChannelsLayer {
  int from = 0;           // the feature map that is scaled; the previous layer gives the scales
  bool scale_wh = false;  // false: one scale per channel ([C,1,1]); true: one per position ([1,H,W])
  kernels::ActivationParams activation;
};
struct DropoutLayer {};  // identity at inference
// How darknet suppresses duplicates (its detector reads the network's last layer's nms_kind): do_nms_sort
// (IoU), or diounms_sort with greedynms (DIoU, exponent 0.6) or diounms (DIoU, exponent beta_nms).
enum class NmsKind { Default, Greedy, Diou };

struct YoloLayer {
  int64_t classes = 0;
  std::vector<int64_t> mask;   // which anchors this head uses
  std::vector<float> anchors;  // all anchors of the section, pairs (w, h) in input pixels
  float scale_x_y = 1.0f;
  bool new_coords = false;  // scaled-YOLOv4 encoding: the previous conv applies the logistic
  bool gaussian = false;    // [Gaussian_yolo]: 9 + classes channels per anchor (four box uncertainties)
  NmsKind nms_kind = NmsKind::Default;
  float beta_nms = 0.6f;
};

// YOLOv2's detection head: the previous layer holds num * (5 + classes) channels, decoded with softmax class
// probabilities and anchors in grid cells (kernels/yolo_detect/yolo_detect.h, Region mode).
struct RegionLayer {
  int64_t classes = 0;
  std::vector<float> anchors;  // num (w, h) pairs in grid cells
};
// darknet's [reorg] (reorg_cpu called with forward = 0 on the input's own dimensions): a fixed permutation of
// the input's elements into [C*s*s, H/s, W/s]; see docs/DARKNET.md for the index arithmetic.
struct ReorgLayer {
  int64_t stride = 2;
};
// Fully connected: the input flattened in (c, h, w) order times a [outputs][inputs] matrix.
struct ConnectedLayer {
  int64_t outputs = 0;
  bool batch_normalize = false;
  kernels::ActivationParams activation;
};
// Softmax over each of `groups` contiguous equal slices of the flattened input.
struct SoftmaxLayer {
  int64_t groups = 1;
};
struct CostLayer {};  // the training loss: at inference the network's output is its input
// darknet's local average pool: windows placed like [maxpool]'s, averaging only the cells inside the input.
struct LocalAvgPoolLayer {
  int64_t size = 0, stride_y = 1, stride_x = 1, padding = 0;  // padding: total, split top/left = padding/2
};
// Spatial attention (YOLOv4's SAM): the previous layer's output times layer `from`'s, element-wise.
struct SamLayer {
  int from = 0;
  kernels::ActivationParams activation;
};

// AlexeyAB darknet's convolutional LSTM for video (conv_lstm_layer.c, forward_conv_lstm_layer), one time step
// per frame: gates f, i, o = logistic(W*h + U*x [+ V*c]) and g = tanh(W*h + U*x), where every W, U, V is a
// darknet conv (bias or batch norm, `activation`) with `size`, `padding`, `dilation`, `groups`;
// c' = f*c + i*g; h' = o*tanh(c') (the output); the peephole on o reads c'. Then c' is clipped to
// +-state_constrain (0: not clipped). h and c carry over to the next frame: they are graph inputs and outputs
// (metadata state_inputs / state_outputs), zero at the start of a stream.
struct ConvLstmLayer {
  int64_t filters = 0, size = 3, padding = 0, dilation = 1, groups = 1;
  bool batch_normalize = false, peephole = false;
  kernels::ActivationParams activation;  // of every gate conv, before the gate sums (usually linear)
  int64_t state_constrain = 32;          // darknet's default: time_steps * 32, time_steps being 1 at inference
};

// AlexeyAB darknet's convolutional RNN (crnn_layer.c, forward_crnn_layer), one time step per frame:
// state' = [state +] conv_in(x) + conv_self(state) (shortcut=1 keeps the old state), output conv_out(state');
// every conv has `size`, `padding`, `dilation`, `groups`, bias or batch norm and `activation`. The state
// carries over to the next frame like [conv_lstm]'s.
struct CrnnLayer {
  int64_t filters = 0, hidden = 0, size = 3, padding = 0, dilation = 1, groups = 1;
  bool batch_normalize = false, shortcut = false;
  kernels::ActivationParams activation;
};

using LayerParams = std::variant<ConvolutionalLayer, MaxPoolLayer, AvgPoolLayer, RouteLayer, ShortcutLayer,
                                 UpsampleLayer, ScaleChannelsLayer, DropoutLayer, YoloLayer, RegionLayer, ReorgLayer,
                                 ConnectedLayer, SoftmaxLayer, CostLayer, LocalAvgPoolLayer, SamLayer, ConvLstmLayer,
                                 CrnnLayer>;

struct Layer {
  int index = 0;              // darknet's layer index: 0 for the first section after [net]
  int line = 0;               // line of the section header in the cfg
  std::string type;           // canonical section name: "convolutional", "maxpool", ...
  int input = -1;             // the previous layer (index - 1; -1 = network input)
  FeatureShape in;            // shape of the previous layer's output
  FeatureShape out;           // darknet's output shape
  int64_t weight_floats = 0;  // floats this layer reads from .weights
  LayerParams params;
};

struct Network {
  std::string cfg_path;
  int64_t width = 0, height = 0, channels = 0;
  bool letter_box = false;
  std::vector<Layer> layers;

  int64_t total_weight_floats() const;
  // Shape of layer i's output, with i = -1 for the network input.
  FeatureShape shape_of(int i) const;
};

// Checks every section and key (unknown sections and keys, missing required keys, garbage values and
// unsupported inference options are errors with file:line), resolves layer references and computes
// every output shape and weight count with darknet's formulas.
Network parse_network(const CfgFile& cfg);

// The activation a darknet name denotes ("leaky" -> LeakyRelu 0.1, "logistic" -> Sigmoid, ...); an
// unsupported name is an error through `reader`.
kernels::ActivationParams parse_activation(const SectionReader& reader, std::string_view key, std::string_view name);

}  // namespace vigil::darknet
