// Shared by the .vgl tests: sample graphs, file helpers, and a small independent parser of the section
// table that can patch fields and repair checksums (so that corrupt-but-checksummed files reach the
// structural validator).
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/graph_builder.h"
#include "loaders/vgl/checksum.h"

namespace vgl_test {

using namespace vigil;

inline std::filesystem::path temp_dir() {
  return std::filesystem::temp_directory_path() / ("vigil-vgl-test-" + std::to_string(::getpid()));
}

// Removes the test files when the test binary exits.
struct TempDirCleanup {
  ~TempDirCleanup() {
    std::error_code ec;
    std::filesystem::remove_all(temp_dir(), ec);
  }
};
inline TempDirCleanup temp_dir_cleanup;

inline std::string temp_path(const std::string& name) {
  std::filesystem::create_directories(temp_dir());
  return (temp_dir() / name).string();
}

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

template <typename T>
T peek(const std::vector<uint8_t>& b, size_t at) {
  T v{};
  std::memcpy(&v, b.data() + at, sizeof(T));
  return v;
}

template <typename T>
void poke(std::vector<uint8_t>& b, size_t at, T v) {
  std::memcpy(b.data() + at, &v, sizeof(T));
}

inline Tensor filled(DType dtype, Shape shape, uint8_t seed) {
  Tensor t(dtype, shape);
  auto* p = static_cast<uint8_t*>(t.mutable_data());
  for (size_t i = 0; i < t.bytes(); ++i) p[i] = static_cast<uint8_t>(seed + i * 7);
  return t;
}

inline Tensor f32_tensor(Shape shape, float start, float step) {
  std::vector<float> v(static_cast<size_t>(shape.numel()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = start + step * static_cast<float>(i);
  return Tensor::from_f32(shape, v);
}

// A graph exercising every attribute kind, multi-output nodes, absent optional inputs and outputs,
// constants of several dtypes (including an empty one) and metadata of every kind.
inline Graph sample_graph() {
  GraphBuilder b;
  // LSTM: X [seq 3, batch 1, input 2], hidden 2, forward; B and initial_h absent; Y absent.
  const int x = b.input("frames", DType::F32, {3, 1, 2});
  const int w = b.constant("lstm.W", f32_tensor({1, 8, 2}, -0.4f, 0.05f));
  const int r = b.constant("lstm.R", f32_tensor({1, 8, 2}, 0.3f, -0.04f));
  Tensor lens(DType::I32, {1});
  static_cast<int32_t*>(lens.mutable_data())[0] = 3;
  const int seq_lens = b.constant("lstm.seq_lens", std::move(lens));
  const int c0 = b.constant("lstm.c0", f32_tensor({1, 1, 2}, 0.25f, -0.5f));
  Attributes la;
  la.set("hidden_size", int64_t{2});
  la.set("direction", std::string("forward"));
  la.set("clip", 5.0f);
  la.set("activations", std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"});
  const auto lstm =
      b.node_named(OpType::Lstm, "lstm", {x, w, r, kNoValue, seq_lens, kNoValue, c0}, {"", "lstm.Y_h", "lstm.Y_c"}, la);
  b.output(lstm[1]);
  b.output(lstm[2]);

  // A YOLO head: LeakyRelu then YoloDetect (two outputs), attributes of kinds int, float, ints, floats.
  const int img = b.input("image", DType::F32, {1, 7, 2, 2});
  const int act = b.node(OpType::LeakyRelu, "leaky", {img}, {{"alpha", 0.1f}});
  Attributes ya;
  ya.set("num_classes", int64_t{2});
  ya.set("anchors", std::vector<float>{10, 14, 23, 27});
  ya.set("masks", std::vector<int64_t>{1});
  ya.set("anchors_per_head", std::vector<int64_t>{1});
  ya.set("input_width", int64_t{64});
  ya.set("input_height", int64_t{64});
  ya.set("scale_x_y", std::vector<float>{1.05f});
  ya.set("score_threshold", 0.0f);
  const auto det = b.node_n(OpType::YoloDetect, "detect", {act}, 2, ya);
  b.output(det[0]);
  b.output(det[1]);

  // A constant fed through an activation.
  const int bias = b.constant("bias", f32_tensor({2, 3}, -1.0f, 0.5f));
  b.output(b.node(OpType::Relu, "relu_const", {bias}));

  // Constants of other dtypes that no node reads (the IR allows that); one is empty.
  b.constant("u8_table", filled(DType::U8, {5}, 3));
  b.constant("i64_ids", filled(DType::I64, {2, 2}, 11));
  b.constant("half", filled(DType::F16, {3}, 5));
  b.constant("empty", Tensor(DType::F32, {0, 4}));

  b.metadata("input_size", std::vector<int64_t>{64, 48});
  b.metadata("channel_order", std::string("BGR"));
  b.metadata("mean", std::vector<float>{0.485f, 0.456f, 0.406f});
  b.metadata("std", std::vector<float>{0.229f, 0.224f, 0.225f});
  b.metadata("class_names", std::vector<std::string>{"walk", "run", ""});
  b.metadata("yolo_anchors", std::vector<float>{10, 14, 23, 27});
  b.metadata("yolo_masks", std::vector<int64_t>{1});
  b.metadata("yolo_anchors_per_head", std::vector<int64_t>{1});
  b.metadata("temporal_window", int64_t{16});
  b.metadata("source_format", std::string("builder"));
  b.metadata("producer", std::string("vigil tests"));
  b.metadata("x-unknown-float", 2.5f);  // unknown keys are kept
  b.metadata("x-unknown-strings", std::vector<std::string>{"a", "b"});
  return b.build();
}

// The smallest graph with a constant and an attribute: relu(c) and leaky(x), for targeted corruptions.
// Values: 0 x (input), 1 c (constant), 2 leaky, 3 relu. Nodes: 0 leaky (1 attr), 1 relu.
inline Graph small_graph() {
  GraphBuilder b;
  const int x = b.input("x", DType::F32, {2, 3});
  const int c = b.constant("c", f32_tensor({4}, -2.0f, 1.0f));
  b.output(b.node(OpType::LeakyRelu, "leaky", {x}, {{"alpha", 0.5f}}));
  b.output(b.node(OpType::Relu, "relu", {c}));
  b.metadata("producer", std::string("t"));
  return b.build();
}

// --- An independent reader of the section table (docs/FORMAT.md), tolerant of garbage. ---

struct SectionInfo {
  uint32_t kind = 0;
  uint64_t offset = 0, size = 0;
  size_t entry = 0;  // file offset of its table entry
};

inline std::vector<SectionInfo> sections_of(const std::vector<uint8_t>& b) {
  std::vector<SectionInfo> out;
  if (b.size() < 32) return out;
  const uint32_t n = peek<uint32_t>(b, 12);
  for (uint32_t i = 0; i < n && i < 64 && 32 + 24 * (i + 1) <= b.size(); ++i) {
    const size_t e = 32 + 24 * i;
    out.push_back({peek<uint32_t>(b, e), peek<uint64_t>(b, e + 8), peek<uint64_t>(b, e + 16), e});
  }
  return out;
}

inline SectionInfo section(const std::vector<uint8_t>& b, uint32_t kind) {
  for (const auto& s : sections_of(b))
    if (s.kind == kind) return s;
  return {};
}

inline bool in_file(const std::vector<uint8_t>& b, uint64_t off, uint64_t size) {
  return off <= b.size() && size <= b.size() - off;
}

// Recomputes tensor, section and header checksums so that only the structural validator can object.
inline void repair_checksums(std::vector<uint8_t>& b) {
  const auto secs = sections_of(b);
  SectionInfo tensors, weights;
  for (const auto& s : secs) {
    if (s.kind == 3) tensors = s;
    if (s.kind == 4) weights = s;
  }
  if (tensors.kind && weights.kind && in_file(b, tensors.offset, tensors.size) &&
      in_file(b, weights.offset, weights.size) && tensors.size >= 8) {
    const uint64_t count = peek<uint32_t>(b, tensors.offset);
    for (uint64_t i = 0; i < count && 8 + 80 * (i + 1) <= tensors.size; ++i) {
      const size_t rec = tensors.offset + 8 + 80 * i;
      const uint64_t off = peek<uint64_t>(b, rec + 16), size = peek<uint64_t>(b, rec + 24);
      if (off <= weights.size && size <= weights.size - off)
        poke<uint32_t>(b, rec + 8, vgl::crc32c(b.data() + weights.offset + off, size));
    }
  }
  for (const auto& s : secs)
    if (in_file(b, s.offset, s.size)) poke<uint32_t>(b, s.entry + 4, vgl::crc32c(b.data() + s.offset, s.size));
  if (b.size() >= 32) {
    const uint32_t n = peek<uint32_t>(b, 12);
    if (n <= 64 && 32 + 24 * uint64_t{n} <= b.size()) {
      poke<uint32_t>(b, 24, 0);
      poke<uint32_t>(b, 24, vgl::crc32c(b.data(), 32 + 24 * size_t{n}));
    }
  }
}

// File offsets inside the GRAPH section of a file written from small_graph().
struct SmallGraphLayout {
  size_t graph = 0;       // section start
  size_t values = 0;      // value record 0
  size_t node0 = 0;       // node record 0 (leaky)
  size_t node0_attr = 0;  // its attribute record
  size_t node1 = 0;       // node record 1 (relu)
};

inline SmallGraphLayout small_graph_layout(const std::vector<uint8_t>& b) {
  SmallGraphLayout l;
  l.graph = section(b, 2).offset;
  const uint32_t nv = peek<uint32_t>(b, l.graph), ni = peek<uint32_t>(b, l.graph + 8),
                 no = peek<uint32_t>(b, l.graph + 12);
  l.values = l.graph + 16;
  size_t rel = 16 + 64 * nv + 4 * (ni + no);
  rel = (rel + 7) / 8 * 8;
  l.node0 = l.graph + rel;
  l.node0_attr = l.node0 + 24 + 8;  // 1 input + 1 output = 8 bytes, already aligned
  l.node1 = l.node0_attr + 16 + 8;  // one float attribute: header + padded payload
  return l;
}

// File offset of the characters of the string-table entry equal to `text`, or SIZE_MAX.
inline size_t string_offset(const std::vector<uint8_t>& b, const std::string& text) {
  const SectionInfo s = section(b, 1);
  const uint32_t count = peek<uint32_t>(b, s.offset);
  const size_t data = s.offset + 8 + 8 * size_t{count};
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t off = peek<uint32_t>(b, s.offset + 8 + 8 * i), len = peek<uint32_t>(b, s.offset + 12 + 8 * i);
    if (len == text.size() && std::memcmp(b.data() + data + off, text.data(), len) == 0) return data + off;
  }
  return SIZE_MAX;
}

}  // namespace vgl_test
