#include "apps/vigil/detect/stream_runner.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "apps/vigil/detect/annotate.h"
#include "apps/vigil/detect/window_average.h"
#include "apps/vigil/preprocess.h"

namespace vigil::cli {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// Flushed per line: a consumer reading the pipe sees each frame when it is decided, not a buffer later.
void print_line(const std::string& line) {
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

// A frame processed but not yet printed: its line waits until its action probabilities are final.
struct HeldFrame {
  FrameInfo info;
  std::vector<Box> boxes;
  Image image;  // only with --annotate
};

Summary run_plain(const DetectModel& m, FrameFeed& feed, const StreamOptions& o) {
  ExecutionContext ctx(*m.frame, o.threads);
  const TensorView input = ctx.input(m.image_input);
  RecurrentState state(ctx, m.state);
  Summary summary;
  const auto start = Clock::now();
  Frame frame;
  while (feed.next(frame)) {
    const auto t0 = Clock::now();
    preprocess(frame.image, m.prep, input.f32());
    state.feed();
    ctx.run();
    state.keep();
    const FrameInfo info{frame.index, frame.name, frame.image.width, frame.image.height, ms_since(t0)};
    const std::vector<Box> boxes = read_boxes(ctx.output(m.detections), ctx.output(m.count),
                                              input_placement(m.prep, frame.image.width, frame.image.height),
                                              frame.image.width, frame.image.height, o.min_score);
    summary.latencies_ms.push_back(info.latency_ms);
    ++summary.frames;
    print_line(frame_line(info, boxes, m.class_names, {}, {}));
    if (!o.annotate.empty()) write_annotated(o.annotate, o.annotate_extension, frame.name, frame.image, boxes, m.class_names, {}, {});
  }
  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return summary;
}

Summary run_action(const DetectModel& m, FrameFeed& feed, const StreamOptions& o) {
  const meta::ActionModelInfo& a = *m.action;
  const std::vector<std::string>& labels = a.labels;
  const int64_t window = a.window, dim = m.feature_size;
  WindowAverager averager(window, o.stride, static_cast<int64_t>(labels.size()));
  SegmentTracker tracker(o.thresholds, a.background);
  // One pool for both parts, which run one after the other on this thread: two pools would keep two sets
  // of workers waiting (spinning first) against each other.
  auto pool = std::make_shared<ThreadPool>(o.threads);
  ExecutionContext frame_ctx(*m.frame, pool);
  ExecutionContext window_ctx(*m.window, pool);
  const TensorView image_in = frame_ctx.input(m.image_input), feature = frame_ctx.output(m.frame_feature);
  const TensorView window_in = window_ctx.input(m.window_input), scores = window_ctx.output(m.scores);

  // Rings indexed by stream position % capacity: everything a frame needs until its line is printed.
  const int64_t capacity = averager.capacity();
  std::vector<HeldFrame> held(static_cast<size_t>(capacity));
  std::vector<float> features(static_cast<size_t>(capacity * dim));  // embeddings or their LSTM projections
  auto slot = [&](int64_t position) { return static_cast<size_t>(position % capacity); };

  // Runs the temporal head over frames [start, start + T); past the last frame (a stream shorter than T)
  // the last frame's feature repeats, as inference.py pads. Returns its time in ms.
  auto run_window = [&](int64_t start) {
    const auto t0 = Clock::now();
    const int64_t last = averager.frames() - 1;
    for (int64_t t = 0; t < window; ++t)
      std::copy_n(features.data() + slot(std::min(start + t, last)) * static_cast<size_t>(dim), dim,
                  window_in.f32() + t * dim);
    window_ctx.run();
    averager.add(start, scores.f32());
    return ms_since(t0);
  };

  Summary summary;
  summary.segments = 0;
  summary.window = window;
  summary.stride = o.stride;
  summary.reuses_projections = m.reuses_projections;
  std::vector<double> probs;
  auto print_final_frames = [&] {
    int64_t position = 0;
    while (averager.pop(position, probs)) {
      HeldFrame& h = held[slot(position)];
      summary.latencies_ms.push_back(h.info.latency_ms);
      print_line(frame_line(h.info, h.boxes, m.class_names, probs, labels));
      if (!o.annotate.empty())
        write_annotated(o.annotate, o.annotate_extension, h.info.source, h.image, h.boxes, m.class_names, probs, labels);
      if (auto s = tracker.push(h.info.index, probs)) print_line(segment_line(*s, labels, o.fps)), ++summary.segments;
    }
  };

  const auto start = Clock::now();
  Frame frame;
  while (feed.next(frame)) {
    const auto t0 = Clock::now();
    preprocess(frame.image, m.prep, image_in.f32());
    frame_ctx.run();
    const int64_t position = averager.frames();
    HeldFrame& h = held[slot(position)];
    h.boxes = read_boxes(frame_ctx.output(m.detections), frame_ctx.output(m.count),
                         input_placement(m.prep, frame.image.width, frame.image.height), frame.image.width,
                         frame.image.height, o.min_score);
    std::copy_n(feature.f32(), dim, features.data() + slot(position) * static_cast<size_t>(dim));
    h.info = FrameInfo{frame.index, frame.name, frame.image.width, frame.image.height, ms_since(t0)};
    if (!o.annotate.empty()) std::swap(h.image, frame.image);  // the ring keeps the pixels; no copy
    if (std::optional<int64_t> s = averager.push_frame()) h.info.latency_ms += run_window(*s);
    ++summary.frames;
    print_final_frames();
  }
  if (averager.frames() > 0) {
    // The window ending at the last frame (or the padded one) is owed to the last frame.
    if (std::optional<int64_t> s = averager.finish())
      held[slot(averager.frames() - 1)].info.latency_ms += run_window(*s);
    print_final_frames();
    if (auto s = tracker.finish()) print_line(segment_line(*s, labels, o.fps)), ++summary.segments;
  }
  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return summary;
}

}  // namespace

Summary run_stream(const DetectModel& model, FrameFeed& feed, const StreamOptions& options) {
  Summary s = model.action ? run_action(model, feed, options) : run_plain(model, feed, options);
  s.bad_frames = feed.bad_frames();
  s.dropped_frames = feed.dropped_frames();
  return s;
}

}  // namespace vigil::cli
