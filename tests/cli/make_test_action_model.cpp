#include "make_test_action_model.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "engine/passes/hoist_lstm_input_projection.h"
#include "loaders/image/image.h"
#include "loaders/vgl/vgl.h"

namespace vigil::test {

namespace {

constexpr int kSide = 32, kEmbed = 8, kWindow = 6, kHidden = 4, kLabels = 3, kFrames = 23;

Tensor random_tensor(Shape s, std::mt19937& rng, float lo, float hi) {
  Tensor t(DType::F32, s);
  std::uniform_real_distribution<float> d(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t.mutable_f32()[i] = d(rng);
  return t;
}

// with_window: the action model; otherwise the frame part alone (a plain detector). Without with_yolo
// the boxes are missing (a model `vigil detect` must refuse).
// lstm_only: the window feeds the LSTM alone (no colour shortcut), the shape vigil hoists the LSTM's input
// projection out of.
Graph build(bool with_window, int64_t declared_window, bool with_yolo = true, bool lstm_only = false) {
  std::mt19937 rng(11);
  GraphBuilder b;
  const int image = b.input("image", DType::F32, {1, 3, kSide, kSide});
  // Channels 0..2 copy R, G, B (centre tap 1), the others see random weights: after the pool the embedding
  // starts with the frame's mean colour.
  Tensor w = random_tensor({kEmbed, 3, 3, 3}, rng, -0.3f, 0.3f);
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 3; ++i)
      for (int k = 0; k < 9; ++k) w.mutable_f32()[((c * 3 + i) * 9) + k] = (i == c && k == 4) ? 1.0f : 0.0f;
  const int conv = b.node(OpType::Conv2d, "conv", {image, b.constant("conv.w", std::move(w))},
                          {{"pads", std::vector<int64_t>{1, 1, 1, 1}}, {"strides", std::vector<int64_t>{2, 2}}});
  const int act = b.node(OpType::LeakyRelu, "leaky", {conv}, {{"alpha", 0.1f}});
  const int head = b.node(OpType::Conv2d, "head",
                          {act, b.constant("head.w", random_tensor({7, kEmbed, 1, 1}, rng, -2, 2)),
                           b.constant("head.b", random_tensor({7}, rng, -1, 1))});
  Attributes yolo;
  yolo.set("num_classes", int64_t{2});
  yolo.set("anchors", std::vector<float>{8, 8});
  yolo.set("masks", std::vector<int64_t>{0});
  yolo.set("anchors_per_head", std::vector<int64_t>{1});
  yolo.set("input_width", int64_t{kSide});
  yolo.set("input_height", int64_t{kSide});
  yolo.set("max_detections", int64_t{5});
  if (with_yolo) {
    const std::vector<int> det = b.node_n(OpType::YoloDetect, "yolo", {head}, 2, yolo);
    b.output(det[0]);
    b.output(det[1]);
  } else {
    b.output(head);
  }
  const int gap = b.node(OpType::GlobalAveragePool, "gap", {act});
  const int embedding = b.node(OpType::Flatten, "embedding", {gap}, {{"axis", int64_t{1}}});
  b.output(embedding);
  b.metadata("source_format", std::string("builder"));
  b.metadata("class_names", std::vector<std::string>{"cat", "dog"});
  if (!with_window) return b.build();

  const int window = b.input("window", DType::F32, {kWindow, 1, kEmbed});
  const int lstm = b.node(OpType::Lstm, "lstm",
                          {window, b.constant("lstm.w", random_tensor({2, 4 * kHidden, kEmbed}, rng, -0.5f, 0.5f)),
                           b.constant("lstm.r", random_tensor({2, 4 * kHidden, kHidden}, rng, -0.5f, 0.5f)),
                           b.constant("lstm.b", random_tensor({2, 8 * kHidden}, rng, -0.2f, 0.2f))},
                          {{"hidden_size", int64_t{kHidden}}, {"direction", std::string("bidirectional")}});
  // Y [T, 2, 1, H] -> [T, 1, 2, H] -> [T, 1, 2H], beside the embedding itself: [T, 1, 2H + E].
  const int perm = b.node(OpType::Transpose, "perm", {lstm}, {{"perm", std::vector<int64_t>{0, 2, 1, 3}}});
  const int seq = b.node(OpType::Reshape, "seq", {perm}, {{"shape", std::vector<int64_t>{kWindow, 1, 2 * kHidden}}});
  if (lstm_only) {
    const int logits =
        b.node(OpType::MatMul, "fc", {seq, b.constant("fc.w", random_tensor({2 * kHidden, kLabels}, rng, -3, 3))});
    b.output(b.node(OpType::Softmax, "scores", {logits}, {{"axis", int64_t{-1}}}));
  }
  const int both = lstm_only ? seq : b.node(OpType::Concat, "both", {seq, window}, {{"axis", int64_t{2}}});
  // Logits: the LSTM part small and random (the context matters a little), the colour part decisive:
  // blue -> nobody, red -> wave, green -> walk.
  Tensor fc = random_tensor({2 * kHidden + kEmbed, kLabels}, rng, -0.3f, 0.3f);
  for (int e = 0; e < kEmbed; ++e)
    for (int k = 0; k < kLabels; ++k) fc.mutable_f32()[(2 * kHidden + e) * kLabels + k] = 0;
  const int colour_label[3] = {1, 2, 0};  // R, G, B
  for (int c = 0; c < 3; ++c) fc.mutable_f32()[(2 * kHidden + c) * kLabels + colour_label[c]] = 2.5f;
  if (!lstm_only) {
    const int logits = b.node(OpType::MatMul, "fc", {both, b.constant("fc.w", std::move(fc))});
    b.output(b.node(OpType::Softmax, "scores", {logits}, {{"axis", int64_t{-1}}}));
  }
  b.metadata("action_image_input", std::string("image"));
  b.metadata("action_embedding", std::string("embedding"));
  b.metadata("action_window_input", std::string("window"));
  b.metadata("action_scores", std::string("scores"));
  b.metadata("temporal_window", declared_window);
  b.metadata("action_labels", std::vector<std::string>{"nobody", "wave", "walk"});
  b.metadata("action_background", int64_t{0});
  return b.build();
}

std::vector<Image> make_frames() {
  std::vector<Image> frames;
  for (int f = 0; f < kFrames; ++f) {
    const int colour = f < 6 ? 2 : f < 13 ? 0 : f < 16 ? 2 : 1;  // channel that dominates: B, R, B, G
    Image img;
    img.width = img.height = kSide;
    img.rgb.resize(kSide * kSide * 3);
    for (int y = 0; y < kSide; ++y)
      for (int x = 0; x < kSide; ++x)
        for (int c = 0; c < 3; ++c)
          img.pixel(x, y)[c] = static_cast<uint8_t>(c == colour ? 200 + (x * 7 + y * 3 + f) % 40 : (x + y + f) % 30);
    frames.push_back(std::move(img));
  }
  return frames;
}

// BT.601 full range, rounded: decodes back to within a few levels of the RGB.
void write_y4m(const std::string& path, const std::vector<Image>& frames, int damaged_frame) {
  std::ofstream out(path, std::ios::binary);
  out << "YUV4MPEG2 W" << kSide << " H" << kSide << " F25:1 Ip A1:1 C444 XCOLORRANGE=FULL\n";
  for (size_t f = 0; f < frames.size(); ++f) {
    out << (static_cast<int>(f) == damaged_frame ? "FRAMX\n" : "FRAME\n");
    std::string planes(3 * kSide * kSide, '\0');
    for (int i = 0; i < kSide * kSide; ++i) {
      const uint8_t* p = frames[f].rgb.data() + 3 * i;
      const double y = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
      const double cb = 128 + (p[2] - y) / 1.772, cr = 128 + (p[0] - y) / 1.402;
      auto byte = [](double v) { return static_cast<char>(static_cast<uint8_t>(std::clamp(v + 0.5, 0.0, 255.0))); };
      planes[i] = byte(y);
      planes[kSide * kSide + i] = byte(cb);
      planes[2 * kSide * kSide + i] = byte(cr);
    }
    out << planes;
  }
}

// inference.window_starts.
std::vector<int> window_starts(int n, int t, int d) {
  if (n <= t) return {0};
  std::vector<int> s;
  for (int i = 0; i <= n - t; i += d) s.push_back(i);
  if (s.back() != n - t) s.push_back(n - t);
  return s;
}

// Whole-video reference: embeddings of every frame first, then every window, then the means (float64
// sums in window order), as tools/actdet/inference.py does. One engine over the whole graph.
void write_expected(const std::string& path, Engine& engine, const std::vector<Image>& frames, int stride) {
  ExecutionContext ctx(engine);
  std::vector<std::vector<float>> emb;
  for (const Image& img : frames) {
    float* in = ctx.input("image").f32();
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < kSide * kSide; ++i)
        in[c * kSide * kSide + i] = static_cast<float>(img.rgb[3 * i + c] / 255.0);
    ctx.run();
    emb.emplace_back(ctx.output("embedding").f32(), ctx.output("embedding").f32() + kEmbed);
  }
  const int n = static_cast<int>(frames.size());
  std::vector<std::vector<double>> total(n, std::vector<double>(kLabels, 0.0));
  std::vector<int> count(n, 0);
  for (int s : window_starts(n, kWindow, stride)) {
    float* in = ctx.input("window").f32();
    for (int t = 0; t < kWindow; ++t) std::copy_n(emb[std::min(s + t, n - 1)].data(), kEmbed, in + t * kEmbed);
    ctx.run();
    for (int t = 0; t < kWindow && s + t < n; ++t) {
      for (int k = 0; k < kLabels; ++k) total[s + t][k] += ctx.output("scores").f32()[t * kLabels + k];
      ++count[s + t];
    }
  }
  FILE* out = std::fopen(path.c_str(), "w");
  static const char* const kNames[] = {"nobody", "wave", "walk"};
  for (int f = 0; f < n; ++f) {
    double p[kLabels];
    int best = 0;
    for (int k = 0; k < kLabels; ++k) {
      p[k] = total[f][k] / count[f];
      if (p[k] > p[best]) best = k;
    }
    std::fprintf(out, "%s %.17g %.17g %.17g\n", kNames[best], p[0], p[1], p[2]);
  }
  std::fclose(out);
}

}  // namespace

void write_action_test_files(const std::string& dir) {
  write_vgl(build(true, kWindow), dir + "/action.vgl");
  write_vgl(build(false, kWindow), dir + "/detector.vgl");
  write_vgl(build(true, kWindow - 1), dir + "/mismatch.vgl");
  write_vgl(build(true, kWindow, false), dir + "/noyolo.vgl");
  write_vgl(build(true, kWindow, true, true), dir + "/action_lstm.vgl");
  {
    // As `vigil convert --hoist-lstm-projection` writes it: hoisted in the file, the action keys renamed.
    Graph g = build(true, kWindow, true, true);
    const HoistedProjection h = hoist_lstm_input_projection(g, "window", "embedding");
    g.metadata["action_embedding"] = h.projection_output;
    g.metadata["action_window_input"] = h.projected_input;
    write_vgl(g, dir + "/action_prehoisted.vgl");
  }

  const std::vector<Image> frames = make_frames();
  {
    std::ofstream raw(dir + "/frames.rgb", std::ios::binary);
    for (const Image& img : frames)
      raw.write(reinterpret_cast<const char*>(img.rgb.data()), static_cast<std::streamsize>(img.rgb.size()));
  }
  {
    std::ofstream raw(dir + "/short.rgb", std::ios::binary);
    for (int f = 6; f < 10; ++f)
      raw.write(reinterpret_cast<const char*>(frames[f].rgb.data()),
                static_cast<std::streamsize>(frames[f].rgb.size()));
  }
  std::filesystem::create_directories(dir + "/frames");
  for (size_t f = 0; f < frames.size(); ++f) {
    char name[64];
    std::snprintf(name, sizeof name, "/frames/f%03zu.png", f);
    write_image(dir + name, frames[f]);
  }
  write_y4m(dir + "/video.y4m", frames, -1);
  write_y4m(dir + "/corrupt.y4m", frames, 5);

  Engine whole(build(true, kWindow));
  write_expected(dir + "/expected_s3.txt", whole, frames, 3);
  write_expected(dir + "/expected_s1.txt", whole, frames, 1);
  Engine whole_lstm(build(true, kWindow, true, true));
  write_expected(dir + "/expected_lstm_s3.txt", whole_lstm, frames, 3);
  // A stream shorter than the window: padded.
  write_expected(dir + "/expected_short.txt", whole, std::vector<Image>(frames.begin() + 6, frames.begin() + 10), 3);
}

}  // namespace vigil::test
