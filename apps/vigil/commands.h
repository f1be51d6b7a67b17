// The vigil subcommands; each lives in its own cmd_<name>.cpp and returns the process exit code.
#pragma once

#include <string>

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

}  // namespace vigil::cli
