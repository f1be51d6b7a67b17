// vigil run: one inference on NumPy inputs, outputs written as NumPy files.
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "apps/vigil/args.h"
#include "apps/vigil/commands.h"
#include "apps/vigil/engine_flags.h"
#include "apps/vigil/input_flags.h"
#include "engine/error.h"
#include "engine/executor.h"
#include "kernels/cast/cast.h"
#include "loaders/npy/npy.h"

namespace vigil::cli {

namespace {

const CommandSpec kSpec{
    "run",
    "MODEL.vgl --input NAME=FILE.npy [--input ...] [--output-dir DIR]",
    "Runs the model once. Every graph input must be given as a .npy file of exactly its dtype and shape\n"
    "(a model with a single input also accepts --input FILE.npy); NumPy has no bfloat16, so a bf16 input\n"
    "takes a float32 file (rounded to nearest even), and an f64 input takes float64 or float32 files. Each\n"
    "output is written to DIR/<output name>.npy in its dtype (bf16 as float32; characters other than\n"
    "letters, digits, '.', '-' and '_' become '_').",
    {{"--input", "NAME=FILE.npy", "an input tensor", true},
     {"--output-dir", "DIR", "where to write outputs (default: the current directory)"},
     kInputShapeFlag,
     {"--profile", "", "print each node's time"},
     kIsaFlag,
     kThreadsFlag},
    1,
    1};

std::string file_safe(const std::string& name) {
  std::string s = name;
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
  return s;
}

}  // namespace

int cmd_run(int argc, char** argv) {
  bool help = false;
  ParsedArgs args = parse_args(kSpec, argc, argv, help);
  if (help) return std::fputs(help_text(kSpec).c_str(), stdout), 0;
  int threads = 1;
  const EngineOptions options = engine_options(args, threads);
  std::vector<InputFile> files = read_input_files(args);
  Engine engine(load_model(args.positionals[0], args, files), options);
  const Graph& g = engine.graph();
  ExecutionContext ctx(engine, threads);

  feed_inputs(bind_input_files(std::move(files), g), engine, ctx, /*require_all=*/true);

  ctx.set_profiling(args.has("--profile"));
  ctx.run();

  std::filesystem::path dir = args.get("--output-dir", ".");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail(dir.string(), ": cannot create the output directory: ", ec.message());
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const Value& val = g.values[static_cast<size_t>(g.outputs[i])];
    std::filesystem::path file = dir / (file_safe(val.name) + ".npy");
    const TensorView out = ctx.output(i);
    if (out.dtype == DType::BF16) {  // NumPy has no bfloat16: written as the exact float32 values
      Tensor widened(DType::F32, out.shape);
      kernels::cast_reference(kernels::ElemType::BF16, kernels::ElemType::F32, out.data, widened.mutable_data(), 0,
                              out.numel());
      write_npy(file.string(), widened.view());
    } else {
      write_npy(file.string(), out);
    }
    std::printf("%s %s%s -> %s%s\n", val.name.c_str(), std::string(dtype_name(val.dtype)).c_str(),
                val.shape.str().c_str(), file.string().c_str(), out.dtype == DType::BF16 ? " (as float32)" : "");
  }
  if (args.has("--profile")) {
    auto ns = ctx.node_nanoseconds();
    for (size_t n = 0; n < g.nodes.size(); ++n)
      std::printf("  %4zu %-18s %-28s %10.3f ms\n", n, std::string(op_name(g.nodes[n].op)).c_str(),
                  g.nodes[n].name.c_str(), static_cast<double>(ns[n]) / 1e6);
  }
  return 0;
}

}  // namespace vigil::cli
