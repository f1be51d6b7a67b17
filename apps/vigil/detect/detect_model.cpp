#include "apps/vigil/detect/detect_model.h"

#include <algorithm>

#include "apps/vigil/commands.h"
#include "engine/error.h"
#include "engine/passes/hoist_lstm_input_projection.h"
#include "engine/passes/use_f32_boundaries.h"

namespace vigil::cli {

namespace {

bool is_output(const Graph& g, int value) {
  return std::find(g.outputs.begin(), g.outputs.end(), value) != g.outputs.end();
}

const std::string& name_of(const Graph& g, int value) { return g.values[static_cast<size_t>(value)].name; }

// The engine for one part of the graph: only the nodes the named outputs need (EngineOptions::outputs).
std::unique_ptr<Engine> engine_for(const Graph& g, std::vector<std::string> outputs, EngineOptions options) {
  options.outputs = std::move(outputs);
  return std::make_unique<Engine>(Graph(g), options);
}

}  // namespace

DetectModel load_detect_model(const std::string& path, const EngineOptions& options) {
  Graph g = load_model(path);
  // Frames are f32 images and the boxes and scores are read as f32: a FLOAT16 / DOUBLE model runs with f32
  // inputs and outputs (its inside is f32 anyway).
  use_f32_boundaries(g);
  DetectModel m;

  // Boxes come from the detection node (YoloDetect, or BoxNms over boxes the model decoded); both its outputs
  // must be graph outputs so that they survive the run.
  int det_value = -1, count_value = -1, detection_nodes = 0;
  for (const Node& node : g.nodes)
    if (node.op == OpType::YoloDetect || node.op == OpType::BoxNms)
      det_value = node.outputs[0], count_value = node.outputs[1], ++detection_nodes;
  if (detection_nodes == 0)
    fail(path, ": the model has no YoloDetect or BoxNms node: it is not a detector 'vigil detect' can read");
  if (detection_nodes > 1)
    fail(path, ": the model has ", detection_nodes, " detection nodes (YoloDetect, BoxNms); 'vigil detect' reads one");
  for (int v : {det_value, count_value})
    if (v < 0 || !is_output(g, v))
      fail(path, ": detection output '", v < 0 ? "?" : name_of(g, v), "' is not a graph output");
  m.detections = name_of(g, det_value);
  m.count = name_of(g, count_value);
  if (auto it = g.metadata.find(std::string(meta::kClassNames)); it != g.metadata.end())
    if (const auto* v = std::get_if<std::vector<std::string>>(&it->second)) m.class_names = *v;

  try {
    m.state = state_pairs_of(g);
  } catch (const Error& e) {
    fail(path, ": ", e.what());
  }

  if (!meta::is_action_model(g.metadata)) {
    // The image is the one input that is not recurrent state.
    std::vector<int> images;
    for (int v : g.inputs)
      if (std::none_of(m.state.begin(), m.state.end(), [&](const StatePair& p) { return p.input == name_of(g, v); }))
        images.push_back(v);
    if (images.size() != 1)
      fail(path, ": a detector needs one image input; this model has ", images.size(),
           m.state.empty() ? "" : " besides its recurrent state", " and no action_* metadata saying which is the image");
    m.image_input = name_of(g, images[0]);
    m.prep = preprocessing_for(g, images[0]);
    std::vector<std::string> outputs = {m.detections, m.count};
    for (const StatePair& p : m.state) outputs.push_back(p.output);
    m.frame = engine_for(g, outputs, options);
    return m;
  }
  if (!m.state.empty())
    fail(path, ": an action model with recurrent state (state_inputs) is not supported by 'vigil detect'");

  // read_vgl has checked the action keys against the graph; resolving them again also covers ONNX input.
  try {
    m.action = meta::action_model_info(g);
  } catch (const Error& e) {
    fail(path, ": ", e.what());
  }
  const meta::ActionModelInfo& a = *m.action;
  if (g.inputs.size() != 2)
    fail(path, ": an action model has two inputs (", meta::kActionImageInput, ", ", meta::kActionWindowInput,
         "); this one has ", g.inputs.size());
  m.image_input = name_of(g, a.image_input);
  m.embedding = name_of(g, a.embedding);
  m.window_input = name_of(g, a.window_input);
  m.scores = name_of(g, a.scores);
  m.prep = preprocessing_for(g, a.image_input);
  m.frame_feature = m.embedding;
  {
    // Worked on a copy: a model the pass does not fit (the window input read by more than one LSTM, say)
    // simply runs its whole temporal head per window.
    Graph hoisted = g;
    try {
      const HoistedProjection h = hoist_lstm_input_projection(hoisted, m.window_input, m.embedding);
      g = std::move(hoisted);
      m.frame_feature = h.projection_output;
      m.window_input = h.projected_input;
      m.reuses_projections = true;
    } catch (const Error&) {
      // Already hoisted when the model was converted: the window input is a projection already.
      for (const Node& node : g.nodes)
        if (node.op == OpType::Lstm && !node.inputs.empty() && node.inputs[0] == a.window_input &&
            node.attrs.get_int("input_projected", 0, node.label()) == 1)
          m.reuses_projections = true;
    }
  }
  m.frame = engine_for(g, {m.detections, m.count, m.frame_feature}, options);
  m.window = engine_for(g, {m.scores}, options);
  // Each part must be computable from its own input alone: boxes that need the window, or scores that
  // need the image, cannot run once per frame and once per window.
  auto only_input = [&](const Engine& e, const std::string& input, const char* part) {
    for (int v : e.graph().inputs)
      if (name_of(e.graph(), v) != input)
        fail(path, ": the ", part, " depends on graph input '", name_of(e.graph(), v), "', not only on '", input,
             "': an action model's per-frame and per-window parts must be independent");
  };
  only_input(*m.frame, m.image_input, "per-frame part (YoloDetect outputs and the embedding)");
  only_input(*m.window, m.window_input, "per-window part (the action scores)");
  const Graph& fg = m.frame->graph();
  const Shape& feature = fg.values[static_cast<size_t>(fg.find_value(m.frame_feature))].shape;
  const Shape& window =
      m.window->graph().values[static_cast<size_t>(m.window->graph().find_value(m.window_input))].shape;
  m.feature_size = feature.rank == 2 ? feature[1] : -1;
  if (feature.rank != 2 || feature[0] != 1 || window.rank != 3 || window[0] != a.window || window[1] != 1 ||
      window[2] != m.feature_size)
    fail(path, ": per-frame '", m.frame_feature, "' ", feature.str(), " does not fill window input '", m.window_input,
         "' ", window.str(), " (expected [1,F] and [", a.window, ",1,F])");
  return m;
}

}  // namespace vigil::cli
