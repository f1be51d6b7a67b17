// The .vgl format: checksum, round trips, zero-copy loading and the documented layout.
#include <doctest/doctest.h>

#include "error_of.h"

#include <cmath>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

#include "engine/executor.h"
#include "loaders/vgl/checksum.h"
#include "loaders/vgl/metadata_keys.h"
#include "loaders/vgl/vgl.h"
#include "test_vgl_support.h"

using namespace vigil;
using namespace vgl_test;

namespace {

void check_same_graph(const Graph& a, const Graph& b) {
  REQUIRE(a.values.size() == b.values.size());
  for (size_t i = 0; i < a.values.size(); ++i) {
    CAPTURE(a.values[i].name);
    CHECK(a.values[i].name == b.values[i].name);
    CHECK(a.values[i].dtype == b.values[i].dtype);
    CHECK(a.values[i].shape == b.values[i].shape);
    CHECK(a.values[i].constant == b.values[i].constant);
    CHECK(a.values[i].producer == b.values[i].producer);
  }
  REQUIRE(a.nodes.size() == b.nodes.size());
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    const Node &x = a.nodes[i], &y = b.nodes[i];
    CAPTURE(x.name);
    CHECK(x.op == y.op);
    CHECK(x.name == y.name);
    CHECK(x.inputs == y.inputs);
    CHECK(x.outputs == y.outputs);
    REQUIRE(x.attrs.entries().size() == y.attrs.entries().size());
    for (size_t k = 0; k < x.attrs.entries().size(); ++k) {
      CHECK(x.attrs.entries()[k].name == y.attrs.entries()[k].name);
      CHECK(x.attrs.entries()[k].value == y.attrs.entries()[k].value);
    }
  }
  CHECK(a.inputs == b.inputs);
  CHECK(a.outputs == b.outputs);
  CHECK(a.metadata == b.metadata);
  REQUIRE(a.constants.size() == b.constants.size());
  for (size_t i = 0; i < a.constants.size(); ++i) {
    CHECK(a.constants[i].dtype() == b.constants[i].dtype());
    CHECK(a.constants[i].shape() == b.constants[i].shape());
    REQUIRE(a.constants[i].bytes() == b.constants[i].bytes());
    if (a.constants[i].bytes() > 0)
      CHECK(std::memcmp(a.constants[i].data(), b.constants[i].data(), a.constants[i].bytes()) == 0);
  }
}

struct MapRange {
  uintptr_t begin = 0, end = 0;
};

// The address ranges /proc/self/maps shows for `path`.
std::vector<MapRange> mappings_of(const std::string& path) {
  const std::string real = std::filesystem::canonical(path).string();
  std::ifstream maps("/proc/self/maps");
  std::vector<MapRange> out;
  for (std::string line; std::getline(maps, line);) {
    if (line.size() < real.size() || line.compare(line.size() - real.size(), real.size(), real) != 0) continue;
    MapRange r;
    std::sscanf(line.c_str(), "%lx-%lx", &r.begin, &r.end);
    out.push_back(r);
  }
  return out;
}

using vigil::test::error_of;

}  // namespace

TEST_CASE("crc32c: standard check value, streaming, and the hardware and portable paths agree") {
  const char* digits = "123456789";
  CHECK(vgl::crc32c(digits, 9) == 0xE3069283u);
  CHECK(vgl::crc32c_portable(0, digits, 9) == 0xE3069283u);
  CHECK(vgl::crc32c(nullptr, 0) == 0u);
  // 32 zero bytes: a second published CRC-32C test vector (RFC 3720, B.4).
  const std::vector<uint8_t> zeros(32, 0);
  CHECK(vgl::crc32c(zeros.data(), 32) == 0x8A9136AAu);
  const std::vector<uint8_t> ones(32, 0xFF);
  CHECK(vgl::crc32c(ones.data(), 32) == 0x62A8AB43u);

  std::mt19937 rng(7);
  std::vector<uint8_t> buf(1000);
  for (auto& c : buf) c = static_cast<uint8_t>(rng());
  for (size_t start = 0; start < 9; ++start)
    for (size_t len : {0, 1, 7, 8, 9, 15, 16, 63, 64, 65, 500, 991}) {
      const uint32_t whole = vgl::crc32c(buf.data() + start, len);
      CHECK(whole == vgl::crc32c_portable(0, buf.data() + start, len));
      const size_t cut = len / 3;
      CHECK(vgl::crc32c(vgl::crc32c(buf.data() + start, cut), buf.data() + start + cut, len - cut) == whole);
    }
  MESSAGE("hardware crc32c: ", vgl::crc32c_has_hardware());
}

TEST_CASE("vgl round trip keeps every value, node, attribute kind, constant and metadata entry") {
  const Graph g = sample_graph();
  const std::string path = temp_path("roundtrip.vgl");
  write_vgl(g, path);
  const Graph r = read_vgl(path);
  check_same_graph(g, r);

  // Spot checks that would catch a symmetric encode/decode mistake.
  const Node& lstm = r.nodes[static_cast<size_t>(r.values[static_cast<size_t>(r.find_value("lstm.Y_h"))].producer)];
  CHECK(lstm.op == OpType::Lstm);
  CHECK(lstm.inputs[3] == kNoValue);
  CHECK(lstm.inputs[5] == kNoValue);
  CHECK(lstm.outputs[0] == kNoValue);
  CHECK(lstm.attrs.get_strings("activations") == std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"});
  CHECK(lstm.attrs.get_float("clip", 0) == 5.0f);
  CHECK(lstm.attrs.get_string("direction", "") == "forward");
  const Node& det = r.nodes[static_cast<size_t>(r.values[static_cast<size_t>(r.find_value("detect:1"))].producer)];
  CHECK(det.outputs.size() == 2);
  CHECK(det.attrs.get_floats("anchors") == std::vector<float>{10, 14, 23, 27});
  CHECK(det.attrs.get_ints("masks") == std::vector<int64_t>{1});
  CHECK(det.attrs.get_int("num_classes", 0) == 2);
  CHECK(std::get<float>(r.metadata.at("x-unknown-float")) == 2.5f);
  CHECK(std::get<std::vector<std::string>>(r.metadata.at("class_names"))[2].empty());
  const Tensor& lens = r.constant_of(r.find_value("lstm.seq_lens"));
  CHECK(lens.dtype() == DType::I32);
  CHECK(static_cast<const int32_t*>(lens.data())[0] == 3);
  CHECK(r.constant_of(r.find_value("empty")).shape() == Shape{0, 4});
  CHECK(r.constant_of(r.find_value("bias")).f32()[5] == 1.5f);
}

TEST_CASE("vgl constants are 64-byte aligned views into the file mapping, unmapped when the last goes") {
  const std::string path = temp_path("zerocopy.vgl");
  write_vgl(sample_graph(), path);
  const std::vector<uint8_t> bytes = read_bytes(path);
  Tensor survivor;
  {
    const Graph r = read_vgl(path);
    const auto maps = mappings_of(path);
    REQUIRE(!maps.empty());
    const SectionInfo tensors = section(bytes, 3), weights = section(bytes, 4);
    CHECK(weights.offset % 64 == 0);
    const auto* first = static_cast<const uint8_t*>(r.constants[0].data());
    const uint64_t first_offset = peek<uint64_t>(bytes, tensors.offset + 8 + 16);
    for (size_t i = 0; i < r.constants.size(); ++i) {
      const Tensor& t = r.constants[i];
      const auto addr = reinterpret_cast<uintptr_t>(t.data());
      CAPTURE(i);
      CHECK(addr % 64 == 0);
      bool inside = false;
      for (const MapRange& m : maps) inside |= addr >= m.begin && addr + t.bytes() <= m.end;
      CHECK(inside);
      // The layout of the mapping is the layout of the file.
      const uint64_t offset = peek<uint64_t>(bytes, tensors.offset + 8 + 80 * i + 16);
      CHECK(static_cast<const uint8_t*>(t.data()) - first == static_cast<ptrdiff_t>(offset - first_offset));
      if (t.bytes() > 0) CHECK(std::memcmp(t.data(), bytes.data() + weights.offset + offset, t.bytes()) == 0);
    }
    CHECK_THROWS_AS(const_cast<Tensor&>(r.constants[0]).mutable_data(), Error);  // read-only storage
    survivor = r.constants[1];
  }
  CHECK(!mappings_of(path).empty());  // the surviving tensor keeps the mapping alive
  CHECK(survivor.f32()[0] == doctest::Approx(0.3f));
  survivor = Tensor();
  CHECK(mappings_of(path).empty());
}

TEST_CASE("a loaded vgl model computes exactly what the original graph computes") {
  const std::string path = temp_path("run.vgl");
  write_vgl(sample_graph(), path);
  Engine original(sample_graph());
  Engine loaded(read_vgl(path));
  ExecutionContext a(original), b(loaded);
  for (ExecutionContext* ctx : {&a, &b}) {
    TensorView frames = ctx->input("frames"), image = ctx->input("image");
    for (int64_t i = 0; i < frames.numel(); ++i) frames.f32()[i] = 0.3f * static_cast<float>(i) - 0.7f;
    for (int64_t i = 0; i < image.numel(); ++i) image.f32()[i] = std::sin(static_cast<float>(i));
    ctx->run();
  }
  for (size_t o = 0; o < original.graph().outputs.size(); ++o) {
    const TensorView x = a.output(o), y = b.output(o);
    REQUIRE(x.bytes() == y.bytes());
    CHECK(std::memcmp(x.data, y.data, x.bytes()) == 0);
  }
  // The LSTM really ran: its final state is not all zero.
  const TensorView h = b.output("lstm.Y_h");
  CHECK((h.f32()[0] != 0.0f || h.f32()[1] != 0.0f));
}

TEST_CASE("vgl writing is deterministic and a loaded graph re-writes to the same bytes") {
  const std::string p1 = temp_path("det1.vgl"), p2 = temp_path("det2.vgl"), p3 = temp_path("det3.vgl");
  write_vgl(sample_graph(), p1);
  write_vgl(sample_graph(), p2);
  write_vgl(read_vgl(p1), p3);  // constants borrowed from p1's mapping are written out again
  CHECK(read_bytes(p1) == read_bytes(p2));
  CHECK(read_bytes(p1) == read_bytes(p3));
}

TEST_CASE("vgl files follow the documented layout") {
  const std::string path = temp_path("layout.vgl");
  write_vgl(small_graph(), path);
  const std::vector<uint8_t> b = read_bytes(path);
  const uint8_t magic[8] = {0x89, 'V', 'G', 'L', '\r', '\n', 0x1a, '\n'};
  CHECK(std::memcmp(b.data(), magic, 8) == 0);
  CHECK(peek<uint32_t>(b, 8) == 1);          // version
  CHECK(peek<uint32_t>(b, 12) == 5);         // sections
  CHECK(peek<uint64_t>(b, 16) == b.size());  // file_size
  CHECK(peek<uint32_t>(b, 28) == 0);         // reserved
  std::vector<uint32_t> kinds;
  for (const auto& s : sections_of(b)) {
    kinds.push_back(s.kind);
    CHECK(s.offset % (s.kind == 4 ? 64 : 8) == 0);
    CHECK(vgl::crc32c(b.data() + s.offset, s.size) == peek<uint32_t>(b, s.entry + 4));
  }
  CHECK(kinds == std::vector<uint32_t>{1, 2, 3, 5, 4});
  // Header checksum: CRC over header and table with its own field as zero.
  std::vector<uint8_t> h(b.begin(), b.begin() + 32 + 24 * 5);
  poke<uint32_t>(h, 24, 0);
  CHECK(vgl::crc32c(h.data(), h.size()) == peek<uint32_t>(b, 24));

  const SmallGraphLayout l = small_graph_layout(b);
  CHECK(peek<uint32_t>(b, l.graph) == 4);      // values x, c, leaky, relu
  CHECK(peek<uint32_t>(b, l.graph + 4) == 2);  // nodes
  // Value 0: input x, f32, rank 2 [2,3].
  CHECK(b[l.values + 4] == 1);
  CHECK(b[l.values + 5] == 0);
  CHECK(b[l.values + 6] == 2);
  CHECK(peek<int32_t>(b, l.values + 8) == -1);
  CHECK(peek<int64_t>(b, l.values + 16) == 2);
  CHECK(peek<int64_t>(b, l.values + 24) == 3);
  CHECK(peek<int64_t>(b, l.values + 32) == 0);
  // Value 1: constant c -> tensor 0.
  CHECK(b[l.values + 64 + 5] == 1);
  CHECK(peek<int32_t>(b, l.values + 64 + 8) == 0);
  // Node 0 is LeakyRelu, op stored by name; one float attribute "alpha" = 0.5.
  CHECK(peek<uint32_t>(b, l.node0 + 8) == 1);
  CHECK(peek<uint32_t>(b, l.node0 + 12) == 1);
  CHECK(peek<uint32_t>(b, l.node0 + 16) == 1);
  CHECK(peek<int32_t>(b, l.node0 + 24) == 0);
  CHECK(peek<int32_t>(b, l.node0 + 28) == 2);
  CHECK(b[l.node0_attr + 4] == static_cast<uint8_t>(AttrKind::Float));
  CHECK(peek<uint32_t>(b, l.node0_attr + 8) == 1);
  CHECK(peek<float>(b, l.node0_attr + 16) == 0.5f);
  CHECK(peek<uint32_t>(b, l.node1 + 16) == 0);  // relu: no attributes
  // The op name of node 0 resolves to "LeakyRelu" through the string table.
  const SectionInfo st = section(b, 1);
  const uint32_t op_index = peek<uint32_t>(b, l.node0);
  const uint32_t count = peek<uint32_t>(b, st.offset);
  REQUIRE(op_index < count);
  const uint32_t off = peek<uint32_t>(b, st.offset + 8 + 8 * op_index),
                 len = peek<uint32_t>(b, st.offset + 12 + 8 * op_index);
  CHECK(std::string(reinterpret_cast<const char*>(b.data() + st.offset + 8 + 8 * count + off), len) == "LeakyRelu");
  // Tensor 0: "c", f32 [4], 64-aligned, checksum of its 16 bytes.
  const SectionInfo ts = section(b, 3), ws = section(b, 4);
  CHECK(peek<uint32_t>(b, ts.offset) == 1);
  CHECK(ts.size == 8 + 80);
  CHECK(b[ts.offset + 8 + 4] == 1);
  CHECK(b[ts.offset + 8 + 5] == 1);
  CHECK(peek<uint64_t>(b, ts.offset + 8 + 24) == 16);
  CHECK(peek<int64_t>(b, ts.offset + 8 + 32) == 4);
  const uint64_t toff = peek<uint64_t>(b, ts.offset + 8 + 16);
  CHECK(toff % 64 == 0);
  CHECK(peek<uint32_t>(b, ts.offset + 8 + 8) == vgl::crc32c(b.data() + ws.offset + toff, 16));
  CHECK(peek<float>(b, ws.offset + toff + 12) == 1.0f);
}

TEST_CASE("vgl round trip of a graph without constants or metadata") {
  GraphBuilder gb;
  const int x = gb.input("x", DType::F32, {1, 2, 3, 4, 5, 6});
  gb.output(gb.node(OpType::Sigmoid, "s", {gb.node(OpType::Tanh, "t", {x})}));
  const Graph g = gb.build();
  const std::string path = temp_path("bare.vgl");
  write_vgl(g, path);
  const Graph r = read_vgl(path);
  check_same_graph(g, r);
  CHECK(section(read_bytes(path), 4).size == 0);
}

TEST_CASE("vgl writer and reader check the metadata keys vigil understands") {
  struct Case {
    const char* key;
    AttrValue value;
    const char* why;
  };
  const std::vector<Case> cases = {
      {"input_size", std::vector<int64_t>{320, 320, 3}, "expected 2"},
      {"input_size", std::vector<int64_t>{320, 0}, "must be >= 1"},
      {"input_size", std::string("320x320"), "is string, expected ints"},
      {"channel_order", std::string("RGBA"), "expected \"RGB\" or \"BGR\""},
      {"std", std::vector<float>{0.2f, 0.0f, 0.2f}, "value 1 is 0, must be > 0"},
      {"std", std::vector<float>{-0.5f}, "value 0 is -0.5, must be > 0"},
      {"mean", std::vector<float>{}, "is empty"},
      {"yolo_anchors", std::vector<float>{10, 14, 23}, "pairs"},
      {"temporal_window", int64_t{0}, "must be >= 1"},
      {"temporal_window", 16.0f, "is float, expected int"},
      {"class_names", std::string("dog"), "expected strings"},
      {"yolo_masks", std::vector<int64_t>{-1}, "negative"},
  };
  for (const Case& c : cases) {
    Graph g = small_graph();
    g.metadata[c.key] = c.value;
    CAPTURE(c.key);
    const std::string msg = error_of([&] { write_vgl(g, temp_path("meta.vgl")); });
    CHECK(msg.find(std::string("metadata key '") + c.key + "'") != std::string::npos);
    CHECK(msg.find(c.why) != std::string::npos);
  }
  Graph g = small_graph();
  g.metadata["mean"] = std::vector<float>{0.5f, 0.5f};
  g.metadata["std"] = std::vector<float>{0.5f, 0.5f, 0.5f};
  CHECK(error_of([&] { write_vgl(g, temp_path("meta.vgl")); }).find("'mean' and 'std'") != std::string::npos);
  g.metadata["mean"] = std::vector<float>{0.5f};  // one value for all channels is fine
  write_vgl(g, temp_path("meta.vgl"));
  g = small_graph();
  g.metadata["yolo_anchors"] = std::vector<float>{1, 2, 3, 4};
  g.metadata["yolo_masks"] = std::vector<int64_t>{0, 2};
  CHECK(error_of([&] { write_vgl(g, temp_path("meta.vgl")); }).find("out of range (2 anchors)") != std::string::npos);
  g.metadata["yolo_masks"] = std::vector<int64_t>{0, 1};
  g.metadata["yolo_anchors_per_head"] = std::vector<int64_t>{1, 2};
  CHECK(error_of([&] { write_vgl(g, temp_path("meta.vgl")); }).find("do not add up to the 2 masks") !=
        std::string::npos);
  g.metadata["yolo_anchors_per_head"] = std::vector<int64_t>{INT64_MAX, INT64_MAX};  // no overflow
  CHECK(error_of([&] { write_vgl(g, temp_path("meta.vgl")); }).find("do not add up") != std::string::npos);
  g.metadata["yolo_anchors_per_head"] = std::vector<int64_t>{1, 1};
  write_vgl(g, temp_path("meta.vgl"));  // now valid
  CHECK(read_vgl(temp_path("meta.vgl")).metadata == g.metadata);
}

TEST_CASE("write_vgl replaces a file atomically: a graph loaded from it earlier stays valid") {
  const std::string path = temp_path("replace.vgl");
  write_vgl(small_graph(), path);
  const Graph before = read_vgl(path);
  GraphBuilder gb;
  gb.output(gb.node(OpType::Relu, "r", {gb.constant("other", f32_tensor({100}, 9.0f, 0.0f))}));
  write_vgl(gb.build(), path);
  CHECK(before.constants[0].f32()[3] == 1.0f);  // still the old mapping, not the new file's bytes
  CHECK(read_vgl(path).constants[0].f32()[99] == 9.0f);
  std::error_code ec;
  CHECK(!std::filesystem::exists(path + ".tmp-" + std::to_string(::getpid()), ec));
}

TEST_CASE("read_vgl reports missing files, directories and empty files") {
  CHECK(error_of([] { read_vgl(temp_path("does-not-exist.vgl")); }).find("cannot open") != std::string::npos);
  CHECK(error_of([] { read_vgl(std::filesystem::temp_directory_path().string()); }).find("not a regular file") !=
        std::string::npos);
  const std::string empty = temp_path("empty.vgl");
  write_bytes(empty, {});
  const std::string msg = error_of([&] { read_vgl(empty); });
  CHECK(msg == empty + ": header at byte 0: the file is 0 bytes, smaller than the 32-byte header");
}

TEST_CASE("a graph with a conv adding its residual before the activation is written as format version 2") {
  // relu(conv(x) + x): a version-1 reader would ignore residual_before_activation and compute
  // relu(conv(x)) + x, so such files carry version 2, which version-1 readers refuse.
  GraphBuilder b;
  const int x = b.input("x", DType::F32, {1, 2, 3, 3});
  const int w = b.constant("w", f32_tensor({2, 2, 1, 1}, -1.0f, 0.5f));
  Attributes a;
  a.set("activation", std::string("relu"));
  a.set("residual_before_activation", int64_t{1});
  b.output(b.node(OpType::Conv2d, "conv", {x, w, kNoValue, x}, a));
  const Graph g = b.build();
  const std::string path = temp_path("residual_first.vgl");
  write_vgl(g, path);
  CHECK(peek<uint32_t>(read_bytes(path), 8) == 2);
  const Graph loaded = read_vgl(path);
  REQUIRE(loaded.nodes.size() == 1);
  CHECK(loaded.nodes[0].attrs.get_int("residual_before_activation", 0) == 1);
  // Without the attribute the same graph stays version 1.
  const std::string plain = temp_path("residual_after.vgl");
  write_vgl(small_graph(), plain);
  CHECK(peek<uint32_t>(read_bytes(plain), 8) == 1);
}
