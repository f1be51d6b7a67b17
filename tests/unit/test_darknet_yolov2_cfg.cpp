// The YOLOv2 and classifier sections of the darknet cfg parser ([region], [reorg], [connected], [softmax],
// [cost]) and two YOLOv4-era extras ([local_avgpool], [sam]): accepted keys, darknet's output shapes and
// weight counts, and every malformed or unsupported variant as a clean error naming file:line, section and
// key.
#include <doctest/doctest.h>

#include <string>

#include "engine/error.h"
#include "error_of.h"
#include "loaders/darknet/cfg_parser.h"
#include "loaders/darknet/darknet_layers.h"

using namespace vigil;
using namespace vigil::darknet;

namespace {

using vigil::test::error_of;

Network net_of(const std::string& text) { return parse_network(parse_cfg(text, "t.cfg")); }
std::string net_error(const std::string& text) {
  return error_of([&] { net_of(text); });
}

// 3x16x32 input (lines 1-4), then a linear 1x1 conv with 7 filters (lines 5-8): one anchor, two classes.
const std::string kNet = "[net]\nwidth=32\nheight=16\nchannels=3\n";
const std::string kHead = kNet + "[convolutional]\nfilters=7\nsize=1\nactivation=linear\n";
// The [region] header is line 9; its keys start on line 10.
std::string region(const std::string& keys) { return kHead + "[region]\n" + keys; }

std::vector<int64_t> shape_of(const Network& n, int i) {
  const FeatureShape s = n.layers[static_cast<size_t>(i)].out;
  return {s.c, s.h, s.w};
}

}  // namespace

TEST_CASE("darknet cfg: [region] keys, anchors in grid cells, training keys ignored") {
  Network n = net_of(
      region("anchors = 1.08,1.19\nbias_match=1\nclasses=2\ncoords=4\nnum=1\nsoftmax=1\njitter=.2\nrescore=1\n"
             "object_scale=5\nnoobject_scale=1\nclass_scale=1\ncoord_scale=1\nabsolute=1\nthresh = .6\nrandom=1\n"
             "mask_scale=1\nmax=30\nfocal_loss=0\n"));
  REQUIRE(n.layers.size() == 2);
  const auto& g = std::get<RegionLayer>(n.layers[1].params);
  CHECK(g.classes == 2);
  CHECK(g.anchors == std::vector<float>{1.08f, 1.19f});
  CHECK(shape_of(n, 1) == std::vector<int64_t>{7, 16, 32});
  CHECK(n.layers[1].weight_floats == 0);
  // A [route] may follow a [region] layer (and name layers before it).
  CHECK(net_of(region("classes=2\nnum=1\nanchors=1,2\nsoftmax=1\n[route]\nlayers=0\n")).layers.size() == 3);
}

TEST_CASE("darknet cfg: [region] errors") {
  CHECK(net_error(region("num=1\nanchors=1,2\nsoftmax=1\n")) ==
        "t.cfg:9: [region] key 'classes': required but missing");
  CHECK(net_error(region("classes=2\nanchors=1,2\nsoftmax=1\n")) ==
        "t.cfg:9: [region] key 'num': required but missing");
  CHECK(net_error(region("classes=2\nnum=1\nsoftmax=1\n")) == "t.cfg:9: [region] key 'anchors': required but missing");
  CHECK(net_error(region("classes=2\nnum=1\nanchors=1,2\ncoords=5\nsoftmax=1\n")) ==
        "t.cfg:13: [region] key 'coords': must be 4 (x, y, w, h); other box encodings are not supported");
  CHECK(net_error(region("classes=2\nnum=1\nanchors=1,2,3\nsoftmax=1\n")) ==
        "t.cfg:12: [region] key 'anchors': has 3 numbers; num=1 needs 2");
  CHECK(net_error(region("classes=2\nnum=1\nanchors=1,0\nsoftmax=1\n")) ==
        "t.cfg:12: [region] key 'anchors': anchor sizes must be positive, found 0");
  CHECK(net_error(region("classes=2\nnum=1\nanchors=1,2\n")) ==
        "t.cfg:9: [region] key 'softmax': must be 1 (softmax over the classes: the YOLOv2 decoding vigil implements)");
  CHECK(net_error(region("classes=2\nnum=1\nanchors=1,2\nsoftmax=0\n")) ==
        "t.cfg:13: [region] key 'softmax': must be 1 (softmax over the classes: the YOLOv2 decoding vigil implements)");
  CHECK(net_error(region("classes=2\nnum=1\nanchors=1,2\nsoftmax=1\ntree=data/9k.tree\n")) ==
        "t.cfg:14: [region] key 'tree': not supported (YOLO9000's hierarchical softmax)");
  CHECK(net_error(region("classes=2\nnum=1\nanchors=1,2\nsoftmax=1\nsoftmax_tree=1\n")) ==
        "t.cfg:14: [region] key 'softmax_tree': not supported (YOLO9000's hierarchical softmax)");
  CHECK(net_error(region("classes=2\nnum=1\nanchors=1,2\nsoftmax=1\nmap=data/coco9k.map\n")) ==
        "t.cfg:14: [region] key 'map': not supported (YOLO9000's class map)");
  CHECK(net_error(region("classes=2\nnum=1\nanchors=1,2\nsoftmax=1\nbackground=1\n")) ==
        "t.cfg:14: [region] key 'background': not supported (a background class instead of objectness)");
  CHECK(net_error(region("classes=2\nnum=1\nanchors=1,2\nsoftmax=1\nclassfix=-1\n")) ==
        "t.cfg:14: [region] key 'classfix': not supported (objectness clamping)");
  CHECK(net_error(region("classes=2\nnum=1\nanchors=1,2\nsoftmax=1\nscale_x_y=1.1\n")) ==
        "t.cfg:14: [region] key 'scale_x_y': unknown key (not a darknet key of this section, or one vigil does not "
        "support)");
  CHECK(net_error(region("classes=2\nnum=2\nanchors=1,2,3,4\nsoftmax=1\n")) ==
        "t.cfg:9: [region]: its input has 7 channels but num=2 and classes=2 need 2*(2+5) = 14 (the filters= of "
        "the [convolutional] before it)");
  CHECK(net_error(region("classes=2\nnum=1\nanchors=1,2\nsoftmax=1\n[convolutional]\nfilters=2\nsize=1\n"
                         "activation=linear\n")) ==
        "t.cfg:14: [convolutional]: reads the output of [region] layer 1; only a [route] may follow a [region] "
        "layer");
  CHECK(net_error(region("classes=2\nnum=1\nanchors=1,2\nsoftmax=1\n[route]\nlayers=-1\n")) ==
        "t.cfg:15: [route] key 'layers': refers to [region] layer 1; only its input can feed other layers");
}

TEST_CASE("darknet cfg: [reorg] shapes and errors") {
  const std::string conv8 = kNet + "[convolutional]\nfilters=8\nsize=1\nactivation=linear\n";  // 8x16x32
  Network n = net_of(conv8 + "[reorg]\nstride=2\n[reorg]\nstride=1\n");
  CHECK(shape_of(n, 1) == std::vector<int64_t>{32, 8, 16});
  CHECK(shape_of(n, 2) == std::vector<int64_t>{32, 8, 16});
  CHECK(std::get<ReorgLayer>(n.layers[1].params).stride == 2);
  CHECK(shape_of(net_of(conv8 + "[reorg]\nstride=2\n[reorg]\nstride=2\n"), 2) == std::vector<int64_t>{128, 4, 8});

  CHECK(net_error(conv8 + "[reorg]\n") == "t.cfg:9: [reorg] key 'stride': required but missing");
  CHECK(net_error(conv8 + "[reorg]\nstride=3\n") ==
        "t.cfg:10: [reorg] key 'stride': 3 does not divide the input's 16x32 (height x width)");
  CHECK(net_error(kNet + "[convolutional]\nfilters=6\nsize=1\nactivation=linear\n[reorg]\nstride=2\n") ==
        "t.cfg:10: [reorg] key 'stride': stride*stride = 4 does not divide the input's 6 channels");
  CHECK(net_error(conv8 + "[reorg]\nstride=0\n") == "t.cfg:10: [reorg] key 'stride': 0 is out of range [1, 1024]");
  CHECK(net_error(conv8 + "[reorg]\nstride=2\nreverse=1\n") ==
        "t.cfg:11: [reorg] key 'reverse': not supported (the reverse reorg)");
  CHECK(net_error(conv8 + "[reorg]\nstride=2\nflatten=1\n") ==
        "t.cfg:11: [reorg] key 'flatten': not supported (the flattening reorg)");
  CHECK(net_error(conv8 + "[reorg]\nstride=2\nextra=1\n") ==
        "t.cfg:11: [reorg] key 'extra': not supported (the extra-channel reorg)");
}

TEST_CASE("darknet cfg: [connected] shapes, weight counts and errors") {
  // Input 3x16x32 = 1536 values.
  Network n = net_of(kNet +
                     "[connected]\noutput=10\nactivation=leaky\n[connected]\noutput=4\nactivation=linear\n"
                     "batch_normalize=1\n");
  CHECK(shape_of(n, 0) == std::vector<int64_t>{10, 1, 1});
  CHECK(shape_of(n, 1) == std::vector<int64_t>{4, 1, 1});
  CHECK(n.layers[0].weight_floats == 10 + 10 * 1536);
  CHECK(n.layers[1].weight_floats == 4 * 4 + 4 * 10);
  const auto& c = std::get<ConnectedLayer>(n.layers[0].params);
  CHECK(c.activation.kind == kernels::Activation::LeakyRelu);
  CHECK(!c.batch_normalize);
  CHECK(std::get<ConnectedLayer>(n.layers[1].params).batch_normalize);

  CHECK(net_error(kNet + "[connected]\nactivation=leaky\n") ==
        "t.cfg:5: [connected] key 'output': required but missing");
  CHECK(net_error(kNet + "[connected]\noutput=10\n") == "t.cfg:5: [connected] key 'activation': required but missing");
  CHECK(net_error(kNet + "[connected]\noutput=0\nactivation=linear\n") ==
        "t.cfg:6: [connected] key 'output': 0 is out of range [1, 65536]");
  CHECK(net_error("[net]\nwidth=1024\nheight=1024\nchannels=3\n[connected]\noutput=1000\nactivation=linear\n") ==
        "t.cfg:6: [connected] key 'output': 1000 outputs from 3145728 inputs is an absurdly large matrix");
  CHECK(net_error(kNet + "[connected]\noutput=10\nactivation=elu\n")
            .starts_with("t.cfg:7: [connected] key 'activation': unsupported activation 'elu'"));
  CHECK(net_error(kNet + "[connected]\noutput=10\nactivation=linear\nweights_transpose=1\n")
            .starts_with("t.cfg:8: [connected] key 'weights_transpose': unknown key"));
}

TEST_CASE("darknet cfg: [softmax] and [cost] placement and errors") {
  const std::string fc = kNet + "[connected]\noutput=12\nactivation=linear\n";  // layer 0, 12x1x1, lines 5-7
  Network n = net_of(fc + "[softmax]\ngroups=3\nnoloss=0\n[cost]\ntype=sse\nscale=1\n");
  REQUIRE(n.layers.size() == 3);
  CHECK(std::get<SoftmaxLayer>(n.layers[1].params).groups == 3);
  CHECK(shape_of(n, 1) == std::vector<int64_t>{12, 1, 1});
  CHECK(shape_of(n, 2) == std::vector<int64_t>{12, 1, 1});
  CHECK(std::holds_alternative<CostLayer>(n.layers[2].params));
  // groups over a whole feature map: 3x16x32 = 1536 values in 4 groups.
  CHECK(std::get<SoftmaxLayer>(net_of(kNet + "[softmax]\ngroups=4\n").layers[0].params).groups == 4);

  CHECK(net_error(fc + "[softmax]\ngroups=5\n") ==
        "t.cfg:9: [softmax] key 'groups': 5 does not divide the 12 inputs (12x1x1)");
  CHECK(net_error(fc + "[softmax]\ngroups=13\n") == "t.cfg:9: [softmax] key 'groups': 13 is out of range [1, 12]");
  CHECK(net_error(fc + "[softmax]\ntemperature=2\n") == "t.cfg:9: [softmax] key 'temperature': not supported (only 1)");
  CHECK(net_error(fc + "[softmax]\nspatial=1\n") ==
        "t.cfg:9: [softmax] key 'spatial': not supported (darknet's GPU-only per-position softmax)");
  CHECK(net_error(fc + "[softmax]\ntree=data/9k.tree\n") ==
        "t.cfg:9: [softmax] key 'tree': not supported (YOLO9000's hierarchical softmax)");
  CHECK(net_error(fc + "[softmax]\n[connected]\noutput=2\nactivation=linear\n") ==
        "t.cfg:9: [connected]: follows [softmax] layer 1; vigil supports [softmax] only at the network's end "
        "(optionally followed by [cost])");
  CHECK(net_error(fc + "[softmax]\n[route]\nlayers=-1\n") ==
        "t.cfg:9: [route]: follows [softmax] layer 1; vigil supports [softmax] only at the network's end "
        "(optionally followed by [cost])");
  CHECK(net_error(fc + "[softmax]\n[cost]\n[dropout]\n") ==
        "t.cfg:10: [dropout]: follows [cost] layer 2, which must be the last layer (darknet's output is the layer "
        "before it)");
  CHECK(net_error(fc + "[cost]\ntype=sse\nbogus=1\n") ==
        "t.cfg:10: [cost] key 'bogus': unknown key (not a darknet key of this section, or one vigil does not "
        "support)");
  CHECK(net_error(kNet + "[convolutional]\nfilters=2\nsize=1\nactivation=linear\n[softmax]\n[cost]\n"
                         "[route]\nlayers=1\n") ==
        "t.cfg:11: [route]: follows [cost] layer 2, which must be the last layer (darknet's output is the layer "
        "before it)");
}

TEST_CASE("darknet cfg: [local_avgpool] and [sam] shapes and errors") {
  const std::string conv8 = kNet + "[convolutional]\nfilters=8\nsize=1\nactivation=linear\n";  // 8x16x32
  Network n = net_of(conv8 +
                     // 1: size 3 stride 1, default padding 2 -> same size
                     "[local_avgpool]\nsize=3\nstride=1\n"
                     // 2: size 2 stride 2 -> 8x16
                     "[local_avgpool]\nsize=2\nstride=2\n"
                     // 3: stride_x 4, padding 0 on 8x16: (8 - 2)/2 + 1 = 4, (16 - 2)/4 + 1 = 4
                     "[local_avgpool]\nsize=2\nstride=2\nstride_x=4\npadding=0\n"
                     // 4: gates, 5: times layer 3
                     "[convolutional]\nfilters=8\nsize=1\nactivation=logistic\n[sam]\nfrom=-2\nactivation=leaky\n");
  CHECK(shape_of(n, 1) == std::vector<int64_t>{8, 16, 32});
  CHECK(shape_of(n, 2) == std::vector<int64_t>{8, 8, 16});
  CHECK(shape_of(n, 3) == std::vector<int64_t>{8, 4, 4});
  CHECK(shape_of(n, 5) == std::vector<int64_t>{8, 4, 4});
  CHECK(std::get<LocalAvgPoolLayer>(n.layers[1].params).padding == 2);
  CHECK(std::get<SamLayer>(n.layers[5].params).from == 3);
  CHECK(std::get<SamLayer>(n.layers[5].params).activation.kind == kernels::Activation::LeakyRelu);

  CHECK(net_error(conv8 + "[local_avgpool]\nsize=2\n") ==
        "t.cfg:9: [local_avgpool] key 'stride': required but missing");
  CHECK(net_error(conv8 + "[local_avgpool]\nsize=2\nstride=2\npadding=5\n") ==
        "t.cfg:12: [local_avgpool] key 'padding': 5 is too large for size=2 (a window would hold only padding)");
  CHECK(net_error(conv8 + "[local_avgpool]\nsize=2\nstride=2\nmaxpool_depth=1\n")
            .starts_with("t.cfg:12: [local_avgpool] key 'maxpool_depth': unknown key"));
  CHECK(net_error(conv8 + "[sam]\nactivation=linear\n") == "t.cfg:9: [sam] key 'from': required but missing");
  CHECK(net_error(conv8 + "[convolutional]\nfilters=4\nsize=1\nactivation=linear\n[sam]\nfrom=0\n") ==
        "t.cfg:14: [sam] key 'from': layer 0 is 8x16x32 but the previous layer is 4x16x32 ([sam] multiplies equal "
        "shapes element-wise)");
  CHECK(net_error(conv8 + "[sam]\nfrom=1\n").starts_with("t.cfg:10: [sam] key 'from': layer 1 resolves to 1"));
}
