// vigil detect: run a detector over frames and report what it sees, one JSON line per frame.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "apps/vigil/args.h"
#include "apps/vigil/commands.h"
#include "apps/vigil/engine_flags.h"
#include "apps/vigil/draw.h"
#include "loaders/video/frame_source.h"
#include "apps/vigil/json.h"
#include "apps/vigil/preprocess.h"
#include "engine/error.h"
#include "engine/executor.h"

namespace vigil::cli {

namespace {

const CommandSpec kSpec{
    "detect",
    "MODEL.vgl INPUT",
    "Runs a detection model over INPUT (a .y4m video, '-' for a Y4M stream on standard input, an image\n"
    "file, or a directory of frames sorted by name) and\n"
    "prints one JSON line per frame with the boxes (in input-image pixels), then a summary line with\n"
    "frames, fps and latency percentiles. The model must contain a YoloDetect node (any darknet YOLO\n"
    "converted by 'vigil convert' does). Preprocessing comes from the model's metadata.",
    {{"--annotate", "DIR", "write each frame with its boxes drawn to DIR/<frame>.png"},
     {"--threshold", "SCORE", "report only boxes scoring at least this (default: the model's own threshold)"},
     kIsaFlag,
     kThreadsFlag},
    2,
    2};

struct Detection {
  float x1, y1, x2, y2, score;
  int cls;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(std::min<double>(static_cast<double>(v.size() - 1), std::ceil(p / 100.0 * static_cast<double>(v.size())) - 1));
  return v[i];
}

}  // namespace

int cmd_detect(int argc, char** argv) {
  bool help = false;
  ParsedArgs args = parse_args(kSpec, argc, argv, help);
  if (help) return std::fputs(help_text(kSpec).c_str(), stdout), 0;

  float min_score = 0;
  if (args.has("--threshold")) {
    try {
      min_score = std::stof(args.get("--threshold"));
    } catch (const std::exception&) {
      fail("--threshold: '", args.get("--threshold"), "' is not a number");
    }
  }
  int threads = 1;
  const EngineOptions options = engine_options(args, threads);
  Engine engine(load_model(args.positionals[0]), options);
  const Graph& g = engine.graph();
  if (g.inputs.size() != 1) fail("detect needs a model with one image input; this one has ", g.inputs.size());
  const Preprocessing prep = preprocessing_for(g, g.inputs[0]);

  // The detections come from the model's YoloDetect node; both its outputs must be graph outputs so that
  // they survive the run.
  int det_value = -1, count_value = -1;
  for (const Node& node : g.nodes)
    if (node.op == OpType::YoloDetect) det_value = node.outputs[0], count_value = node.outputs[1];
  if (det_value < 0) fail("the model has no YoloDetect node: it is not a detector 'vigil detect' can read");
  for (int v : {det_value, count_value})
    if (std::find(g.outputs.begin(), g.outputs.end(), v) == g.outputs.end())
      fail("YoloDetect output '", g.values[static_cast<size_t>(v)].name, "' is not a graph output");
  std::vector<std::string> names;
  if (auto it = g.metadata.find("class_names"); it != g.metadata.end())
    if (const auto* v = std::get_if<std::vector<std::string>>(&it->second)) names = *v;

  const std::string annotate = args.get("--annotate");
  if (!annotate.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(annotate, ec);
    if (ec) fail(annotate, ": cannot create the directory: ", ec.message());
  }

  ExecutionContext ctx(engine, threads);
  auto source = open_frame_source(args.positionals[1]);
  std::vector<double> latencies;
  int64_t frames = 0, bad_frames = 0;
  const auto start = std::chrono::steady_clock::now();
  Frame frame;
  for (;;) {
    try {
      if (!source->next(frame)) break;
    } catch (const Error& e) {
      ++bad_frames;
      std::fprintf(stderr, "vigil detect: skipping a frame: %s\n", e.what());
      continue;
    }
    const auto t0 = std::chrono::steady_clock::now();
    preprocess(frame.image, prep, ctx.input(0).f32());
    ctx.run();
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    latencies.push_back(ms);
    ++frames;

    const float* rows = ctx.value(det_value).f32();
    const int64_t max_rows = ctx.value(det_value).shape[0];
    const int64_t count = std::clamp<int64_t>(static_cast<int64_t>(ctx.value(count_value).f32()[0]), 0, max_rows);
    const float sx = static_cast<float>(frame.image.width) / static_cast<float>(prep.width);
    const float sy = static_cast<float>(frame.image.height) / static_cast<float>(prep.height);
    std::vector<Detection> dets;
    for (int64_t i = 0; i < count; ++i) {
      const float* r = rows + i * 6;
      if (r[4] < min_score) continue;
      auto clampx = [&](float x) { return std::clamp(x * sx, 0.0f, static_cast<float>(frame.image.width)); };
      auto clampy = [&](float y) { return std::clamp(y * sy, 0.0f, static_cast<float>(frame.image.height)); };
      dets.push_back({clampx(r[0]), clampy(r[1]), clampx(r[2]), clampy(r[3]), r[4], static_cast<int>(r[5])});
    }

    std::string line = concat("{\"type\":\"frame\",\"frame\":", frame.index, ",\"source\":", json_string(frame.name),
                              ",\"width\":", frame.image.width, ",\"height\":", frame.image.height,
                              ",\"latency_ms\":", json_number(ms), ",\"boxes\":[");
    for (size_t i = 0; i < dets.size(); ++i) {
      const Detection& d = dets[i];
      std::string label = d.cls >= 0 && static_cast<size_t>(d.cls) < names.size() ? names[static_cast<size_t>(d.cls)] : concat("class", d.cls);
      line += concat(i ? "," : "", "{\"class_id\":", d.cls, ",\"label\":", json_string(label), ",\"score\":",
                     json_number(d.score, 4), ",\"box\":[", json_number(d.x1, 1), ",", json_number(d.y1, 1), ",",
                     json_number(d.x2, 1), ",", json_number(d.y2, 1), "]}");
      if (!annotate.empty()) {
        Color c = class_color(d.cls);
        draw_rect(frame.image, static_cast<int>(d.x1), static_cast<int>(d.y1), static_cast<int>(d.x2), static_cast<int>(d.y2), c);
        draw_label(frame.image, static_cast<int>(d.x1), std::max(0, static_cast<int>(d.y1) - 20),
                   concat(label, " ", json_number(d.score, 2)), c);
      }
    }
    std::printf("%s]}\n", line.c_str());
    if (!annotate.empty()) {
      std::string stem = std::filesystem::path(frame.name).stem().string();
      write_image((std::filesystem::path(annotate) / (stem + ".png")).string(), frame.image);
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"type\":\"summary\",\"frames\":%lld,\"bad_frames\":%lld,\"fps\":%s,\"latency_ms\":{\"p50\":%s,\"p90\":%s,\"p99\":%s}}\n",
              static_cast<long long>(frames), static_cast<long long>(bad_frames),
              json_number(seconds > 0 ? static_cast<double>(frames) / seconds : 0.0, 2).c_str(),
              json_number(percentile(latencies, 50)).c_str(), json_number(percentile(latencies, 90)).c_str(),
              json_number(percentile(latencies, 99)).c_str());
  return frames > 0 ? 0 : 1;
}

}  // namespace vigil::cli
