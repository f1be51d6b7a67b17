// Runs a darknet model through vigil for the OpenCV comparison (tools/darknet/compare_opencv.py):
//
//   darknet_oracle MODEL.cfg MODEL.weights OUT_DIR [--bn-epsilon E] [--extra-output VALUE]... INPUT.npy...
//
// Imports the model once (with the given batch-norm epsilon: OpenCV folds with 1e-6, darknet 1e-5; every
// --extra-output value, e.g. "reorg_18", made a graph output too so that intermediate layers compare), then
// for every input blob [1,C,H,W] writes each graph output to OUT_DIR/<input stem>/<output name>.npy and
// prints the output names, one per line, to OUT_DIR/outputs.txt.
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "loaders/darknet/darknet_import.h"
#include "loaders/npy/npy.h"

int main(int argc, char** argv) {
  using namespace vigil;
  try {
    if (argc < 5) {
      std::fprintf(stderr,
                   "usage: %s MODEL.cfg MODEL.weights OUT_DIR [--bn-epsilon E] [--extra-output VALUE]... "
                   "INPUT.npy...\n",
                   argv[0]);
      return 2;
    }
    DarknetImportOptions options;
    std::vector<std::string> inputs, extra_outputs;
    for (int i = 4; i < argc; ++i) {
      if (std::strcmp(argv[i], "--bn-epsilon") == 0 && i + 1 < argc) {
        options.batch_norm_epsilon = std::stof(argv[++i]);
      } else if (std::strcmp(argv[i], "--extra-output") == 0 && i + 1 < argc) {
        extra_outputs.emplace_back(argv[++i]);
      } else {
        inputs.emplace_back(argv[i]);
      }
    }
    const std::filesystem::path out_dir = argv[3];
    Graph imported = import_darknet(argv[1], argv[2], options);
    for (const std::string& name : extra_outputs) {
      const int v = imported.find_value(name);
      if (v < 0) fail("--extra-output: the imported graph has no value '", name, "'");
      imported.outputs.push_back(v);
    }
    Engine engine(std::move(imported));
    const Graph& g = engine.graph();
    std::filesystem::create_directories(out_dir);
    {
      std::ofstream names(out_dir / "outputs.txt");
      for (int v : g.outputs) names << g.values[static_cast<size_t>(v)].name << "\n";
    }
    ExecutionContext ctx(engine);
    for (const std::string& in_path : inputs) {
      Tensor blob = read_npy(in_path);
      TensorView in = ctx.input(0);
      if (blob.dtype() != DType::F32 || !(blob.shape() == in.shape))
        fail(in_path, ": expected an f32 blob of shape ", in.shape.str(), ", got ", blob.shape().str());
      std::memcpy(in.data, blob.data(), in.bytes());
      ctx.run();
      const std::filesystem::path dir = out_dir / std::filesystem::path(in_path).stem();
      std::filesystem::create_directories(dir);
      for (size_t o = 0; o < g.outputs.size(); ++o) {
        const std::string& name = g.values[static_cast<size_t>(g.outputs[o])].name;
        write_npy((dir / (name + ".npy")).string(), ctx.output(o));
      }
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "darknet_oracle: %s\n", e.what());
    return 1;
  }
}
