// vigil: the command-line front end. Dispatches to one subcommand; every error reaches the user as one
// clear line on stderr and a non-zero exit code.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string_view>

#include "apps/vigil/commands.h"
#include "apps/vigil/printable_text.h"
#include "engine/error.h"

namespace {

struct Command {
  const char* name;
  int (*run)(int, char**);
  const char* summary;
};

constexpr Command kCommands[] = {
    {"info", vigil::cli::cmd_info, "describe a model: inputs, outputs, nodes, shapes, FLOPs, memory plan"},
    {"run", vigil::cli::cmd_run, "run a model on .npy inputs and write .npy outputs"},
    {"convert", vigil::cli::cmd_convert, "convert an ONNX or darknet model to .vgl"},
    {"bench", vigil::cli::cmd_bench, "time a model: latency percentiles, fps, per-node table, trace"},
    {"detect", vigil::cli::cmd_detect, "run a detector over a Y4M video or images and print what it sees (JSON lines)"},
    {"audit", vigil::cli::cmd_audit, "compare every node's output across kernel paths or against a framework's dump"},
};

void print_usage(FILE* out) {
  std::fprintf(out, "usage: vigil COMMAND [ARGS...]\n\ncommands:\n");
  for (const auto& c : kCommands) std::fprintf(out, "  %-10s %s\n", c.name, c.summary);
  std::fprintf(out, "\n'vigil COMMAND --help' describes each command.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage(stdout);
    return 0;
  }
  for (const auto& c : kCommands) {
    if (name != c.name) continue;
    try {
      return c.run(argc - 2, argv + 2);
    } catch (const vigil::Error& e) {
      std::fprintf(stderr, "vigil %s: error: %s\n", c.name, vigil::cli::printable_text(e.what()).c_str());
      return 1;
    } catch (const std::bad_alloc&) {
      std::fprintf(stderr, "vigil %s: error: out of memory\n", c.name);
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "vigil %s: internal error: %s\n", c.name, vigil::cli::printable_text(e.what()).c_str());
      return 3;
    }
  }
  std::fprintf(stderr, "vigil: unknown command '%s'\n\n", vigil::cli::printable_text(argv[1]).c_str());
  print_usage(stderr);
  return 2;
}
