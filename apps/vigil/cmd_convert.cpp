// vigil convert: ONNX or darknet (cfg + weights) in, .vgl out.
#include <algorithm>
#include <cstdio>

#include "apps/vigil/args.h"
#include "apps/vigil/commands.h"
#include "engine/error.h"
#include "engine/executor.h"
#include "engine/passes/hoist_lstm_input_projection.h"
#include "loaders/darknet/darknet_import.h"
#include "loaders/onnx/onnx_import.h"
#include "loaders/vgl/metadata_json.h"
#include "loaders/vgl/metadata_keys.h"
#include "loaders/vgl/vgl.h"
#include "loaders/yolo/yolo_decoding.h"

namespace vigil::cli {

namespace {

const CommandSpec kSpec{
    "convert",
    "MODEL.onnx | MODEL.cfg MODEL.weights  -o OUT.vgl [options]",
    "Imports an ONNX model or a darknet cfg + weights pair, validates it, infers every shape and writes\n"
    "a self-contained .vgl file. --metadata adds or overrides metadata entries (input_size, class_names,\n"
    "yolo_anchors, action_labels...); --yolo-heads appends the YOLO decoding (outputs 'detections' and\n"
    "'detection_count') to an ONNX model's raw heads, configured by the yolo_* metadata keys;\n"
    "--decoded-boxes appends NMS (same outputs) to an output of boxes the model decodes itself\n"
    "(YOLOv5/YOLOv8-style exports), configured by boxes_format and the yolo_* thresholds.",
    {{"-o", "OUT.vgl", "the file to write (required)"},
     {"--input-shape", "NAME=1x3x256x256", "fix a dynamic ONNX input's shape", true},
     {"--names", "FILE", "darknet: class names, one per line"},
     {"--bn-epsilon", "EPS", "darknet: BatchNorm epsilon (default darknet's 1e-5; OpenCV uses 1e-6)"},
     {"--metadata", "FILE.json", "a JSON object whose members become metadata entries (docs/FORMAT.md keys)"},
     {"--yolo-heads", "A,B", "ONNX: decode these raw head outputs with a YoloDetect node (anchors etc. from metadata)"},
     {"--decoded-boxes", "NAME",
      "ONNX: NMS over this output of decoded boxes (metadata boxes_format yolov5 [1,N,5+C] or yolov8 [1,4+C,N])"},
     {"--hoist-lstm-projection", "",
      "action model: move the first LSTM layer's input projection into the frame part (computed once per frame)"}},
    1,
    2};

std::vector<std::string> split_names(const std::string& list, const std::string& flag) {
  std::vector<std::string> names;
  size_t start = 0;
  while (true) {
    const size_t comma = list.find(',', start);
    names.push_back(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (names.back().empty()) fail(flag, " '", list, "': an empty name (expected NAME,NAME,...)");
    if (comma == std::string::npos) return names;
    start = comma + 1;
  }
}

// --yolo-heads: the named graph outputs become YoloDetect's inputs, configured by the metadata.
void attach_yolo_decoding(Graph& graph, const std::string& list) {
  std::vector<std::string> names = split_names(list, "--yolo-heads");
  std::vector<int> heads;
  for (const std::string& name : names) {
    const int v = graph.find_value(name);
    if (v < 0 || std::find(graph.outputs.begin(), graph.outputs.end(), v) == graph.outputs.end())
      fail("--yolo-heads: '", name, "' is not an output of the model");
    if (std::find(heads.begin(), heads.end(), v) != heads.end()) fail("--yolo-heads: '", name, "' is given twice");
    heads.push_back(v);
  }
  YoloDecoding decoding;
  try {
    decoding = yolo_decoding_from_metadata(graph.metadata, heads.size());
  } catch (const Error& e) {
    fail("--yolo-heads: ", e.what());
  }
  record_yolo_metadata(graph.metadata, names, decoding);
  append_yolo_detect(graph, heads, decoding);
  try {
    validate_and_infer(graph);
  } catch (const Error& e) {
    fail("--yolo-heads: the YOLO decoding does not fit the heads: ", e.what());
  }
}

// --decoded-boxes: the named graph output (boxes the model decoded) becomes BoxNms's input.
void attach_box_nms(Graph& graph, const std::string& name) {
  const int v = graph.find_value(name);
  if (v < 0 || std::find(graph.outputs.begin(), graph.outputs.end(), v) == graph.outputs.end())
    fail("--decoded-boxes: '", name, "' is not an output of the model");
  BoxNmsDecoding decoding;
  try {
    decoding = box_nms_decoding_from_metadata(graph.metadata);
    append_box_nms(graph, v, decoding);
  } catch (const Error& e) {
    fail("--decoded-boxes: ", e.what());
  }
  try {
    validate_and_infer(graph);
  } catch (const Error& e) {
    fail("--decoded-boxes: the boxes do not fit boxes_format '", decoding.format, "': ", e.what());
  }
}

// --hoist-lstm-projection: the frame part emits W x + Wb + Rb of its embedding instead of the embedding
// alone being what the window part consumes; the action keys then name the projection and its window.
void hoist_window_projection(Graph& graph) {
  if (!meta::is_action_model(graph.metadata))
    fail("--hoist-lstm-projection needs an action model (action_* metadata keys, e.g. from --metadata)");
  const meta::ActionModelInfo info = meta::action_model_info(graph);
  const std::string window = graph.values[static_cast<size_t>(info.window_input)].name;
  const std::string embedding = graph.values[static_cast<size_t>(info.embedding)].name;
  HoistedProjection names;
  try {
    names = hoist_lstm_input_projection(graph, window, embedding);
  } catch (const Error& e) {
    fail("--hoist-lstm-projection: ", e.what());
  }
  graph.metadata[std::string(meta::kActionEmbedding)] = names.projection_output;
  graph.metadata[std::string(meta::kActionWindowInput)] = names.projected_input;
}

}  // namespace

int cmd_convert(int argc, char** argv) {
  bool help = false;
  ParsedArgs args = parse_args(kSpec, argc, argv, help);
  if (help) return std::fputs(help_text(kSpec).c_str(), stdout), 0;
  if (!args.has("-o")) fail("missing -o OUT.vgl");
  const std::string& src = args.positionals[0];
  Graph graph;
  if (src.ends_with(".onnx")) {
    if (args.positionals.size() != 1) fail("an ONNX model is one file; unexpected '", args.positionals[1], "'");
    if (args.has("--names") || args.has("--bn-epsilon")) fail("--names and --bn-epsilon are for darknet models");
    OnnxImportOptions options;
    options.input_shapes = read_input_shape_flags(args);
    graph = import_onnx(src, options);
  } else if (src.ends_with(".cfg")) {
    if (args.positionals.size() != 2) fail("a darknet model needs MODEL.cfg MODEL.weights");
    if (args.has("--input-shape")) fail("--input-shape is for ONNX models (darknet sizes come from [net])");
    DarknetImportOptions options;
    options.names_path = args.get("--names");
    if (args.has("--bn-epsilon")) {
      try {
        options.batch_norm_epsilon = std::stof(args.get("--bn-epsilon"));
      } catch (const std::exception&) {
        fail("--bn-epsilon: '", args.get("--bn-epsilon"), "' is not a number");
      }
      if (!(options.batch_norm_epsilon > 0)) fail("--bn-epsilon must be positive");
    }
    graph = import_darknet(src, args.positionals[1], options);
  } else {
    fail(src, ": unknown model type (expected .onnx, or .cfg with its .weights)");
  }
  if (args.has("--metadata")) {
    const std::string path = args.get("--metadata");
    for (auto& [key, value] : read_metadata_json(path)) {
      // Replacing what the importer found (input size, class names, producer...) is allowed but never silent.
      const auto old = graph.metadata.find(key);
      if (old != graph.metadata.end() && !(old->second == value))
        std::fprintf(stderr, "note: %s: metadata key '%s' replaces the model's value %s with %s\n", path.c_str(),
                     key.c_str(), attr_value_str(old->second).c_str(), attr_value_str(value).c_str());
      graph.metadata[key] = std::move(value);
    }
    try {
      meta::check_metadata(graph.metadata);
    } catch (const Error& e) {
      fail(path, ": with the model's own metadata: ", e.what());
    }
  }
  if (args.has("--yolo-heads")) {
    if (!src.ends_with(".onnx"))
      fail("--yolo-heads is for ONNX models (the darknet importer decodes its [yolo] layers)");
    attach_yolo_decoding(graph, args.get("--yolo-heads"));
  }
  if (args.has("--decoded-boxes")) {
    if (!src.ends_with(".onnx")) fail("--decoded-boxes is for ONNX models");
    if (args.has("--yolo-heads")) fail("--decoded-boxes and --yolo-heads both add detections; give one");
    attach_box_nms(graph, args.get("--decoded-boxes"));
  }
  if (args.has("--hoist-lstm-projection")) hoist_window_projection(graph);
  meta::check_metadata_against_graph(graph);  // before writing: a file that would not load is never written
  const std::string out = args.get("-o");
  write_vgl(graph, out);
  Engine check(read_vgl(out));  // prove the written file loads, binds and plans
  std::printf("wrote %s: %zu nodes, %zu constants, %.4f GFLOP\n", out.c_str(), check.graph().nodes.size(),
              check.graph().constants.size(), check.total_flops() / 1e9);
  return 0;
}

}  // namespace vigil::cli
