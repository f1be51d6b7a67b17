// The darknet cfg parser and layer description: syntax, typed getters, the key whitelist, darknet's
// shape formulas, and that every malformed cfg is a clean error with the file and line.
#include <doctest/doctest.h>

#include "error_of.h"

#include <string>

#include "engine/error.h"
#include "loaders/darknet/cfg_parser.h"
#include "loaders/darknet/darknet_layers.h"

using namespace vigil;
using namespace vigil::darknet;

namespace {

const std::string kData = VIGIL_SOURCE_DIR "/../shared/data/";

using vigil::test::error_of;

Network net_of(const std::string& text) { return parse_network(parse_cfg(text, "t.cfg")); }
std::string net_error(const std::string& text) {
  return error_of([&] { net_of(text); });
}

const char* kNet = "[net]\nwidth=32\nheight=16\nchannels=3\n";

}  // namespace

TEST_CASE("darknet cfg: sections, comments, whitespace and line numbers") {
  CfgFile f = parse_cfg(
      "# leading comment\n"
      "[net]\r\n"
      "  width = 416   # trailing comment\n"
      "; another comment\n"
      "\n"
      "height=416\n"
      "[convolutional]  \n"
      "anchors = 10,14,  23,27\n",
      "x.cfg");
  REQUIRE(f.sections.size() == 2);
  CHECK(f.sections[0].name == "net");
  CHECK(f.sections[0].line == 2);
  REQUIRE(f.sections[0].entries.size() == 2);
  CHECK(f.sections[0].entries[0].key == "width");
  CHECK(f.sections[0].entries[0].value == "416");
  CHECK(f.sections[0].entries[0].line == 3);
  CHECK(f.sections[0].entries[1].line == 6);
  CHECK(f.sections[1].name == "convolutional");
  CHECK(f.sections[1].line == 7);
  SectionReader r(f, f.sections[1]);
  std::vector<float> anchors = r.require_floats("anchors");
  CHECK(anchors == std::vector<float>{10, 14, 23, 27});
}

TEST_CASE("darknet cfg: typed getters parse completely and report file:line, section and key") {
  CfgFile f = parse_cfg("[yolo]\nclasses=80\nscale_x_y=1.05\nmask=0,1,2\nbad=3x\nlist=1,,2\nf=.5\n", "m.cfg");
  SectionReader r(f, f.sections[0]);
  CHECK(r.require_int("classes") == 80);
  CHECK(r.get_float("scale_x_y", 1) == doctest::Approx(1.05f));
  CHECK(r.get_float("f", 0) == 0.5f);
  CHECK(r.get_int("absent", 7) == 7);
  CHECK(r.require_ints("mask") == std::vector<int64_t>{0, 1, 2});
  CHECK(error_of([&] { r.get_int("bad", 0); }) == "m.cfg:5: [yolo] key 'bad': '3x' is not an integer");
  CHECK(error_of([&] { r.get_float("bad", 0); }) == "m.cfg:5: [yolo] key 'bad': '3x' is not a finite number");
  CHECK(error_of([&] { r.require_ints("list"); }) == "m.cfg:6: [yolo] key 'list': '1,,2' has an empty list element");
  CHECK(error_of([&] { r.require_int("nothere"); }) == "m.cfg:1: [yolo] key 'nothere': required but missing");
  CHECK(error_of([&] { r.get_int_in("classes", 0, 1, 10); }) ==
        "m.cfg:2: [yolo] key 'classes': 80 is out of range [1, 10]");
}

TEST_CASE("darknet cfg: syntax errors name the line") {
  CHECK(error_of([] { parse_cfg("[net\nwidth=1\n", "a.cfg"); }).starts_with("a.cfg:1: malformed section header"));
  CHECK(error_of([] { parse_cfg("[net]\nwidth 416\n", "a.cfg"); }).starts_with("a.cfg:2: expected 'key=value'"));
  CHECK(error_of([] { parse_cfg("[net]\nwidth=\n", "a.cfg"); }) == "a.cfg:2: [net] key 'width': empty value");
  CHECK(error_of([] { parse_cfg("width=3\n[net]\n", "a.cfg"); }).starts_with("a.cfg:1: 'width=' appears before"));
  CHECK(error_of([] { parse_cfg("[net]\nwidth=3\n\nwidth=4\n", "a.cfg"); }) ==
        "a.cfg:4: [net] key 'width' is given twice (first on line 2)");
  CHECK(error_of([] { parse_cfg("[net]\nma x=3\n", "a.cfg"); }).starts_with("a.cfg:2: malformed key 'ma x'"));
  CHECK(error_of([] { parse_cfg(std::string("[net]\nwidth=3\0\n", 15), "a.cfg"); }).starts_with("a.cfg:2: NUL byte"));
  CHECK(error_of([] { read_cfg_file("/nonexistent/x.cfg"); }) == "/nonexistent/x.cfg: cannot open darknet cfg file");
}

TEST_CASE("darknet cfg: unknown sections and keys are errors with the line number") {
  CHECK(net_error(std::string(kNet) + "\n[crop]\ncrop_width=2\n") ==
        "t.cfg:6: [crop]: unknown or unsupported section (supported: net, convolutional, connected, maxpool, avgpool, "
        "local_avgpool, route, shortcut, upsample, scale_channels, sam, reorg, dropout, softmax, cost, yolo, "
        "Gaussian_yolo, region, conv_lstm, crnn)");
  CHECK(net_error(std::string(kNet) + "[convolutional]\nfilters=4\nsize=1\nactivation=linear\nfilter_size=3\n") ==
        "t.cfg:9: [convolutional] key 'filter_size': unknown key (not a darknet key of this section, or one vigil "
        "does not support)");
  CHECK(net_error("[net]\nwidth=32\nheight=16\nchannels=3\nwidht=3\n").starts_with("t.cfg:5: [net] key 'widht'"));
  // Training-only keys are accepted and ignored.
  Network n = net_of(
      "[net]\nbatch=64\nsubdivisions=8\nwidth=32\nheight=16\nchannels=3\nmomentum=0.9\ndecay=0.0005\nangle=0\n"
      "saturation=1.5\nexposure=1.5\nhue=.1\nlearning_rate=0.001\nburn_in=1000\nmax_batches=500200\npolicy=steps\n"
      "steps=400000,450000\nscales=.1,.1\nmosaic=1\n"
      "[convolutional]\nfilters=18\nsize=1\nactivation=linear\nstopbackward=1\n"
      "[yolo]\nmask=0,1,2\nanchors=1,2,3,4,5,6\nclasses=1\nnum=3\njitter=.3\nignore_thresh=.7\ntruth_thresh=1\n"
      "random=1\nresize=1.5\niou_thresh=0.213\ncls_normalizer=1.0\niou_normalizer=0.07\niou_loss=ciou\n"
      "nms_kind=greedynms\nbeta_nms=0.6\nmax_delta=5\n");
  CHECK(n.layers.size() == 2);
}

TEST_CASE("darknet cfg: missing keys, garbage values and unsupported inference options are errors") {
  const std::string net = kNet;
  CHECK(net_error("[net]\nwidth=32\nchannels=3\n") == "t.cfg:1: [net] key 'height': required but missing");
  CHECK(net_error("[convolutional]\nfilters=1\n") ==
        "t.cfg:1: [convolutional]: the first section must be [net] (or [network])");
  CHECK(net_error(net + "[convolutional]\nsize=3\nactivation=leaky\n") ==
        "t.cfg:5: [convolutional] key 'filters': required but missing");
  CHECK(net_error(net + "[convolutional]\nfilters=8\nsize=3\n") ==
        "t.cfg:5: [convolutional] key 'activation': required but missing");
  CHECK(net_error(net + "[convolutional]\nfilters=eight\nsize=3\nactivation=leaky\n") ==
        "t.cfg:6: [convolutional] key 'filters': 'eight' is not an integer");
  CHECK(net_error(net + "[convolutional]\nfilters=8\nsize=0\nactivation=leaky\n") ==
        "t.cfg:7: [convolutional] key 'size': 0 is out of range [1, 1024]");
  CHECK(net_error(net + "[convolutional]\nfilters=8\nsize=3\nactivation=elu\n")
            .starts_with("t.cfg:8: [convolutional] key 'activation': unsupported activation 'elu'"));
  CHECK(net_error(net + "[convolutional]\nfilters=8\nsize=3\nactivation=leaky\nbinary=1\n") ==
        "t.cfg:9: [convolutional] key 'binary': not supported (binary weights)");
  // Dilation: darknet sizes the output without it but pads padding * dilation; only consistent paddings pass.
  CHECK(net_error(net + "[convolutional]\nfilters=8\nsize=3\ndilation=2\nactivation=leaky\n") ==
        "t.cfg:8: [convolutional] key 'dilation': 2 with size=3 and padding 0: darknet's output size 14x30 (computed "
        "without the dilation) differs from what its dilated convolution covers; use pad=1 with an odd size");
  CHECK(net_error(net + "[convolutional]\nfilters=8\nsize=4\npad=1\ndilation=2\nactivation=leaky\n")
            .starts_with("t.cfg:9: [convolutional] key 'dilation': 2 with size=4 and padding 2: darknet's output "
                         "size 17x33"));
  CHECK(net_error(net + "[convolutional]\nfilters=8\nsize=3\npad=1\ndilation=0\nactivation=leaky\n") ==
        "t.cfg:9: [convolutional] key 'dilation': 0 is out of range [1, 1024]");
  // Weighted shortcuts: darknet's names only.
  CHECK(net_error(net + "[convolutional]\nfilters=4\nsize=1\nactivation=linear\n[shortcut]\nfrom=-1\n"
                        "weights_type=per_pixel\n") ==
        "t.cfg:11: [shortcut] key 'weights_type': 'per_pixel' is not a darknet weights type (none, per_feature, "
        "per_channel)");
  CHECK(net_error(net + "[convolutional]\nfilters=4\nsize=1\nactivation=linear\n[shortcut]\nfrom=-1\n"
                        "weights_type=per_channel\nweights_normalization=sigmoid\n") ==
        "t.cfg:12: [shortcut] key 'weights_normalization': 'sigmoid' is not a darknet weights normalization (none, "
        "relu, softmax)");
  CHECK(net_error(net + "[convolutional]\nfilters=8\nsize=3\ngroups=2\nactivation=leaky\n") ==
        "t.cfg:8: [convolutional] key 'groups': 2 does not divide the 3 input channels");
  CHECK(net_error(net + "[maxpool]\nsize=2\n") == "t.cfg:5: [maxpool] key 'stride': required but missing");
  CHECK(net_error(net + "[route]\nlayers=-1\n") ==
        "t.cfg:6: [route] key 'layers': layer -1 resolves to -1, outside the layers before this one (0..-1)");
  CHECK(net_error(net + "[dropout]\nprobability=.1\n[route]\nlayers=5\n")
            .starts_with("t.cfg:8: [route] key 'layers': layer 5 resolves to 5"));
  CHECK(net_error(net + "[convolutional]\nfilters=20\nsize=1\nactivation=linear\n[yolo]\nclasses=2\nnum=3\n"
                        "anchors=1,2,3,4,5,6\n") ==
        "t.cfg:9: [yolo]: its input has 20 channels but mask has 3 anchors and classes=2, which needs 3*(2+5) = 21 "
        "(the filters= of the [convolutional] before it)");
  CHECK(net_error(net + "[convolutional]\nfilters=21\nsize=1\nactivation=linear\n[yolo]\nclasses=2\nnum=3\n"
                        "anchors=1,2,3,4,5\n") == "t.cfg:12: [yolo] key 'anchors': has 5 numbers; num=3 needs 6");
  CHECK(net_error(net + "[convolutional]\nfilters=21\nsize=1\nactivation=linear\n[yolo]\nclasses=2\nnum=3\n"
                        "anchors=1,2,3,4,5,6\nmask=0,1,3\n") ==
        "t.cfg:13: [yolo] key 'mask': anchor index 3 is outside 0..2");
  // new_coords=1 decodes the previous layer's values as they are: it must be a logistic conv.
  CHECK(net_error(net + "[convolutional]\nfilters=21\nsize=1\nactivation=linear\n[yolo]\nclasses=2\nnum=3\n"
                        "anchors=1,2,3,4,5,6\nnew_coords=1\n") ==
        "t.cfg:13: [yolo] key 'new_coords': new_coords=1 needs the layer before it to be a [convolutional] with "
        "activation=logistic (layer 0 is [convolutional] without activation=logistic)");
  CHECK(net_error(net + "[convolutional]\nfilters=21\nsize=1\nactivation=logistic\n[dropout]\n[yolo]\nclasses=2\n"
                        "num=3\nanchors=1,2,3,4,5,6\nnew_coords=1\n") ==
        "t.cfg:14: [yolo] key 'new_coords': new_coords=1 needs the layer before it to be a [convolutional] with "
        "activation=logistic (layer 1 is [dropout])");
  CHECK(net_error(net + "[convolutional]\nfilters=21\nsize=1\nactivation=logistic\n[yolo]\nclasses=2\nnum=3\n"
                        "anchors=1,2,3,4,5,6\nnew_coords=2\n") ==
        "t.cfg:13: [yolo] key 'new_coords': 2 is out of range [0, 1]");
  CHECK(net_error(net + "[convolutional]\nfilters=21\nsize=1\nactivation=logistic\n[yolo]\nclasses=2\nnum=3\n"
                        "anchors=1,2,3,4,5,6\nnms_kind=cornersnms\n") ==
        "t.cfg:13: [yolo] key 'nms_kind': 'cornersnms' is not supported (default, greedynms or diounms)");
  CHECK(net_error(net + "[convolutional]\nfilters=21\nsize=1\nactivation=logistic\n[yolo]\nclasses=2\nnum=3\n"
                        "anchors=1,2,3,4,5,6\nnms_kind=diounms\nbeta_nms=0\n") ==
        "t.cfg:14: [yolo] key 'beta_nms': 0 is outside (0, 100]");
  CHECK(net_error(net + "[convolutional]\nfilters=21\nsize=1\nactivation=linear\n[yolo]\nclasses=2\nnum=3\n"
                        "anchors=1,2,3,4,5,6\n[convolutional]\nfilters=2\nsize=1\nactivation=linear\n") ==
        "t.cfg:13: [convolutional]: reads the output of [yolo] layer 1; only a [route] may follow a [yolo] layer");
  CHECK(
      net_error(net +
                "[dropout]\n[convolutional]\nfilters=4\nsize=1\nstride=2\nactivation=linear\n[route]\nlayers=0,1\n") ==
      "t.cfg:12: [route] key 'layers': layer 1 is 8x16 but layer 0 is 16x32 (routed layers must share height and "
      "width)");
  CHECK(net_error(net + "[shortcut]\nfrom=-1\n").starts_with("t.cfg:6: [shortcut] key 'from': layer -1 resolves"));
  CHECK(net_error(net + "[maxpool]\nsize=2\nstride=2\n[shortcut]\nfrom=-2\n")
            .starts_with("t.cfg:9: [shortcut] key 'from': layer -2 resolves to -1"));
  CHECK(net_error(net + "[convolutional]\nfilters=4\nsize=64\nactivation=linear\n") ==
        "t.cfg:5: [convolutional]: kernel size 64 exceeds the padded input 16x32");
}

TEST_CASE("darknet cfg: darknet's output-size formulas") {
  Network n = net_of(std::string(kNet) +
                     // 0: 3x3 s2 pad=1 -> 8x16
                     "[convolutional]\nfilters=8\nsize=3\nstride=2\npad=1\nbatch_normalize=1\nactivation=leaky\n"
                     // 1: maxpool size 2 stride 1: default padding 1 -> same size
                     "[maxpool]\nsize=2\nstride=1\n"
                     // 2: maxpool size 3 stride 2, default padding 2: (8+2-3)/2+1 = 4, (16+2-3)/2+1 = 8
                     "[maxpool]\nsize=3\nstride=2\n"
                     // 3: explicit padding=0 conv 5x5 -> 0x4? no: padding keyed, pad absent: (4-5)... use size 3
                     "[convolutional]\nfilters=6\nsize=3\npadding=0\nactivation=mish\n"
                     // 4: route groups: second half of layer 0 (8 ch) -> 4 ch at 8x16
                     "[route]\nlayers=0\ngroups=2\ngroup_id=1\n"
                     // 5: upsample x2 -> 16x32
                     "[upsample]\nstride=2\n"
                     // 6: route of two layers with groups: layer 0 (8) and layer 1 (8) halves -> 8 ch at 8x16
                     "[route]\nlayers=0,1\ngroups=2\ngroup_id=0\n"
                     // 7: shortcut with the 8-channel layer 0: keeps 8 channels
                     "[shortcut]\nfrom=0\nactivation=linear\n"
                     // 8: global average pool -> 8x1x1
                     "[avgpool]\n"
                     // 9: scale layer 7 by the 8 per-channel values
                     "[scale_channels]\nfrom=7\n"
                     // 10: dropout: identity
                     "[dropout]\nprobability=.5\n");
  auto shape = [&](int i) {
    FeatureShape s = n.layers[static_cast<size_t>(i)].out;
    return std::vector<int64_t>{s.c, s.h, s.w};
  };
  CHECK(shape(0) == std::vector<int64_t>{8, 8, 16});
  CHECK(shape(1) == std::vector<int64_t>{8, 8, 16});
  CHECK(shape(2) == std::vector<int64_t>{8, 4, 8});
  CHECK(shape(3) == std::vector<int64_t>{6, 2, 6});
  CHECK(shape(4) == std::vector<int64_t>{4, 8, 16});
  CHECK(shape(5) == std::vector<int64_t>{4, 16, 32});
  CHECK(shape(6) == std::vector<int64_t>{8, 8, 16});
  CHECK(shape(7) == std::vector<int64_t>{8, 8, 16});
  CHECK(shape(8) == std::vector<int64_t>{8, 1, 1});
  CHECK(shape(9) == std::vector<int64_t>{8, 8, 16});
  CHECK(shape(10) == std::vector<int64_t>{8, 8, 16});
  // Weights: biases + 3 BN vectors + 8*3*3*3 for layer 0; biases + 6*8*3*3 for layer 3.
  CHECK(n.layers[0].weight_floats == 8 * 4 + 8 * 3 * 9);
  CHECK(n.layers[3].weight_floats == 6 + 6 * 8 * 9);
  CHECK(n.total_weight_floats() == 8 * 4 + 8 * 3 * 9 + 6 + 6 * 8 * 9);
  const auto& conv = std::get<ConvolutionalLayer>(n.layers[0].params);
  CHECK(conv.activation.kind == kernels::Activation::LeakyRelu);
  CHECK(conv.activation.alpha == 0.1f);
  CHECK(conv.padding == 1);
  CHECK(std::get<MaxPoolLayer>(n.layers[1].params).padding == 1);
  CHECK(std::get<RouteLayer>(n.layers[6].params).inputs == std::vector<int>{0, 1});
}

TEST_CASE("darknet cfg: every shared cfg parses with the expected head shapes") {
  struct Case {
    std::string path;
    std::vector<std::vector<int64_t>> heads;  // c, h, w of each [yolo] layer's input
  };
  const std::vector<Case> cases = {
      {"darknet/cfg/yolov4-tiny.cfg", {{255, 13, 13}, {255, 26, 26}}},
      {"darknet/cfg/yolov3-tiny.cfg", {{255, 13, 13}, {255, 26, 26}}},
      {"darknet/cfg/yolov4-tiny-3l.cfg", {{255, 19, 19}, {255, 38, 38}, {255, 76, 76}}},
      {"darknet/cfg/yolov3-tiny-prn.cfg", {{255, 13, 13}, {255, 26, 26}}},
      {"yolo-fastest/yolo-fastest.cfg", {{255, 10, 10}, {255, 20, 20}}},
      {"yolo-fastest/yolo-fastest-xl.cfg", {{255, 10, 10}, {255, 20, 20}}},
      {"yolo-fastest/yolo-fastest-1.1.cfg", {{255, 10, 10}, {255, 20, 20}}},
      {"yolo-fastest/yolo-fastest-1.1-xl.cfg", {{255, 10, 10}, {255, 20, 20}}},
      {"mobilenet-yolo/MobileNetV2-YOLOv3-Nano-coco.cfg", {{255, 10, 10}, {255, 20, 20}}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.path);
    Network n = parse_network(read_cfg_file(kData + c.path));
    std::vector<std::vector<int64_t>> heads;
    for (const Layer& l : n.layers)
      if (l.type == "yolo") heads.push_back({l.in.c, l.in.h, l.in.w});
    CHECK(heads == c.heads);
  }
}
