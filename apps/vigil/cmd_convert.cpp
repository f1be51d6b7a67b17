// vigil convert: ONNX or darknet (cfg + weights) in, .vgl out.
#include <cstdio>

#include "apps/vigil/args.h"
#include "apps/vigil/commands.h"
#include "engine/error.h"
#include "engine/executor.h"
#include "loaders/darknet/darknet_import.h"
#include "loaders/onnx/onnx_import.h"
#include "loaders/vgl/vgl.h"

namespace vigil::cli {

namespace {

const CommandSpec kSpec{
    "convert",
    "MODEL.onnx | MODEL.cfg MODEL.weights  -o OUT.vgl [options]",
    "Imports an ONNX model or a darknet cfg + weights pair, validates it, infers every shape and writes\n"
    "a self-contained .vgl file.",
    {{"-o", "OUT.vgl", "the file to write (required)"},
     {"--input-shape", "NAME=1x3x256x256", "fix a dynamic ONNX input's shape", true},
     {"--names", "FILE", "darknet: class names, one per line"},
     {"--bn-epsilon", "EPS", "darknet: BatchNorm epsilon (default darknet's 1e-5; OpenCV uses 1e-6)"}},
    1,
    2};


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
    for (const std::string& spec : args.all("--input-shape")) {
      auto eq = spec.find('=');
      if (eq == std::string::npos) fail("--input-shape '", spec, "': expected NAME=1x3x256x256");
      auto dims = parse_dims(spec.substr(eq + 1), "--input-shape");
      options.input_shapes.push_back({spec.substr(0, eq), Shape::from(dims)});
    }
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
  const std::string out = args.get("-o");
  write_vgl(graph, out);
  Engine check(read_vgl(out));  // prove the written file loads, binds and plans
  std::printf("wrote %s: %zu nodes, %zu constants, %.4f GFLOP\n", out.c_str(), check.graph().nodes.size(),
              check.graph().constants.size(), check.total_flops() / 1e9);
  return 0;
}

}  // namespace vigil::cli
