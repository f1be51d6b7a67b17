// The vigil subcommands; each lives in its own cmd_<name>.cpp and returns the process exit code.
#pragma once

#include <string>

#include "apps/vigil/args.h"
#include "apps/vigil/input_flags.h"
#include "engine/graph.h"

namespace vigil::cli {

int cmd_info(int argc, char** argv);
int cmd_run(int argc, char** argv);
int cmd_convert(int argc, char** argv);
int cmd_detect(int argc, char** argv);
int cmd_bench(int argc, char** argv);
int cmd_audit(int argc, char** argv);

// Loads a model for the commands that take one: a .vgl file, or an .onnx file converted on the fly.
Graph load_model(const std::string& path);

// The same for a command with --input-shape and --input flags: an ONNX model's dynamic input dims are fixed
// by --input-shape, else taken from the input files (`inputs`). A .vgl model's shapes were fixed when it was
// converted, so --input-shape is an error there.
Graph load_model(const std::string& path, const ParsedArgs& args, const std::vector<InputFile>& inputs);

}  // namespace vigil::cli
