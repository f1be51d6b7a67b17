// The darknet importer end to end: every shared cfg imports with generated weights and gets the right
// head shapes; the real weights files are consumed exactly; weights files of the wrong size or with a
// broken header are clean errors; and a small cfg using every supported section computes what an
// independent float64 re-implementation of darknet's forward pass computes.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>

#include "engine/error.h"
#include "engine/executor.h"
#include "engine/kernel_path.h"
#include "error_of.h"
#include "loaders/darknet/cfg_parser.h"
#include "loaders/darknet/darknet_import.h"
#include "loaders/darknet/darknet_layers.h"
#include "loaders/darknet/weights_reader.h"
#include "loaders/vgl/vgl.h"

using namespace vigil;
using namespace vigil::darknet;

namespace {

const std::string kData = VIGIL_SOURCE_DIR "/../shared/data/";

using vigil::test::error_of;

// A scratch directory for the files a test writes, removed at the end.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("vigil_darknet_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name, const std::string& text = "") const {
    std::string p = (path / name).string();
    if (!text.empty()) std::ofstream(p) << text;
    return p;
  }
  static int& counter() {
    static int c = 0;
    return c;
  }
};

// Random weights in darknet's file order for every conv of `net`: biases, then (with batch norm) scales,
// means and variances (variances in [0.5, 1.5]), then the kernel; for every [connected] layer biases,
// weights, then the batch-norm vectors; for a weighted [shortcut] its weights in [-0.5, 1.5].
std::vector<float> random_weights(const Network& net, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f), var(0.5f, 1.5f);
  std::vector<float> out;
  for (const Layer& l : net.layers) {
    if (const auto* fc = std::get_if<ConnectedLayer>(&l.params)) {
      // darknet's connected order: biases, weights [outputs][inputs], then the batch-norm vectors.
      const int64_t n = fc->outputs, inputs = l.in.numel();
      for (int64_t i = 0; i < n; ++i) out.push_back(0.1f * u(rng));
      const float scale = std::sqrt(3.0f / static_cast<float>(inputs));
      for (int64_t i = 0; i < n * inputs; ++i) out.push_back(scale * u(rng));
      if (fc->batch_normalize) {
        for (int64_t i = 0; i < n; ++i) out.push_back(1.0f + 0.2f * u(rng));
        for (int64_t i = 0; i < n; ++i) out.push_back(0.2f * u(rng));
        for (int64_t i = 0; i < n; ++i) out.push_back(var(rng));
      }
      continue;
    }
    if (std::holds_alternative<ShortcutLayer>(l.params)) {
      // Weighted shortcut weights: some negative (relu normalisation clips them), spread for softmax.
      for (int64_t i = 0; i < l.weight_floats; ++i) out.push_back(0.5f + u(rng));
      continue;
    }
    const auto* c = std::get_if<ConvolutionalLayer>(&l.params);
    if (!c) continue;
    const int64_t fan_in = (l.in.c / c->groups) * c->size * c->size;
    for (int64_t i = 0; i < c->filters; ++i) out.push_back(0.1f * u(rng));  // biases
    if (c->batch_normalize) {
      for (int64_t i = 0; i < c->filters; ++i) out.push_back(1.0f + 0.2f * u(rng));  // scales
      for (int64_t i = 0; i < c->filters; ++i) out.push_back(0.2f * u(rng));         // means
      for (int64_t i = 0; i < c->filters; ++i) out.push_back(var(rng));              // variances
    }
    const float scale = std::sqrt(3.0f / static_cast<float>(fan_in));  // keeps activations O(1)
    for (int64_t i = 0; i < c->filters * fan_in; ++i) out.push_back(scale * u(rng));
  }
  REQUIRE(static_cast<int64_t>(out.size()) == net.total_weight_floats());
  return out;
}

std::vector<int64_t> dims(const Shape& s) { return std::vector<int64_t>(s.span().begin(), s.span().end()); }

}  // namespace

TEST_CASE("darknet import: every shared cfg imports with generated weights, heads have darknet's shapes") {
  struct Case {
    std::string path;
    std::vector<std::vector<int64_t>> heads;
  };
  const std::vector<Case> cases = {
      {"darknet/cfg/yolov4-tiny.cfg", {{1, 255, 13, 13}, {1, 255, 26, 26}}},
      {"darknet/cfg/yolov3-tiny.cfg", {{1, 255, 13, 13}, {1, 255, 26, 26}}},
      {"darknet/cfg/yolov4-tiny-3l.cfg", {{1, 255, 19, 19}, {1, 255, 38, 38}, {1, 255, 76, 76}}},
      {"darknet/cfg/yolov3-tiny-prn.cfg", {{1, 255, 13, 13}, {1, 255, 26, 26}}},
      {"yolo-fastest/yolo-fastest.cfg", {{1, 255, 10, 10}, {1, 255, 20, 20}}},
      {"yolo-fastest/yolo-fastest-xl.cfg", {{1, 255, 10, 10}, {1, 255, 20, 20}}},
      {"yolo-fastest/yolo-fastest-1.1.cfg", {{1, 255, 10, 10}, {1, 255, 20, 20}}},
      {"yolo-fastest/yolo-fastest-1.1-xl.cfg", {{1, 255, 10, 10}, {1, 255, 20, 20}}},
      {"mobilenet-yolo/MobileNetV2-YOLOv3-Nano-coco.cfg", {{1, 255, 10, 10}, {1, 255, 20, 20}}},
  };
  // The table covers every cfg that ships in the data folders (a new one must be added here).
  std::set<std::string> shipped, listed;
  for (const char* dir : {"darknet/cfg", "yolo-fastest", "mobilenet-yolo"})
    for (const auto& entry : std::filesystem::directory_iterator(kData + dir))
      if (entry.path().extension() == ".cfg") shipped.insert(std::string(dir) + "/" + entry.path().filename().string());
  for (const Case& c : cases) listed.insert(c.path);
  CHECK(shipped == listed);

  TempDir tmp;
  for (const Case& c : cases) {
    CAPTURE(c.path);
    const std::string cfg = kData + c.path;
    Network net = parse_network(read_cfg_file(cfg));
    const std::string weights = tmp.file("gen.weights");
    write_weights_file(weights, random_weights(net, 7));
    DarknetImportOptions options;
    options.names_path = kData + "darknet/coco.names";
    Graph g = import_darknet(cfg, weights, options);

    REQUIRE(g.inputs.size() == 1);
    CHECK(dims(g.values[static_cast<size_t>(g.inputs[0])].shape) ==
          std::vector<int64_t>{1, net.channels, net.height, net.width});
    REQUIRE(g.outputs.size() == c.heads.size() + 2);
    for (size_t h = 0; h < c.heads.size(); ++h)
      CHECK(dims(g.values[static_cast<size_t>(g.outputs[h])].shape) == c.heads[h]);
    const Value& det = g.values[static_cast<size_t>(g.outputs[c.heads.size()])];
    const Value& count = g.values[static_cast<size_t>(g.outputs[c.heads.size() + 1])];
    CHECK(det.name == "detections");
    CHECK(dims(det.shape) == std::vector<int64_t>{100, 6});
    CHECK(count.name == "detection_count");

    CHECK(std::get<std::vector<int64_t>>(g.metadata.at("input_size")) == std::vector<int64_t>{net.width, net.height});
    CHECK(std::get<std::string>(g.metadata.at("channel_order")) == "RGB");
    CHECK(std::get<std::string>(g.metadata.at("source_format")) == "darknet");
    CHECK(std::get<std::vector<std::string>>(g.metadata.at("class_names")).size() == 80);
    CHECK(std::get<std::vector<std::string>>(g.metadata.at("class_names"))[16] == "dog");
    CHECK(std::get<std::vector<int64_t>>(g.metadata.at("yolo_anchors_per_head")).size() == c.heads.size());
    CHECK(std::get<std::vector<std::string>>(g.metadata.at("yolo_heads")).size() == c.heads.size());
  }
}

TEST_CASE("darknet import: yolov4-tiny metadata carries anchors, masks and scale_x_y per head") {
  Graph g = import_darknet(kData + "darknet/cfg/yolov4-tiny.cfg", "");
  CHECK(std::get<std::vector<float>>(g.metadata.at("yolo_anchors")) ==
        std::vector<float>{10, 14, 23, 27, 37, 58, 81, 82, 135, 169, 344, 319});
  CHECK(std::get<std::vector<int64_t>>(g.metadata.at("yolo_masks")) == std::vector<int64_t>{3, 4, 5, 1, 2, 3});
  CHECK(std::get<std::vector<int64_t>>(g.metadata.at("yolo_anchors_per_head")) == std::vector<int64_t>{3, 3});
  CHECK(std::get<std::vector<float>>(g.metadata.at("yolo_scale_x_y")) == std::vector<float>{1.05f, 1.05f});
  CHECK(std::get<std::vector<std::string>>(g.metadata.at("yolo_heads")) ==
        std::vector<std::string>{"conv_29", "conv_36"});
  CHECK(g.metadata.count("class_names") == 0);
}

TEST_CASE("darknet import: the metadata survives a .vgl round trip") {
  TempDir tmp;
  DarknetImportOptions o;
  o.names_path = kData + "darknet/coco.names";
  Graph g = import_darknet(kData + "darknet/cfg/yolov4-tiny-3l.cfg", "", o);
  const std::string path = tmp.file("m.vgl");
  write_vgl(g, path);
  Graph r = read_vgl(path);
  CHECK(r.metadata == g.metadata);
  CHECK(std::get<std::vector<int64_t>>(r.metadata.at("input_size")) == std::vector<int64_t>{608, 608});
  CHECK(std::get<std::vector<int64_t>>(r.metadata.at("yolo_masks")) == std::vector<int64_t>{6, 7, 8, 3, 4, 5, 0, 1, 2});
  CHECK(std::get<std::vector<int64_t>>(r.metadata.at("yolo_anchors_per_head")) == std::vector<int64_t>{3, 3, 3});
  REQUIRE(r.outputs.size() == 5);
  CHECK(r.values[static_cast<size_t>(r.outputs[3])].name == "detections");
}

TEST_CASE("darknet import: the real weights files are consumed exactly") {
  const std::vector<std::string> models = {"yolo-fastest/yolo-fastest", "yolo-fastest/yolo-fastest-xl",
                                           "yolo-fastest/yolo-fastest-1.1", "yolo-fastest/yolo-fastest-1.1-xl",
                                           "mobilenet-yolo/MobileNetV2-YOLOv3-Nano-coco"};
  for (const std::string& m : models) {
    CAPTURE(m);
    Network net = parse_network(read_cfg_file(kData + m + ".cfg"));
    const auto file_size = static_cast<int64_t>(std::filesystem::file_size(kData + m + ".weights"));
    // Header 0.2.5: 20 bytes, then exactly the floats the cfg needs, none left over.
    CHECK(file_size == 20 + 4 * net.total_weight_floats());
    WeightsReader reader(kData + m + ".weights", net.total_weight_floats());
    CHECK(reader.header().major == 0);
    CHECK(reader.header().minor == 2);
    CHECK(reader.header().revision == 5);
    CHECK(reader.header().header_bytes == 20);
    Graph g = import_darknet(kData + m + ".cfg", kData + m + ".weights");
    CHECK(g.outputs.size() == 4);
  }
}

TEST_CASE("darknet import: weights of the wrong size and broken headers are clean errors") {
  TempDir tmp;
  const std::string cfg = tmp.file("t.cfg",
                                   "[net]\nwidth=4\nheight=4\nchannels=2\n"
                                   "[convolutional]\nfilters=3\nsize=3\npad=1\nbatch_normalize=1\nactivation=leaky\n");
  const int64_t need = 3 * 4 + 3 * 2 * 9;  // 66
  std::vector<float> floats(static_cast<size_t>(need), 0.5f);
  const std::string w = tmp.file("t.weights");

  write_weights_file(w, std::span<const float>(floats).first(static_cast<size_t>(need - 1)));
  CHECK(error_of([&] { import_darknet(cfg, w); }) ==
        w + ": the cfg needs 66 floats after the 20-byte header, but the file holds 65 floats (file too short): "
            "wrong weights for this cfg?");

  std::vector<float> longer = floats;
  longer.push_back(1.0f);
  write_weights_file(w, longer);
  CHECK(error_of([&] { import_darknet(cfg, w); }) ==
        w + ": the cfg needs 66 floats after the 20-byte header, but the file holds 67 floats (file too long): "
            "wrong weights for this cfg?");

  write_weights_file(w, floats);
  { std::ofstream(w, std::ios::app | std::ios::binary).write("ab", 2); }
  CHECK(error_of([&] { import_darknet(cfg, w); }) ==
        w + ": the cfg needs 66 floats after the 20-byte header, but the file holds 66 floats and 2 stray bytes: "
            "wrong weights for this cfg?");

  // Header: 0.2.5 needs 20 bytes; 12 is not even a version.
  {
    std::ofstream out(w, std::ios::binary | std::ios::trunc);
    const int32_t v[4] = {0, 2, 5, 0};
    out.write(reinterpret_cast<const char*>(v), 16);
  }
  CHECK(error_of([&] { import_darknet(cfg, w); }) ==
        w + ": truncated header: 16 bytes, but version 0.2.5 has a 20-byte header (64-bit 'seen')");
  { std::ofstream(w, std::ios::binary | std::ios::trunc).write("\0\0\0\0\2\0\0", 7); }
  CHECK(error_of([&] { import_darknet(cfg, w); }) ==
        w + ": truncated header: 7 bytes, but the version alone takes 12 (int32 major, minor, revision)");
  {
    std::ofstream out(w, std::ios::binary | std::ios::trunc);
    const int32_t v[5] = {-3, 7, 1, 0, 0};
    out.write(reinterpret_cast<const char*>(v), 20);
  }
  CHECK(error_of([&] { import_darknet(cfg, w); }).starts_with(w + ": header version -3.7.1 is not a darknet"));
  CHECK(error_of([&] { import_darknet(cfg, tmp.file("missing.weights")); }) ==
        tmp.file("missing.weights") + ": cannot open darknet weights file");

  // An old file (0.1.0) has a 32-bit "seen" and a 16-byte header.
  write_weights_file(w, floats, 1234, 0, 1, 0);
  CHECK(std::filesystem::file_size(w) == 16 + 4 * 66);
  WeightsReader old(w, need);
  CHECK(old.header().header_bytes == 16);
  CHECK(old.header().seen == 1234);
  CHECK_NOTHROW(import_darknet(cfg, w));

  // A negative variance below -epsilon cannot be normalised.
  std::vector<float> bad = floats;
  bad[9] = -1.0f;  // biases 0..2, scales 3..5, means 6..8, variances 9..11
  write_weights_file(w, bad);
  CHECK(error_of([&] {
          import_darknet(cfg, w);
        }).find("layer 0 [convolutional]: batch-norm variance of filter 0 is -1") != std::string::npos);
}

TEST_CASE("darknet import: class names file must match the classes") {
  TempDir tmp;
  const std::string names = tmp.file("n.names", "a\nb\n\n");
  DarknetImportOptions o;
  o.names_path = names;
  CHECK(error_of([&] { import_darknet(kData + "darknet/cfg/yolov3-tiny.cfg", "", o); }) ==
        names + ": has 2 class names but the cfg's [yolo] layers have classes=80");
  const std::string gap = tmp.file("g.names", "a\n\nb\n");
  o.names_path = gap;
  CHECK(error_of([&] { import_darknet(kData + "darknet/cfg/yolov3-tiny.cfg", "", o); }) ==
        gap + ":2: blank line between class names (class ids would shift)");
}

// ---------------------------------------------------------------------------------------------------
// Numerics: an independent float64 forward pass written in darknet's own terms.

namespace {

// Every supported section type, with the awkward cases: a stride-1 maxpool (asymmetric padding), grouped
// and strided convs, route groups over two layers, shortcuts whose other input has fewer and more
// channels, two-input shortcut, global average pool, scale_channels, dropout, upsample and two heads.
const char* kEverySectionCfg = R"(
[net]
width=8
height=8
channels=3
# 0: 8x8x8
[convolutional]
filters=8
size=3
stride=1
pad=1
batch_normalize=1
activation=leaky
# 1: 8x8x8 (padding 1: none before, 1 after)
[maxpool]
size=2
stride=1
# 2: 8x4x4, 4 groups
[convolutional]
filters=8
size=3
stride=2
pad=1
groups=4
batch_normalize=1
activation=mish
# 3: second half of layer 2's channels and of layer 0's: 4+4 = 8 ch, but layer 0 is 8x8: use layer 2 only
[route]
layers=-1
groups=2
group_id=1
# 4: 4x4x4 with bias
[convolutional]
filters=4
size=1
stride=1
pad=0
activation=swish
# 5: 4 + 8 = 12 ch
[route]
layers=-1,-3
# 6: + layer 2 (8 ch) over the first 8 of 12 channels
[shortcut]
from=-4
activation=relu6
# 7: 6x4x4
[convolutional]
filters=6
size=3
stride=1
pad=1
batch_normalize=1
activation=hard_mish
# 8: + the first 6 of layer 6's 12 channels
[shortcut]
from=-2
activation=linear
# 9: 6x1x1
[avgpool]
# 10: 6x1x1 gates
[convolutional]
filters=6
size=1
stride=1
activation=logistic
# 11: layer 8 scaled per channel
[scale_channels]
from=-3
# 12: + layer 8 + layer 11 again
[shortcut]
from=8,-1
activation=leaky
# 13
[dropout]
probability=.3
# 14: head 1: 2 anchors * (5 + 2 classes) = 14
[convolutional]
filters=14
size=1
stride=1
activation=linear
# 15
[yolo]
mask=0,1
anchors=2,3, 4,5, 6,7
classes=2
num=3
scale_x_y=1.1
# 16: layer 13
[route]
layers=-3
# 17: 6x8x8
[upsample]
stride=2
# 18: 6 + 8 (layer 0) = 14 x 8x8
[route]
layers=-1,0
# 19: maxpool 3 stride 1: padding 2, one each side
[maxpool]
size=3
stride=1
# 20: head 2: 1 anchor * 7
[convolutional]
filters=7
size=3
stride=1
pad=1
activation=tanh
# 21
[yolo]
mask=2
anchors=2,3, 4,5, 6,7
classes=2
num=3
)";

struct Map {
  int64_t c = 0, h = 0, w = 0;
  std::vector<double> v;
  double& at(int64_t k, int64_t y, int64_t x) { return v[static_cast<size_t>((k * h + y) * w + x)]; }
  double at(int64_t k, int64_t y, int64_t x) const { return v[static_cast<size_t>((k * h + y) * w + x)]; }
};
Map make_map(int64_t c, int64_t h, int64_t w) {
  return Map{c, h, w, std::vector<double>(static_cast<size_t>(c * h * w))};
}

double act(const kernels::ActivationParams& a, double x) {
  using kernels::Activation;
  switch (a.kind) {
    case Activation::None: return x;
    case Activation::LeakyRelu: return x > 0 ? x : 0.1 * x;  // darknet: .1*x for x <= 0
    case Activation::Relu: return x > 0 ? x : 0;
    case Activation::Clip: return std::min(std::max(x, 0.0), 6.0);  // relu6
    case Activation::Sigmoid: return 1 / (1 + std::exp(-x));
    case Activation::Tanh: return std::tanh(x);
    case Activation::Silu: return x / (1 + std::exp(-x));
    case Activation::Mish: return x * std::tanh(std::log1p(std::exp(x)));
    case Activation::HardMish: return x > 0 ? x : (x > -2 ? x * x / 2 + x : 0);  // darknet's piecewise form
    default: FAIL("activation not in the reference"); return 0;
  }
}

// The darknet forward pass of `net` in float64; returns every layer's output.
std::vector<Map> darknet_forward(const Network& net, const std::vector<float>& weights, const Map& input,
                                 double bn_eps) {
  std::vector<Map> outs;
  size_t wpos = 0;
  auto next = [&](int64_t n) {
    std::vector<double> v(weights.begin() + static_cast<long>(wpos), weights.begin() + static_cast<long>(wpos + n));
    wpos += static_cast<size_t>(n);
    return v;
  };
  auto get = [&](int i) -> const Map& { return i < 0 ? input : outs[static_cast<size_t>(i)]; };
  for (const Layer& l : net.layers) {
    const Map& in = get(l.index - 1);
    Map out;
    if (const auto* c = std::get_if<ConvolutionalLayer>(&l.params)) {
      const int64_t cg = in.c / c->groups, fg = c->filters / c->groups, k = c->size;
      std::vector<double> bias = next(c->filters), scales, mean, var;
      if (c->batch_normalize) scales = next(c->filters), mean = next(c->filters), var = next(c->filters);
      std::vector<double> w = next(c->filters * cg * k * k);
      out = make_map(c->filters, (in.h + 2 * c->padding - k) / c->stride_y + 1,
                     (in.w + 2 * c->padding - k) / c->stride_x + 1);
      for (int64_t f = 0; f < c->filters; ++f) {
        const int64_t g = f / fg;
        for (int64_t y = 0; y < out.h; ++y)
          for (int64_t x = 0; x < out.w; ++x) {
            double s = 0;
            for (int64_t ci = 0; ci < cg; ++ci)
              for (int64_t ky = 0; ky < k; ++ky)
                for (int64_t kx = 0; kx < k; ++kx) {
                  // darknet's im2col_cpu_ext: padding * dilation before, taps dilation apart
                  const int64_t d = c->dilation, p = c->padding * d;
                  const int64_t iy = y * c->stride_y - p + ky * d, ix = x * c->stride_x - p + kx * d;
                  if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) continue;
                  s += w[static_cast<size_t>(((f * cg + ci) * k + ky) * k + kx)] * in.at(g * cg + ci, iy, ix);
                }
            const size_t fi = static_cast<size_t>(f);
            if (c->batch_normalize) s = scales[fi] * (s - mean[fi]) / std::sqrt(var[fi] + bn_eps);
            out.at(f, y, x) = act(c->activation, s + bias[fi]);
          }
      }
    } else if (const auto* m = std::get_if<MaxPoolLayer>(&l.params)) {
      out = make_map(in.c, (in.h + m->padding - m->size) / m->stride_y + 1,
                     (in.w + m->padding - m->size) / m->stride_x + 1);
      const int64_t off = -m->padding / 2;
      for (int64_t k = 0; k < out.c; ++k)
        for (int64_t y = 0; y < out.h; ++y)
          for (int64_t x = 0; x < out.w; ++x) {
            double best = -1e300;
            for (int64_t dy = 0; dy < m->size; ++dy)
              for (int64_t dx = 0; dx < m->size; ++dx) {
                const int64_t iy = off + y * m->stride_y + dy, ix = off + x * m->stride_x + dx;
                if (iy >= 0 && iy < in.h && ix >= 0 && ix < in.w) best = std::max(best, in.at(k, iy, ix));
              }
            out.at(k, y, x) = best;
          }
    } else if (std::holds_alternative<AvgPoolLayer>(l.params)) {
      out = make_map(in.c, 1, 1);
      for (int64_t k = 0; k < in.c; ++k) {
        double s = 0;
        for (int64_t i = 0; i < in.h * in.w; ++i) s += in.v[static_cast<size_t>(k * in.h * in.w + i)];
        out.v[static_cast<size_t>(k)] = s / static_cast<double>(in.h * in.w);
      }
    } else if (const auto* r = std::get_if<RouteLayer>(&l.params)) {
      // darknet copies, from each routed layer, the group_id-th 1/groups of its flat output.
      const Map& first = get(r->inputs[0]);
      out.h = first.h, out.w = first.w;
      for (int i : r->inputs) {
        const Map& src = get(i);
        const size_t part = src.v.size() / static_cast<size_t>(r->groups);
        out.v.insert(out.v.end(), src.v.begin() + static_cast<long>(part * static_cast<size_t>(r->group_id)),
                     src.v.begin() + static_cast<long>(part * static_cast<size_t>(r->group_id + 1)));
        out.c += src.c / r->groups;
      }
    } else if (const auto* s = std::get_if<ShortcutLayer>(&l.params)) {
      // darknet's shortcut_multilayer_cpu: out[i] = in[i] * w_0 + sum of add_k[i] * w_k for flat i < |add_k|,
      // w = 1 without weights; weights [n + 1][layer_step] (layer_step 1 or C), the one of element i at
      // i / step + k * layer_step with step = |out| / layer_step; normalised per element over the n + 1 inputs.
      const int64_t n = static_cast<int64_t>(s->from.size());
      const std::vector<double> w = next(l.weight_floats);
      const int64_t layer_step = static_cast<int64_t>(w.size()) / (n + 1);
      const int64_t outputs = static_cast<int64_t>(in.v.size());
      const int64_t step = w.empty() ? 1 : outputs / layer_step;
      out = in;
      for (int64_t i = 0; i < outputs; ++i) {
        auto weight = [&](int64_t k) {
          if (w.empty()) return 1.0;
          auto raw = [&](int64_t j) { return w[static_cast<size_t>(i / step + j * layer_step)]; };
          if (s->normalization == ShortcutNormalization::None) return raw(k);
          double largest = -1e300, sum = 0.0001;
          for (int64_t j = 0; j <= n; ++j) largest = std::max(largest, raw(j));
          for (int64_t j = 0; j <= n; ++j)
            sum += s->normalization == ShortcutNormalization::Relu ? std::max(raw(j), 0.0) : std::exp(raw(j) - largest);
          return s->normalization == ShortcutNormalization::Relu ? std::max(raw(k), 0.0) / sum
                                                                 : std::exp(raw(k) - largest) / sum;
        };
        double v = in.v[static_cast<size_t>(i)] * weight(0);
        for (int64_t k = 0; k < n; ++k) {
          const Map& add = get(s->from[static_cast<size_t>(k)]);
          if (i < static_cast<int64_t>(add.v.size())) v += add.v[static_cast<size_t>(i)] * weight(k + 1);
        }
        out.v[static_cast<size_t>(i)] = act(s->activation, v);
      }
    } else if (const auto* u = std::get_if<UpsampleLayer>(&l.params)) {
      out = make_map(in.c, in.h * u->stride, in.w * u->stride);
      for (int64_t k = 0; k < out.c; ++k)
        for (int64_t y = 0; y < out.h; ++y)
          for (int64_t x = 0; x < out.w; ++x) out.at(k, y, x) = u->scale * in.at(k, y / u->stride, x / u->stride);
    } else if (const auto* sc = std::get_if<ScaleChannelsLayer>(&l.params)) {
      const Map& from = get(sc->from);
      out = from;
      const size_t plane = static_cast<size_t>(from.h * from.w);
      for (size_t i = 0; i < out.v.size(); ++i) out.v[i] = act(sc->activation, from.v[i] * in.v[i / plane]);
    } else if (const auto* rg = std::get_if<ReorgLayer>(&l.params)) {
      // The index arithmetic of darknet's reorg_cpu with forward = 0 on the input's dimensions (written out
      // here from its definition): out[in_index] = x[out_index].
      const int64_t w = in.w, h = in.h, c = in.c, stride = rg->stride, out_c = c / (stride * stride);
      out = make_map(c * stride * stride, h / stride, w / stride);
      for (int64_t k = 0; k < c; ++k)
        for (int64_t j = 0; j < h; ++j)
          for (int64_t i = 0; i < w; ++i) {
            const int64_t in_index = i + w * (j + h * k);
            const int64_t c2 = k % out_c, offset = k / out_c;
            const int64_t w2 = i * stride + offset % stride, h2 = j * stride + offset / stride;
            const int64_t out_index = w2 + w * stride * (h2 + h * stride * c2);
            out.v[static_cast<size_t>(in_index)] = in.v[static_cast<size_t>(out_index)];
          }
    } else if (const auto* fc = std::get_if<ConnectedLayer>(&l.params)) {
      // darknet's forward_connected_layer: gemm over the flat input, then batch norm or bias, then activation.
      const int64_t n = fc->outputs, inputs = static_cast<int64_t>(in.v.size());
      std::vector<double> bias = next(n), w = next(n * inputs), scales, mean, var;
      if (fc->batch_normalize) scales = next(n), mean = next(n), var = next(n);
      out = make_map(n, 1, 1);
      for (int64_t o = 0; o < n; ++o) {
        double s = 0;
        for (int64_t i = 0; i < inputs; ++i) s += w[static_cast<size_t>(o * inputs + i)] * in.v[static_cast<size_t>(i)];
        const size_t oi = static_cast<size_t>(o);
        if (fc->batch_normalize) s = scales[oi] * (s - mean[oi]) / std::sqrt(var[oi] + bn_eps);
        out.v[oi] = act(fc->activation, s + bias[oi]);
      }
    } else if (const auto* sm = std::get_if<SoftmaxLayer>(&l.params)) {
      // darknet's softmax_cpu: each of `groups` contiguous slices of the flat input on its own.
      out = in;
      const size_t part = in.v.size() / static_cast<size_t>(sm->groups);
      for (size_t g = 0; g < static_cast<size_t>(sm->groups); ++g) {
        double largest = -1e300, sum = 0;
        for (size_t i = 0; i < part; ++i) largest = std::max(largest, in.v[g * part + i]);
        for (size_t i = 0; i < part; ++i) sum += std::exp(in.v[g * part + i] - largest);
        for (size_t i = 0; i < part; ++i) out.v[g * part + i] = std::exp(in.v[g * part + i] - largest) / sum;
      }
    } else if (const auto* la = std::get_if<LocalAvgPoolLayer>(&l.params)) {
      // darknet's forward_local_avgpool_layer: the mean of the window cells inside the input.
      out = make_map(in.c, (in.h + la->padding - la->size) / la->stride_y + 1,
                     (in.w + la->padding - la->size) / la->stride_x + 1);
      const int64_t off = -la->padding / 2;
      for (int64_t k = 0; k < out.c; ++k)
        for (int64_t y = 0; y < out.h; ++y)
          for (int64_t x = 0; x < out.w; ++x) {
            double sum = 0;
            int counter = 0;
            for (int64_t dy = 0; dy < la->size; ++dy)
              for (int64_t dx = 0; dx < la->size; ++dx) {
                const int64_t iy = off + y * la->stride_y + dy, ix = off + x * la->stride_x + dx;
                if (iy >= 0 && iy < in.h && ix >= 0 && ix < in.w) sum += in.at(k, iy, ix), ++counter;
              }
            out.at(k, y, x) = sum / counter;
          }
    } else if (const auto* sam = std::get_if<SamLayer>(&l.params)) {
      // darknet's forward_sam_layer: input[i] * from_output[i], then the activation.
      const Map& from = get(sam->from);
      out = in;
      for (size_t i = 0; i < out.v.size(); ++i) out.v[i] = act(sam->activation, in.v[i] * from.v[i]);
    } else {  // dropout, cost, yolo, region: the input itself (a head's raw input is what the graph outputs)
      out = in;
    }
    outs.push_back(std::move(out));
  }
  REQUIRE(wpos == weights.size());
  return outs;
}

}  // namespace

TEST_CASE("darknet import: every section computes what darknet's forward pass computes (float64 reference)") {
  TempDir tmp;
  const std::string cfg = tmp.file("every.cfg", kEverySectionCfg);
  Network net = parse_network(read_cfg_file(cfg));
  REQUIRE(net.layers.size() == 22);
  std::vector<float> weights = random_weights(net, 11);
  const std::string wfile = tmp.file("every.weights");
  write_weights_file(wfile, weights);

  Map input = make_map(3, 8, 8);
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> input_f(input.v.size());
  for (size_t i = 0; i < input.v.size(); ++i) input.v[i] = input_f[i] = u(rng);

  for (double eps : {1e-5, 1e-6}) {
    for (bool fold : {true, false}) {
      CAPTURE(eps);
      CAPTURE(fold);
      std::vector<Map> ref = darknet_forward(net, weights, input, eps);
      DarknetImportOptions o;
      o.batch_norm_epsilon = static_cast<float>(eps);
      o.fold_batch_norm = fold;
      Engine engine(import_darknet(cfg, wfile, o));
      ExecutionContext ctx(engine);
      std::copy(input_f.begin(), input_f.end(), ctx.input("input").f32());
      ctx.run();
      // The two heads (inputs of layers 15 and 21).
      const std::pair<const char*, int> heads[] = {{"conv_14", 14}, {"conv_20", 20}};
      for (auto [name, layer] : heads) {
        CAPTURE(name);
        const Map& r = ref[static_cast<size_t>(layer)];
        TensorView out = ctx.output(name);
        REQUIRE(out.numel() == static_cast<int64_t>(r.v.size()));
        double max_ref = 0, max_err = 0;
        for (size_t i = 0; i < r.v.size(); ++i) {
          max_ref = std::max(max_ref, std::abs(r.v[i]));
          max_err = std::max(max_err, std::abs(r.v[i] - static_cast<double>(out.f32()[i])));
        }
        CHECK(max_ref > 0.1);  // the comparison is not between two near-zero tensors
        CHECK(max_err <= 1e-5 * max_ref);
      }
    }
  }
}

namespace {

// Relative max error of a graph output against the float64 reference, after checking the comparison is not
// between near-zero tensors.
void check_against(ExecutionContext& ctx, const std::string& name, const Map& ref, double rel_tol) {
  CAPTURE(name);
  TensorView out = ctx.output(name);
  REQUIRE(out.numel() == static_cast<int64_t>(ref.v.size()));
  double max_ref = 0, max_err = 0;
  for (size_t i = 0; i < ref.v.size(); ++i) {
    max_ref = std::max(max_ref, std::abs(ref.v[i]));
    max_err = std::max(max_err, std::abs(ref.v[i] - static_cast<double>(out.f32()[i])));
  }
  CHECK(max_ref > 0.1);
  CHECK(max_err <= rel_tol * max_ref);
}

// Imports cfg + weights, marks `extra` values as outputs too, runs `input` and compares every named value
// with the reference layer's output.
void compare_with_reference(const std::string& cfg, const std::string& wfile, const Network& net,
                            const std::vector<float>& weights, const std::vector<std::pair<std::string, int>>& values,
                            const std::vector<std::string>& extra) {
  Map input = make_map(net.channels, net.height, net.width);
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> input_f(input.v.size());
  for (size_t i = 0; i < input.v.size(); ++i) input.v[i] = input_f[i] = u(rng);
  for (double eps : {1e-5, 1e-6}) {
    for (bool fold : {true, false}) {
      CAPTURE(eps);
      CAPTURE(fold);
      std::vector<Map> ref = darknet_forward(net, weights, input, eps);
      DarknetImportOptions o;
      o.batch_norm_epsilon = static_cast<float>(eps);
      o.fold_batch_norm = fold;
      Graph g = import_darknet(cfg, wfile, o);
      for (const std::string& name : extra) {
        REQUIRE(g.find_value(name) >= 0);
        g.outputs.push_back(g.find_value(name));
      }
      Engine engine(std::move(g));
      ExecutionContext ctx(engine);
      std::copy(input_f.begin(), input_f.end(), ctx.input("input").f32());
      ctx.run();
      for (const auto& [name, layer] : values) check_against(ctx, name, ref[static_cast<size_t>(layer)], 1e-5);
    }
  }
}

// A YOLOv2-style passthrough on a non-square input: [reorg] of an 8-channel 8x16 map (so that darknet's
// index arithmetic mixes channels and rows), [route] concatenation, [region] head.
const char* kYolov2SectionsCfg = R"(
[net]
width=16
height=8
channels=3
# 0: 8x8x16
[convolutional]
filters=8
size=3
stride=1
pad=1
batch_normalize=1
activation=leaky
# 1: 8x4x8
[maxpool]
size=2
stride=2
# 2: 8x4x8
[convolutional]
filters=8
size=1
stride=1
batch_normalize=1
activation=leaky
# 3: layer 0
[route]
layers=-3
# 4: 8x8x16
[convolutional]
filters=8
size=1
stride=1
batch_normalize=1
activation=mish
# 5: 32x4x8
[reorg]
stride=2
# 6: 32 + 8 = 40 x4x8
[route]
layers=-1,-4
# 7: head: 2 anchors * (5 + 3 classes) = 16
[convolutional]
filters=16
size=1
stride=1
activation=linear
# 8
[region]
anchors=1.5,2.5, 3,1
classes=3
num=2
coords=4
softmax=1
thresh=.6
)";

// A classifier: conv, [connected] with batch norm over a flattened 4x4x6 map, dropout, [connected],
// [softmax] in two groups, [cost].
const char* kClassifierSectionsCfg = R"(
[net]
width=6
height=4
channels=2
# 0: 4x4x6
[convolutional]
filters=4
size=3
stride=1
pad=1
batch_normalize=1
activation=leaky
# 1: 5x1x1 from 96 inputs
[connected]
output=5
batch_normalize=1
activation=leaky
# 2
[dropout]
probability=.5
# 3: 6x1x1
[connected]
output=6
activation=linear
# 4: two groups of 3
[softmax]
groups=2
# 5
[cost]
type=sse
)";

// YOLOv4-era extras: [local_avgpool] with asymmetric padding and a stride_x, [sam] with an activation.
const char* kAttentionSectionsCfg = R"(
[net]
width=10
height=7
channels=3
# 0: 6x7x10
[convolutional]
filters=6
size=3
stride=1
pad=1
batch_normalize=1
activation=leaky
# 1: size 3 stride 1, padding 2: 6x7x10, border windows average fewer cells
[local_avgpool]
size=3
stride=1
# 2: size 2 stride_y 2 stride_x 3, padding 1 (0 before, 1 after): (7+1-2)/2+1 = 4, (10+1-2)/3+1 = 4
[local_avgpool]
size=2
stride=2
stride_x=3
# 3: gates 6x4x4
[convolutional]
filters=6
size=1
stride=1
activation=logistic
# 4: layer 2 times the gates
[sam]
from=-2
activation=swish
)";

}  // namespace

TEST_CASE("darknet import: [local_avgpool] and [sam] compute what darknet computes (float64)") {
  TempDir tmp;
  const std::string cfg = tmp.file("att.cfg", kAttentionSectionsCfg);
  Network net = parse_network(read_cfg_file(cfg));
  REQUIRE(net.layers.size() == 5);
  std::vector<float> weights = random_weights(net, 23);
  const std::string wfile = tmp.file("att.weights");
  write_weights_file(wfile, weights);
  compare_with_reference(cfg, wfile, net, weights, {{"local_avgpool_1", 1}, {"local_avgpool_2", 2}, {"sam_4", 4}},
                         {"local_avgpool_1", "local_avgpool_2"});
}

TEST_CASE("darknet import: [reorg], [route] and the [region] head compute what darknet computes (float64)") {
  TempDir tmp;
  const std::string cfg = tmp.file("v2.cfg", kYolov2SectionsCfg);
  Network net = parse_network(read_cfg_file(cfg));
  REQUIRE(net.layers.size() == 9);
  std::vector<float> weights = random_weights(net, 21);
  const std::string wfile = tmp.file("v2.weights");
  write_weights_file(wfile, weights);
  compare_with_reference(cfg, wfile, net, weights, {{"reorg_5", 5}, {"route_6", 6}, {"conv_7", 7}},
                         {"reorg_5", "route_6"});

  Graph g = import_darknet(cfg, wfile);
  std::vector<std::string> outputs;
  for (int v : g.outputs) outputs.push_back(g.values[static_cast<size_t>(v)].name);
  CHECK(outputs == std::vector<std::string>{"conv_7", "detections", "detection_count"});
  const auto& m = g.metadata;
  CHECK(std::get<std::string>(m.at("yolo_decode")) == "region");
  CHECK(std::get<std::vector<float>>(m.at("yolo_anchors")) == std::vector<float>{1.5f, 2.5f, 3.0f, 1.0f});
  CHECK(std::get<std::vector<int64_t>>(m.at("yolo_masks")) == std::vector<int64_t>{0, 1});
  CHECK(std::get<std::vector<int64_t>>(m.at("yolo_anchors_per_head")) == std::vector<int64_t>{2});
  CHECK(std::get<int64_t>(m.at("yolo_num_classes")) == 3);
  int yolo_nodes = 0;
  for (const Node& n : g.nodes)
    if (n.op == OpType::YoloDetect) {
      ++yolo_nodes;
      CHECK(n.attrs.get_string("decode", "", "") == "region");
    }
  CHECK(yolo_nodes == 1);

  // The class-names check names the section kind.
  DarknetImportOptions o;
  o.names_path = tmp.file("two.names", "a\nb\n");
  CHECK(error_of([&] { import_darknet(cfg, wfile, o); }) ==
        o.names_path + ": has 2 class names but the cfg's [region] layers have classes=3");
}

TEST_CASE("darknet import: [connected], [softmax] groups and [cost] compute what darknet computes (float64)") {
  TempDir tmp;
  const std::string cfg = tmp.file("cls.cfg", kClassifierSectionsCfg);
  Network net = parse_network(read_cfg_file(cfg));
  REQUIRE(net.layers.size() == 6);
  std::vector<float> weights = random_weights(net, 22);
  const std::string wfile = tmp.file("cls.weights");
  write_weights_file(wfile, weights);
  compare_with_reference(cfg, wfile, net, weights, {{"connected_1", 1}, {"connected_3", 3}, {"softmax_4", 4}},
                         {"connected_1", "connected_3"});

  Graph g = import_darknet(cfg, wfile);
  REQUIRE(g.outputs.size() == 1);
  CHECK(g.values[static_cast<size_t>(g.outputs[0])].name == "softmax_4");
  CHECK(dims(g.values[static_cast<size_t>(g.outputs[0])].shape) == std::vector<int64_t>{1, 6, 1, 1});
  CHECK(g.metadata.count("yolo_anchors") == 0);

  // Class names label the softmax outputs: their count must match.
  DarknetImportOptions named;
  named.names_path = tmp.file("six.names", "a\nb\nc\nd\ne\nf\n");
  CHECK(std::get<std::vector<std::string>>(import_darknet(cfg, wfile, named).metadata.at("class_names")).size() == 6);
  named.names_path = tmp.file("five.names", "a\nb\nc\nd\ne\n");
  CHECK(error_of([&] { import_darknet(cfg, wfile, named); }) ==
        named.names_path + ": has 5 class names but the cfg's [softmax] has 6 outputs");

  // One float short: the count names what the [connected] layers need (4*4 + 4*2*9 for the conv, 5*4 + 5*96
  // and 6 + 6*5 for the connected layers).
  const int64_t needed = 4 * 4 + 4 * 2 * 9 + 5 * 4 + 5 * 96 + 6 + 6 * 5;
  REQUIRE(net.total_weight_floats() == needed);
  const std::string short_file = tmp.file("short.weights");
  write_weights_file(short_file, std::span<const float>(weights.data(), weights.size() - 1));
  CHECK(error_of([&] { import_darknet(cfg, short_file); }) ==
        short_file + ": the cfg needs " + std::to_string(needed) +
            " floats after the 20-byte header, but the file holds " + std::to_string(needed - 1) +
            " floats (file too short): wrong weights for this cfg?");
}

TEST_CASE("darknet import: a cfg without [yolo] outputs its last layer, empty weights give zeros") {
  TempDir tmp;
  const std::string cfg = tmp.file("c.cfg",
                                   "[net]\nwidth=6\nheight=6\nchannels=1\n"
                                   "[convolutional]\nfilters=2\nsize=3\npad=1\nactivation=relu\n[avgpool]\n");
  Graph g = import_darknet(cfg, "");
  REQUIRE(g.outputs.size() == 1);
  CHECK(g.values[static_cast<size_t>(g.outputs[0])].name == "avgpool_1");
  CHECK(dims(g.values[static_cast<size_t>(g.outputs[0])].shape) == std::vector<int64_t>{1, 2, 1, 1});
  CHECK(g.metadata.count("yolo_anchors") == 0);
}

namespace {

// Scaled-YOLOv4's head: a logistic conv before a [yolo] with new_coords=1, DIoU-NMS with beta_nms, and
// letter_box=1; a second head with greedynms (the network's last layer decides darknet's NMS).
const char* kScaledYoloCfg = R"(
[net]
width=16
height=8
channels=3
letter_box=1
# 0
[convolutional]
filters=8
size=3
stride=2
pad=1
batch_normalize=1
activation=mish
# 1: 2 anchors * (5 + 2 classes)
[convolutional]
filters=14
size=1
stride=1
activation=logistic
# 2
[yolo]
mask=0,1
anchors=2,3, 4,5, 6,7
classes=2
num=3
scale_x_y=2.0
new_coords=1
nms_kind=greedynms
# 3
[route]
layers=0
# 4
[convolutional]
filters=7
size=1
stride=1
activation=logistic
# 5
[yolo]
mask=2
anchors=2,3, 4,5, 6,7
classes=2
num=3
scale_x_y=1.5
new_coords=1
nms_kind=diounms
beta_nms=0.45
)";

}  // namespace

TEST_CASE("darknet import: new_coords heads are the logistic conv's output, decoded the new_coords way") {
  TempDir tmp;
  const std::string cfg = tmp.file("scaled.cfg", kScaledYoloCfg);
  Network net = parse_network(read_cfg_file(cfg));
  REQUIRE(net.layers.size() == 6);
  std::vector<float> weights = random_weights(net, 24);
  const std::string wfile = tmp.file("scaled.weights");
  write_weights_file(wfile, weights);
  // The heads hold activated values (the float64 reference applies the logistic as darknet's conv does).
  compare_with_reference(cfg, wfile, net, weights, {{"conv_1", 1}, {"conv_4", 4}}, {});

  Graph g = import_darknet(cfg, wfile);
  const auto& m = g.metadata;
  CHECK(std::get<std::string>(m.at("yolo_decode")) == "new_coords");
  CHECK(std::get<std::string>(m.at("yolo_nms")) == "diou");
  CHECK(std::get<float>(m.at("yolo_diou_beta")) == 0.45f);  // the last layer's beta_nms
  CHECK(std::get<int64_t>(m.at("letterbox")) == 1);
  CHECK(std::get<std::vector<float>>(m.at("yolo_scale_x_y")) == std::vector<float>{2.0f, 1.5f});
  int yolo_nodes = 0;
  for (const Node& n : g.nodes)
    if (n.op == OpType::YoloDetect) {
      ++yolo_nodes;
      CHECK(n.attrs.get_string("decode", "", "") == "new_coords");
      CHECK(n.attrs.get_string("nms", "", "") == "diou");
      CHECK(n.attrs.get_float("diou_beta", 0.0f, "") == 0.45f);
    }
  CHECK(yolo_nodes == 1);

  // The last layer's greedynms: DIoU with darknet's fixed exponent 0.6, whatever beta_nms says.
  std::string greedy = kScaledYoloCfg;
  greedy.replace(greedy.rfind("nms_kind=diounms"), 16, "nms_kind=greedynms");
  Graph g2 = import_darknet(tmp.file("greedy.cfg", greedy), wfile);
  CHECK(std::get<std::string>(g2.metadata.at("yolo_nms")) == "diou");
  CHECK(std::get<float>(g2.metadata.at("yolo_diou_beta")) == 0.6f);
  // nms_kind=default on the last layer: plain IoU NMS, no nms keys (the first head's kind does not count).
  std::string plain = kScaledYoloCfg;
  plain.replace(plain.rfind("nms_kind=diounms"), 16, "nms_kind=default");
  Graph g3 = import_darknet(tmp.file("plain.cfg", plain), wfile);
  CHECK(g3.metadata.count("yolo_nms") == 0);
  CHECK(g3.metadata.count("yolo_diou_beta") == 0);

  // Heads cannot mix encodings.
  std::string mixed = kScaledYoloCfg;
  mixed.replace(mixed.rfind("new_coords=1"), 12, "new_coords=0");
  const std::string mixed_cfg = tmp.file("mixed.cfg", mixed);
  CHECK(error_of([&] { import_darknet(mixed_cfg, wfile); }) ==
        mixed_cfg + ":40: layer 5 [yolo]: new_coords=0 differs from the first head's 1 (one YoloDetect decodes all "
                    "heads the same way)");
}

TEST_CASE("darknet import: the shared cfgs' greedynms becomes DIoU-NMS, exponent 0.6") {
  Graph g = import_darknet(kData + "darknet/cfg/yolov4-tiny.cfg", "");
  CHECK(std::get<std::string>(g.metadata.at("yolo_nms")) == "diou");
  CHECK(std::get<float>(g.metadata.at("yolo_diou_beta")) == 0.6f);
  CHECK(g.metadata.count("yolo_decode") == 0);
  CHECK(std::get<int64_t>(g.metadata.at("letterbox")) == 0);
}

namespace {

// Dilated convolutions (pad=1 with dilations 2 and 3, a strided one, one grouped, one 1x1 whose dilation darknet
// ignores) and weighted shortcuts: per_feature / per_channel, normalisation none / relu / softmax, two `from`
// layers, a `from` layer with fewer channels and one with more.
const char* kDilatedWeightedCfg = R"(
[net]
width=20
height=12
channels=3
# 0: 8x12x20
[convolutional]
filters=8
size=3
stride=1
pad=1
dilation=2
batch_normalize=1
activation=leaky
# 1: 8x12x20
[convolutional]
filters=8
size=3
stride=1
pad=1
dilation=3
groups=2
activation=mish
# 2: 8x12x20, per_feature, softmax over 2 inputs
[shortcut]
from=0
weights_type=per_feature
weights_normalization=softmax
activation=linear
# 3: 8x6x10
[convolutional]
filters=8
size=5
stride=2
pad=1
dilation=2
activation=swish
# 4: 4x6x10 (darknet ignores a 1x1 kernel's dilation)
[convolutional]
filters=4
size=1
stride=1
dilation=4
activation=leaky
# 5: 12x6x10
[convolutional]
filters=12
size=3
stride=1
pad=1
activation=linear
# 6: layer 3 again, 8x6x10
[route]
layers=3
# 7: 8x6x10, per_channel relu over 3 inputs: layer 4 has fewer channels, layer 5 more
[shortcut]
from=4,5
weights_type=per_channel
weights_normalization=relu
activation=leaky
# 8: 8x6x10, per_channel without normalisation
[shortcut]
from=3
weights_type=per_channel
activation=linear
)";

}  // namespace

TEST_CASE("darknet import: dilated convs and weighted shortcuts compute what darknet computes (float64)") {
  TempDir tmp;
  const std::string cfg = tmp.file("dilated.cfg", kDilatedWeightedCfg);
  Network net = parse_network(read_cfg_file(cfg));
  REQUIRE(net.layers.size() == 9);
  CHECK(net.layers[3].out.h == 6);
  CHECK(net.layers[2].weight_floats == 2);      // per_feature: one per input
  CHECK(net.layers[7].weight_floats == 3 * 8);  // per_channel: inputs x channels
  CHECK(net.layers[8].weight_floats == 2 * 8);
  std::vector<float> weights = random_weights(net, 25);
  const std::string wfile = tmp.file("dilated.weights");
  write_weights_file(wfile, weights);
  compare_with_reference(cfg, wfile, net, weights,
                         {{"conv_0", 0},
                          {"conv_1", 1},
                          {"shortcut_2", 2},
                          {"conv_3", 3},
                          {"conv_4", 4},
                          {"shortcut_7", 7},
                          {"shortcut_8", 8}},
                         {"conv_0", "conv_1", "shortcut_2", "conv_3", "conv_4", "shortcut_7"});

  // Every kernel path (Winograd must not take the dilated 3x3 convs; the packed GEMM and the reference do).
  {
    Map input = make_map(net.channels, net.height, net.width);
    std::mt19937 rng(6);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::vector<float> input_f(input.v.size());
    for (size_t i = 0; i < input.v.size(); ++i) input.v[i] = input_f[i] = u(rng);
    const std::vector<Map> ref = darknet_forward(net, weights, input, 1e-5);
    for (KernelPath path : supported_kernel_paths()) {
      CAPTURE(kernel_path_name(path));
      EngineOptions options;
      options.path = path;
      Graph g = import_darknet(cfg, wfile);
      g.outputs.push_back(g.find_value("conv_1"));
      Engine engine(std::move(g), options);
      ExecutionContext ctx(engine);
      std::copy(input_f.begin(), input_f.end(), ctx.input("input").f32());
      ctx.run();
      check_against(ctx, "conv_1", ref[1], 1e-5);
      check_against(ctx, "shortcut_8", ref[8], 1e-5);
    }
  }

  // The dilation reaches the graph (pads scaled by it); the 1x1 conv has none.
  Graph g = import_darknet(cfg, wfile);
  for (const Node& node : g.nodes) {
    if (node.name == "conv_1") {
      CHECK(node.attrs.get_ints("dilations", {}, "") == std::vector<int64_t>{3, 3});
      CHECK(node.attrs.get_ints("pads", {}, "") == std::vector<int64_t>{3, 3, 3, 3});
    }
    if (node.name == "conv_4") CHECK_FALSE(node.attrs.has("dilations"));
  }
  // One float short: the shortcut's weights are part of the exact size check.
  weights.pop_back();
  write_weights_file(wfile, weights);
  CHECK(error_of([&] { import_darknet(cfg, wfile); }).find("file too short") != std::string::npos);
}

namespace {

// Gaussian YOLOv3: a [Gaussian_yolo] head reads 2 anchors * (9 + 3 classes) channels; its training keys
// (uc_normalizer ...) are accepted, greedynms on it (the last layer) selects DIoU-NMS.
const char* kGaussianYoloCfg = R"(
[net]
width=16
height=12
channels=3
# 0
[convolutional]
filters=8
size=3
stride=2
pad=1
batch_normalize=1
activation=leaky
# 1
[convolutional]
filters=24
size=1
stride=1
activation=linear
# 2
[Gaussian_yolo]
mask=0,1
anchors=2,3, 4,5, 6,7
classes=3
num=3
scale_x_y=1.1
uc_normalizer=1.0
iou_normalizer=0.5
iou_loss=giou
ignore_thresh=.7
nms_kind=greedynms
beta_nms=0.6
)";

}  // namespace

TEST_CASE("darknet import: [Gaussian_yolo] heads are decoded the Gaussian YOLOv3 way") {
  TempDir tmp;
  const std::string cfg = tmp.file("gauss.cfg", kGaussianYoloCfg);
  Network net = parse_network(read_cfg_file(cfg));
  REQUIRE(net.layers.size() == 3);
  std::vector<float> weights = random_weights(net, 26);
  const std::string wfile = tmp.file("gauss.weights");
  write_weights_file(wfile, weights);
  compare_with_reference(cfg, wfile, net, weights, {{"conv_1", 1}}, {});

  Graph g = import_darknet(cfg, wfile);
  CHECK(std::get<std::string>(g.metadata.at("yolo_decode")) == "gaussian");
  CHECK(std::get<std::string>(g.metadata.at("yolo_nms")) == "diou");
  CHECK(std::get<std::vector<float>>(g.metadata.at("yolo_scale_x_y")) == std::vector<float>{1.1f});
  int yolo_nodes = 0;
  for (const Node& n : g.nodes)
    if (n.op == OpType::YoloDetect) {
      ++yolo_nodes;
      CHECK(n.attrs.get_string("decode", "", "") == "gaussian");
    }
  CHECK(yolo_nodes == 1);
  Engine engine(std::move(g));  // YoloDetect accepts 2 * (9 + 3) channels
  ExecutionContext ctx(engine);
  ctx.run();
  CHECK(ctx.output("detection_count").f32()[0] >= 0.0f);

  // Errors: only the centre anchoring, the 9 + classes channels, no new_coords, no mixing with [yolo].
  auto cfg_error = [&](const std::string& text) {
    const std::string path = tmp.file("bad.cfg", text);
    return error_of([&] { import_darknet(path, ""); });
  };
  std::string left_top = kGaussianYoloCfg;
  left_top += "yolo_point=left_top\n";
  CHECK(cfg_error(left_top).ends_with(
      ":33: [Gaussian_yolo] key 'yolo_point': 'left_top' is not supported (only center: boxes anchored at their "
      "centre)"));
  std::string narrow = kGaussianYoloCfg;
  narrow.replace(narrow.find("filters=24"), 10, "filters=16");
  CHECK(cfg_error(narrow).ends_with(
      ":21: [Gaussian_yolo]: its input has 16 channels but mask has 2 anchors and classes=3, which needs 2*(3+9) = "
      "24 (the filters= of the [convolutional] before it)"));
  std::string coords = kGaussianYoloCfg;
  coords += "new_coords=1\n";
  CHECK(cfg_error(coords).find("[Gaussian_yolo] key 'new_coords': unknown key") != std::string::npos);
  std::string mixed = kGaussianYoloCfg;
  mixed +=
      "[route]\nlayers=0\n[convolutional]\nfilters=8\nsize=1\nstride=1\nactivation=linear\n"
      "[yolo]\nmask=2\nanchors=2,3, 4,5, 6,7\nclasses=3\nnum=3\n";
  CHECK(cfg_error(mixed).find("a cfg cannot mix [yolo] and [Gaussian_yolo] layers") != std::string::npos);
}
