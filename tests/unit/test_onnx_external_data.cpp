// ONNX external data: initializer bytes in files beside the .onnx file, read when the model is imported by
// path, with every location, size and key checked.
#include <unistd.h>

#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "doctest/doctest.h"
#include "engine/error.h"
#include "engine/executor.h"
#include "loaders/onnx/onnx_import.h"
#include "test_onnx_encoder.h"

using namespace vigil;
using namespace vigil::test;
namespace fs = std::filesystem;

namespace {

// A folder of its own per test process, removed when the test ends.
struct ModelFolder {
  fs::path path;
  explicit ModelFolder(const char* name)
      : path(fs::temp_directory_path() /
             (std::string("vigil-onnx-external-") + name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ModelFolder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path / name, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return (path / name).string();
  }
  std::string write(const std::string& name, const std::vector<uint8_t>& bytes) const {
    return write(name, std::string(bytes.begin(), bytes.end()));
  }
};

std::string le_floats(const std::vector<float>& values) {
  std::string out;
  for (float v : values) {
    const auto bits = std::bit_cast<uint32_t>(v);
    for (int k = 0; k < 4; ++k) out.push_back(static_cast<char>(bits >> (8 * k)));
  }
  return out;
}

// A float tensor [dims] stored externally with these external_data entries (key, value).
Pb external_f32(const std::string& name, const std::vector<int64_t>& dims,
                const std::vector<std::pair<std::string, std::string>>& entries, bool location_external = true) {
  Pb t;
  for (int64_t d : dims) t.i(1, d);
  t.i(2, kFloat).s(8, name);
  for (const auto& [k, v] : entries) t.m(13, Pb().s(1, k).s(2, v));
  if (location_external) t.i(14, 1);
  return t;
}

// y = x + b with x [1,4] at run time and b the given initializer.
GraphSpec add_bias(const Pb& b) {
  GraphSpec g;
  g.inputs = {value_info("x", kFloat, {1, 4})};
  g.outputs = {value_info("y", kFloat, {1, 4})};
  g.initializers = {b};
  g.nodes = {node("Add", {"x", "b"}, {"y"})};
  return g;
}

std::vector<float> run_add(const Graph& g, const std::vector<float>& x) {
  Engine engine(g, EngineOptions{});
  ExecutionContext ctx(engine, 1);
  std::copy(x.begin(), x.end(), ctx.input(0).f32());
  ctx.run();
  const TensorView y = ctx.output(0);
  return {y.f32(), y.f32() + y.numel()};
}

std::string import_error_at(const std::string& path) {
  try {
    import_onnx(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("onnx external data: initializers and Constant tensors are read from files beside the model") {
  ModelFolder dir("read");
  const std::vector<float> bias = {0.5f, -1.25f, 3.0f, 1e-3f};
  // Two tensors in one file at offsets after a header of junk, as onnx's save_as_external_data packs them.
  dir.write("weights.bin", std::string(12, '\x7f') + le_floats(bias) + le_floats({2.0f, 4.0f, 8.0f, 16.0f}));
  GraphSpec g = add_bias(external_f32("b", {1, 4}, {{"location", "weights.bin"}, {"offset", "12"}, {"length", "16"}}));
  // A Constant whose tensor attribute is external too (no length: the dims say how many bytes).
  g.outputs.push_back(value_info("z", kFloat, {1, 4}));
  g.nodes.push_back(
      node("Constant", {}, {"s"}, "scale",
           {attr_t("value", external_f32("s", {1, 4}, {{"location", "weights.bin"}, {"offset", "28"}}))}));
  g.nodes.push_back(node("Mul", {"x", "s"}, {"z"}));
  const std::string path = dir.write("model.onnx", model(g));

  const std::vector<float> x = {1.0f, 2.0f, -3.0f, 0.25f};
  Engine engine(import_onnx(path), EngineOptions{});
  ExecutionContext ctx(engine, 1);
  std::copy(x.begin(), x.end(), ctx.input(0).f32());
  ctx.run();
  for (size_t i = 0; i < 4; ++i) {
    CHECK(ctx.output(0).f32()[i] == x[i] + bias[i]);
    CHECK(ctx.output(1).f32()[i] == x[i] * static_cast<float>(2 << i));
  }

  // The same model with the bytes embedded gives the same bits.
  GraphSpec embedded = add_bias(tensor_f32("b", {1, 4}, bias));
  CHECK(run_add(import_onnx_bytes(model(embedded)), x) == run_add(import_onnx(path), x));

  // In a subfolder, named with a relative path.
  fs::create_directories(dir.path / "data");
  dir.write("data/b.bin", le_floats(bias));
  const std::string sub =
      dir.write("sub.onnx", model(add_bias(external_f32("b", {1, 4}, {{"location", "data/b.bin"}}))));
  CHECK(run_add(import_onnx(sub), x) == run_add(import_onnx_bytes(model(embedded)), x));
}

TEST_CASE("onnx external data: bad locations, sizes and keys are errors naming the tensor and the file") {
  ModelFolder dir("errors");
  dir.write("w.bin", le_floats({1, 2, 3, 4}));
  auto error_for = [&](const std::vector<std::pair<std::string, std::string>>& entries, bool location_external = true) {
    return import_error_at(dir.write("m.onnx", model(add_bias(external_f32("b", {1, 4}, entries, location_external)))));
  };
  CHECK(error_for({{"location", "w.bin"}}) == "(no error)");

  std::string e = error_for({{"location", "missing.bin"}});
  CHECK(contains(e, "m.onnx: tensor 'b': external data file '"));
  CHECK(contains(e, "missing.bin': not found or not a regular file"));
  CHECK(contains(error_for({{"location", "/etc/passwd"}}),
                 "tensor 'b': external data location '/etc/passwd' is an absolute path"));
  CHECK(contains(error_for({{"location", "../w.bin"}}), "external data location '../w.bin' leaves the model's folder"));
  CHECK(contains(error_for({{"location", "a/../../w.bin"}}), "leaves the model's folder"));
  fs::create_directories(dir.path / "folder");
  CHECK(contains(error_for({{"location", "folder"}}), "folder': not found or not a regular file"));

  CHECK(contains(error_for({{"location", "w.bin"}, {"length", "12"}}),
                 "w.bin': length 12 but 4 elements of FLOAT take 16 bytes"));
  CHECK(contains(error_for({{"location", "w.bin"}, {"offset", "4"}}),
                 "holds 16 bytes, too few for 16 bytes at offset 4"));
  CHECK(contains(error_for({{"location", "w.bin"}, {"offset", "99999999999"}}),
                 "too few for 16 bytes at offset 99999999999"));
  CHECK(contains(error_for({{"location", "w.bin"}, {"offset", "-4"}}),
                 "external_data 'offset' is '-4', not a decimal byte count"));
  CHECK(contains(error_for({{"location", "w.bin"}, {"length", "16 "}}),
                 "external_data 'length' is '16 ', not a decimal"));
  CHECK(contains(error_for({{"location", "w.bin"}, {"offset", "99999999999999999999"}}), "not a decimal byte count"));
  CHECK(contains(error_for({{"location", "w.bin"}, {"basepath", "x"}}), "unknown external_data key 'basepath'"));
  CHECK(contains(error_for({{"location", "w.bin"}, {"location", "w.bin"}}),
                 "external_data key 'location' appears twice"));
  CHECK(contains(error_for({{"offset", "0"}}), "tensor 'b': external_data has no 'location'"));
  CHECK(contains(error_for({}), "data_location is EXTERNAL but it has no external_data entries"));
  CHECK(contains(error_for({{"location", "w.bin"}}, false),
                 "has external_data entries but data_location is not EXTERNAL"));
  CHECK(error_for({{"location", "w.bin"}, {"checksum", "0123"}}) == "(no error)");  // recorded, not verified

  // Bytes in the message and outside it.
  Pb both = external_f32("b", {1, 4}, {{"location", "w.bin"}});
  both.s(9, le_floats({1, 2, 3, 4}));
  CHECK(contains(import_error_at(dir.write("both.onnx", model(add_bias(both)))),
                 "holds data in raw_data or a typed field and is also stored externally"));

  // From bytes there is no folder to read from.
  try {
    import_onnx_bytes(model(add_bias(external_f32("b", {1, 4}, {{"location", "w.bin"}}))), {}, "mem.onnx");
    FAIL("no error");
  } catch (const Error& err) {
    CHECK(contains(err.what(),
                   "initializer 'b': its data is stored in the external file 'w.bin', which vigil reads "
                   "only when the model is imported from its file"));
  }
}
