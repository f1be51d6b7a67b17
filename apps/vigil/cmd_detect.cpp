// vigil detect: run a detector, or an action detector, over a stream of frames and report what it sees
// as JSON lines (apps/vigil/detect/json_lines.h). This file is the command: flags, model, input, feed.
#include <charconv>
#include <cmath>
#include <cstdio>

#include "apps/vigil/args.h"
#include "apps/vigil/commands.h"
#include "apps/vigil/detect/annotate.h"
#include "apps/vigil/detect/detect_model.h"
#include "apps/vigil/detect/frame_feed.h"
#include "apps/vigil/detect/realtime_feed.h"
#include "apps/vigil/detect/stream_runner.h"
#include "apps/vigil/engine_flags.h"
#include "engine/error.h"
#include "loaders/video/frame_source.h"
#include "loaders/video/raw_rgb.h"

namespace vigil::cli {

namespace {

constexpr double kDefaultFps = 30;

const CommandSpec kSpec{
    "detect",
    "MODEL.vgl INPUT",
    "Runs a detection model over INPUT and prints one JSON line per frame, then a summary line.\n"
    "INPUT: a .y4m video or '-' for a Y4M stream on standard input (ffmpeg -i any.mp4 -f yuv4mpegpipe -),\n"
    "an image file, a directory of frames sorted by name, or with --size raw RGB24 frames from a file or\n"
    "'-' (ffmpeg ... -f rawvideo -pix_fmt rgb24 -). Corrupt frames are reported with their number and skipped.\n"
    "The model must contain a YoloDetect node (any darknet YOLO converted by 'vigil convert' does) or a\n"
    "BoxNms node ('vigil convert --decoded-boxes' on a YOLOv5/YOLOv8-style ONNX export); boxes\n"
    "are in input-image pixels. Preprocessing comes from the model's metadata (letterbox = 1: darknet's\n"
    "letterbox, the frame scaled to fit and centred on gray, boxes mapped back).\n"
    "Action models (action_* metadata, docs/FORMAT.md) also get per-frame action probabilities, the mean\n"
    "over the temporal windows containing the frame (windows every --stride frames plus one ending at the\n"
    "last frame), so a frame's line is printed once no later window can contain it (up to T frames later);\n"
    "and one line per action segment when it closes: it opens when a non-background label is top-1 with\n"
    "probability >= --on and closes when that label's probability falls below --off or another label opens.\n"
    "The line formats are described in README.md ('vigil detect'). --fps, when given, overrides the Y4M rate.",
    {{"--annotate", "DIR", "write each frame with its boxes (and action) drawn to DIR/<frame>.png"},
     {"--annotate-format", "png|jpg", "the annotated frames' format (default png; jpg is JPEG quality 90)"},
     {"--threshold", "SCORE", "report only boxes scoring at least this (default: the model's own threshold)"},
     {"--size", "WxH", "INPUT is raw RGB24 frames of this size (a file or '-')"},
     {"--fps", "RATE", "frame rate for segment times and --realtime pacing (default: the Y4M header's, else 30)"},
     {"--stride", "N", "action models: a temporal window starts every N frames, 1..T (default T/2)"},
     {"--on", "P", "action models: probability that opens a segment (default 0.6)"},
     {"--off", "P", "action models: probability below which a segment closes (default 0.4)"},
     {"--realtime", "",
      "pace the input at its frame rate on a reader thread; frames not processed in time are dropped"},
     kIsaFlag,
     kThreadsFlag},
    2,
    2};

double number_flag(const ParsedArgs& args, const char* flag, double fallback) {
  if (!args.has(flag)) return fallback;
  const std::string text = args.get(flag);
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v))
    fail(flag, ": '", text, "' is not a number");
  return v;
}

// "640x360" -> width, height.
void parse_size(const std::string& text, int& width, int& height) {
  const size_t x = text.find('x');
  auto part = [&](size_t begin, size_t end, int& out) {
    auto [p, ec] = std::from_chars(text.data() + begin, text.data() + end, out);
    return ec == std::errc() && p == text.data() + end;
  };
  if (x == std::string::npos || !part(0, x, width) || !part(x + 1, text.size(), height))
    fail("--size: '", text, "' is not a frame size like 640x360");
}

}  // namespace

int cmd_detect(int argc, char** argv) {
  bool help = false;
  ParsedArgs args = parse_args(kSpec, argc, argv, help);
  if (help) return std::fputs(help_text(kSpec).c_str(), stdout), 0;

  StreamOptions options;
  options.min_score = static_cast<float>(number_flag(args, "--threshold", 0));
  const EngineOptions engine_opts = engine_options(args, options.threads);
  // Flags first, then the model, then the input: every mistake is reported before a frame is processed.
  if (args.has("--fps") && !(number_flag(args, "--fps", 0) > 0 && number_flag(args, "--fps", 0) <= 1e6))
    fail("--fps: '", args.get("--fps"), "' is not a frame rate in (0, 1000000]");
  options.thresholds.on = number_flag(args, "--on", options.thresholds.on);
  options.thresholds.off = number_flag(args, "--off", options.thresholds.off);
  SegmentTracker(options.thresholds, -1);  // validates --on / --off now

  const DetectModel model = load_detect_model(args.positionals[0], engine_opts);
  if (model.action) {
    const int64_t window = model.action->window;
    options.stride = std::max<int64_t>(1, window / 2);
    if (args.has("--stride")) {
      const double s = number_flag(args, "--stride", 0);
      if (s != std::floor(s) || s < 1 || s > static_cast<double>(window))
        fail("--stride: '", args.get("--stride"), "' is not a whole number of frames in 1..", window,
             " (the model's temporal window)");
      options.stride = static_cast<int64_t>(s);
    }
  } else {
    for (const char* flag : {"--stride", "--on", "--off"})
      if (args.has(flag))
        fail(flag, ": ", args.positionals[0], " has no temporal head (no action_* metadata): it is a plain detector");
  }

  const std::string& input = args.positionals[1];
  std::unique_ptr<FrameSource> source;
  if (args.has("--size")) {
    int width = 0, height = 0;
    parse_size(args.get("--size"), width, height);
    if (input != "-" && (input.ends_with(".y4m") || input.ends_with(".png") || input.ends_with(".jpg")))
      fail("--size: ", input, " is not raw RGB (--size is only for raw RGB24 frames)");
    source = open_raw_rgb_source(input, width, height);
  } else {
    source = open_frame_source(input);
  }
  options.fps = args.has("--fps") ? number_flag(args, "--fps", 0) : source->fps() > 0 ? source->fps() : kDefaultFps;

  options.annotate = args.get("--annotate");
  if (args.has("--annotate-format")) {
    const std::string format = args.get("--annotate-format");
    if (format != "png" && format != "jpg") fail("--annotate-format: '", format, "' is not png or jpg");
    if (options.annotate.empty()) fail("--annotate-format needs --annotate DIR");
    options.annotate_extension = "." + format;
  }
  if (!options.annotate.empty()) prepare_annotate_dir(options.annotate);

  Summary summary;
  if (args.has("--realtime")) {
    RealtimeFeed feed(*source, options.fps);
    summary = run_stream(model, feed, options);
  } else {
    DirectFeed feed(*source);
    summary = run_stream(model, feed, options);
  }
  std::printf("%s\n", summary_line(summary).c_str());
  if (summary.frames == 0) fail(input, ": no frame could be processed");
  return 0;
}

}  // namespace vigil::cli
