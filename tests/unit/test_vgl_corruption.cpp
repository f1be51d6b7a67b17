// Corrupt .vgl files: every truncation and every flipped byte must be rejected with vigil::Error (never a
// crash, never another exception), and targeted corruptions must name the field and byte at fault.
#include <doctest/doctest.h>

#include "loaders/vgl/decode.h"
#include "loaders/vgl/vgl.h"
#include "test_vgl_support.h"

using namespace vigil;
using namespace vgl_test;

namespace {

// Loads `bytes` from a file; returns the Error message, or "" if it loaded. Any other exception fails.
std::string load_error(const std::string& path, const std::vector<uint8_t>& bytes) {
  write_bytes(path, bytes);
  try {
    const Graph g = read_vgl(path);
    return "";
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("read_vgl threw a non-vigil exception: ", e.what());
  }
  return "";
}

// The same through the in-memory decoder, on an exact-size heap copy: under AddressSanitizer any read
// outside the file's bytes is reported (a mapping's slack up to the page end would hide it).
std::string decode_error(const std::vector<uint8_t>& bytes) {
  std::shared_ptr<uint8_t[]> copy(new uint8_t[bytes.size()]);
  if (!bytes.empty()) std::memcpy(copy.get(), bytes.data(), bytes.size());
  try {
    const Graph g = vgl::decode_vgl(copy.get(), bytes.size(), "mem.vgl", copy);
    return "";
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("decode_vgl threw a non-vigil exception: ", e.what());
  }
  return "";
}

std::vector<uint8_t> written(const Graph& g, const std::string& name) {
  const std::string path = temp_path(name);
  write_vgl(g, path);
  return read_bytes(path);
}

// Expects the corrupted file to be rejected with exactly "<path>: <what> at byte <offset>: " followed by a
// reason containing `reason`.
void expect_rejected(const std::vector<uint8_t>& bytes, const std::string& what, uint64_t offset,
                     const std::string& reason) {
  const std::string path = temp_path("targeted.vgl");
  const std::string msg = load_error(path, bytes);
  const std::string prefix = path + ": " + what + " at byte " + std::to_string(offset) + ": ";
  CAPTURE(msg);
  CHECK(msg.substr(0, prefix.size()) == prefix);
  CHECK(msg.find(reason, prefix.size()) != std::string::npos);
}

// Moves every section 64 bytes later and adds an entry for an extra section appended at the end.
std::vector<uint8_t> with_extra_section(const std::vector<uint8_t>& b, uint32_t kind, std::vector<uint8_t> payload) {
  const auto secs = sections_of(b);
  const uint32_t n = static_cast<uint32_t>(secs.size());
  std::vector<uint8_t> out(b.size() + 64, 0);
  std::copy(b.begin(), b.begin() + 32 + 24 * n, out.begin());
  for (const auto& s : secs) {
    std::copy(b.begin() + static_cast<ptrdiff_t>(s.offset), b.begin() + static_cast<ptrdiff_t>(s.offset + s.size),
              out.begin() + static_cast<ptrdiff_t>(s.offset + 64));
    poke<uint64_t>(out, s.entry + 8, s.offset + 64);
  }
  const uint64_t at = (out.size() + 7) / 8 * 8;
  out.resize(at, 0);
  out.insert(out.end(), payload.begin(), payload.end());
  poke<uint32_t>(out, 12, n + 1);
  const size_t e = 32 + 24 * n;
  poke<uint32_t>(out, e, kind);
  poke<uint64_t>(out, e + 8, at);
  poke<uint64_t>(out, e + 16, payload.size());
  poke<uint64_t>(out, 16, out.size());
  repair_checksums(out);
  return out;
}

}  // namespace

TEST_CASE("vgl corruption: every truncation is rejected") {
  const std::vector<uint8_t> good = written(sample_graph(), "trunc-src.vgl");
  const std::string path = temp_path("trunc.vgl");
  const size_t header_region = 32 + 24 * 5 + 512;
  size_t tried = 0;
  for (size_t len = 0; len < good.size(); len += (len < header_region ? 1 : 7)) {
    std::vector<uint8_t> b(good.begin(), good.begin() + static_cast<ptrdiff_t>(len));
    const std::string msg = load_error(path, b);
    CAPTURE(len);
    REQUIRE(!msg.empty());
    CHECK(msg.rfind(path + ": ", 0) == 0);
    ++tried;
    // The same truncation with the header's size and all checksums made consistent again: now the section
    // bounds checks must catch it.
    CHECK(decode_error(b).rfind("mem.vgl: ", 0) == 0);
    if (len >= 32) {
      poke<uint64_t>(b, 16, len);
      repair_checksums(b);
      const std::string deep = decode_error(b);
      REQUIRE(!deep.empty());
      CHECK(deep.find(" at byte ") != std::string::npos);
    }
  }
  MESSAGE(tried, " truncations of a ", good.size(), "-byte file rejected");
}

TEST_CASE("vgl corruption: every flipped byte is detected") {
  const std::vector<uint8_t> good = written(sample_graph(), "flip-src.vgl");
  const std::string path = temp_path("flip.vgl");
  for (size_t i = 0; i < good.size(); ++i)
    for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xFF}}) {
      std::vector<uint8_t> b = good;
      b[i] ^= mask;
      CAPTURE(i);
      const std::string msg = decode_error(b);
      REQUIRE(!msg.empty());
      CHECK(msg.rfind("mem.vgl: ", 0) == 0);
      if (i % 64 == 0 && mask == 0x01) CHECK(load_error(path, b).rfind(path + ": ", 0) == 0);  // and via a file
    }
}

TEST_CASE("vgl corruption: flipped bytes with repaired checksums are rejected cleanly or load a valid graph") {
  // With checksums recomputed, every corruption reaches the structural validator and shape inference.
  const std::vector<uint8_t> good = written(sample_graph(), "fuzz-src.vgl");
  size_t rejected = 0, loaded = 0;
  for (size_t i = 0; i < good.size(); ++i)
    for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xFF}}) {
      std::vector<uint8_t> b = good;
      b[i] ^= mask;
      repair_checksums(b);
      CAPTURE(i);
      const std::string msg = decode_error(b);  // any non-vigil exception fails inside
      if (msg.empty()) {
        ++loaded;  // e.g. a weight value or a float attribute changed: still a valid model
      } else {
        ++rejected;
        CHECK(msg.rfind("mem.vgl: ", 0) == 0);
      }
    }
  MESSAGE(rejected, " corruptions rejected, ", loaded, " still valid models");
  CHECK(rejected > loaded);
}

TEST_CASE("vgl corruption: header faults name the field and byte") {
  const std::vector<uint8_t> good = written(small_graph(), "small.vgl");
  std::vector<uint8_t> b = good;
  b[1] = 'X';
  expect_rejected(b, "header magic", 0, "not a .vgl file");

  b = good;
  poke<uint32_t>(b, 8, 3);
  repair_checksums(b);
  expect_rejected(b, "header version", 8, "written by a newer vigil: format version 3, this build reads up to 2");
  poke<uint32_t>(b, 8, 0);
  expect_rejected(b, "header version", 8, "format version 0 is invalid");

  b = good;
  poke<uint32_t>(b, 12, 0);
  expect_rejected(b, "header section_count", 12, "section count 0 is outside 1..64");
  poke<uint32_t>(b, 12, 100000);
  expect_rejected(b, "header section_count", 12, "outside 1..64");

  b = good;
  b.push_back(0);
  expect_rejected(b, "header file_size", 16, "(trailing bytes)");
  b.resize(good.size() - 1);
  expect_rejected(b, "header file_size", 16, "(truncated)");

  b = good;
  b[28] = 1;
  repair_checksums(b);
  expect_rejected(b, "header reserved", 28, "must be 0");

  b = good;
  b[40] ^= 1;  // a section checksum inside the table: the header checksum catches it
  expect_rejected(b, "header checksum", 24, "checksum mismatch");
}

TEST_CASE("vgl corruption: section table faults name the entry") {
  const std::vector<uint8_t> good = written(small_graph(), "small.vgl");
  const auto secs = sections_of(good);
  const SectionInfo strings = secs[0], graph = secs[1], weights = section(good, 4);

  std::vector<uint8_t> b = good;
  poke<uint64_t>(b, graph.entry + 8, strings.offset);  // GRAPH on top of STRINGS
  repair_checksums(b);
  const std::string msg = load_error(temp_path("t.vgl"), b);
  CHECK(msg.find("overlaps the") != std::string::npos);

  b = good;
  poke<uint64_t>(b, weights.entry + 16, weights.size + 64);  // WEIGHTS past the end
  repair_checksums(b);
  expect_rejected(b, "section table entry 4 (WEIGHTS section)", weights.entry + 8, "is outside the file area");
  poke<uint64_t>(b, weights.entry + 16, UINT64_MAX - 8);  // offset + size overflows
  repair_checksums(b);
  expect_rejected(b, "section table entry 4 (WEIGHTS section)", weights.entry + 8, "is outside the file area");

  b = good;
  poke<uint64_t>(b, graph.entry + 8, 16);  // inside the header
  repair_checksums(b);
  expect_rejected(b, "section table entry 1 (GRAPH section)", graph.entry + 8, "is outside the file area [152,");

  b = good;
  poke<uint64_t>(b, weights.entry + 8, weights.offset - 8);
  repair_checksums(b);
  expect_rejected(b, "section table entry 4 (WEIGHTS section)", weights.entry + 8, "is not a multiple of 64");

  b = good;
  poke<uint32_t>(b, graph.entry, 1);  // a second STRINGS
  repair_checksums(b);
  expect_rejected(b, "section table entry 1 (STRINGS section)", graph.entry, "appears twice");

  b = good;
  poke<uint32_t>(b, graph.entry, 9);
  repair_checksums(b);
  expect_rejected(b, "section table entry 1 (unknown section 9)", graph.entry, "unknown required section kind 9");

  b = good;
  poke<uint32_t>(b, graph.entry, 0x80000002u);  // GRAPH demoted to an optional section: then it is missing
  repair_checksums(b);
  expect_rejected(b, "section table", 32, "the GRAPH section is missing");

  // A byte in a gap between sections (the sample graph's sections leave some: find the last such byte).
  const std::vector<uint8_t> big = written(sample_graph(), "gap.vgl");
  std::vector<bool> covered(big.size(), false);
  for (size_t i = 0; i < 32 + 24 * 5; ++i) covered[i] = true;
  for (const auto& s : sections_of(big))
    for (uint64_t i = s.offset; i < s.offset + s.size; ++i) covered[i] = true;
  size_t gap = SIZE_MAX;
  for (size_t i = 0; i < big.size(); ++i)
    if (!covered[i]) gap = i;
  REQUIRE(gap != SIZE_MAX);
  std::string next_section;
  for (const auto& s : sections_of(big))
    if (s.offset == gap + 1)
      next_section = s.kind == 4 ? "WEIGHTS" : s.kind == 2 ? "GRAPH" : s.kind == 3 ? "TENSORS" : "METADATA";
  REQUIRE(!next_section.empty());
  b = big;
  b[gap] = 7;
  repair_checksums(b);
  expect_rejected(b, "gap before the " + next_section + " section", gap, "bytes between sections must be 0");

  b = good;
  b[graph.offset + 3] ^= 0x10;  // section checksum mismatch (header repaired, section not)
  poke<uint32_t>(b, 24, 0);
  poke<uint32_t>(b, 24, vgl::crc32c(b.data(), 32 + 24 * 5));
  expect_rejected(b, "GRAPH section", graph.offset, "checksum mismatch over its");
}

TEST_CASE("vgl corruption: an unknown optional section is checked and skipped") {
  const std::vector<uint8_t> good = written(small_graph(), "small.vgl");
  std::vector<uint8_t> b = with_extra_section(good, 0x80000007u, {1, 2, 3, 4, 5});
  CHECK(load_error(temp_path("opt.vgl"), b).empty());
  CHECK(read_vgl(temp_path("opt.vgl")).nodes.size() == 2);
  b.back() ^= 1;  // its checksum is still verified
  const std::string msg = load_error(temp_path("opt.vgl"), b);
  CHECK(msg.find("optional section 0x80000007 at byte") != std::string::npos);
  CHECK(msg.find("checksum mismatch") != std::string::npos);
}

TEST_CASE("vgl corruption: string table faults") {
  const std::vector<uint8_t> good = written(small_graph(), "small.vgl");
  const SectionInfo s = section(good, 1);
  std::vector<uint8_t> b = good;
  poke<uint32_t>(b, s.offset, 0xFFFFFFFFu);
  repair_checksums(b);
  expect_rejected(b, "STRINGS section count", s.offset, "count 4294967295 needs at least 4294967295 x 8 bytes");

  b = good;
  poke<uint32_t>(b, s.offset + 8 + 4, 1u << 30);  // string 0 length
  repair_checksums(b);
  expect_rejected(b, "STRINGS section string 0", s.offset + 8, "exceeds the");

  b = good;
  const uint32_t count = peek<uint32_t>(good, s.offset);
  b[s.offset + 8 + 8 * count] = 0;  // first character of string 0 becomes NUL
  repair_checksums(b);
  expect_rejected(b, "STRINGS section string 0", s.offset + 8 + 8 * count, "contains a NUL byte");
}

TEST_CASE("vgl corruption: graph section faults name the value, node or attribute") {
  const std::vector<uint8_t> good = written(small_graph(), "small.vgl");
  const SmallGraphLayout l = small_graph_layout(good);
  std::vector<uint8_t> b;

  auto patched = [&](auto&& edit) {
    b = good;
    edit();
    repair_checksums(b);
  };

  patched([&] { poke<uint32_t>(b, l.graph, 0x7FFFFFFF); });
  expect_rejected(b, "GRAPH section value_count", l.graph, "count 2147483647 needs at least");
  patched([&] { poke<uint32_t>(b, l.graph, 0xFFFFFFFF); });
  expect_rejected(b, "GRAPH section value_count", l.graph, "exceeds 2^31 - 1");
  patched([&] { poke<uint32_t>(b, l.graph + 4, 0xFFFFFFF0); });
  expect_rejected(b, "GRAPH section node_count", l.graph + 4, "needs at least");
  patched([&] { poke<uint32_t>(b, l.graph + 8, 0x40000000); });
  expect_rejected(b, "GRAPH section input_count", l.graph + 8, "needs at least");

  patched([&] { poke<uint32_t>(b, l.values, 1000); });
  expect_rejected(b, "GRAPH section value 0 name", l.values, "string index 1000 is out of range");
  patched([&] { b[l.values + 4] = 42; });
  expect_rejected(b, "GRAPH section value 0 ('x') dtype", l.values + 4, "unknown dtype code 42");
  patched([&] { b[l.values + 5] = 3; });
  expect_rejected(b, "GRAPH section value 0 ('x') kind", l.values + 5, "unknown value kind 3");
  patched([&] { b[l.values + 6] = 7; });
  expect_rejected(b, "GRAPH section value 0 ('x') rank", l.values + 6, "rank 7 exceeds the maximum 6");
  patched([&] { b[l.values + 7] = 1; });
  expect_rejected(b, "GRAPH section value 0 ('x') reserved", l.values + 7, "reserved byte is 1, must be 0");
  patched([&] {
    poke<int64_t>(b, l.values + 16, int64_t{1} << 20);
    poke<int64_t>(b, l.values + 24, int64_t{1} << 20);
  });
  expect_rejected(b, "GRAPH section value 0 ('x') dim 1", l.values + 24, "more than 2^32 elements");
  patched([&] { poke<int64_t>(b, l.values + 16, -2); });
  expect_rejected(b, "GRAPH section value 0 ('x') dim 0", l.values + 16, "dimension -2 is invalid");
  patched([&] { poke<int64_t>(b, l.values + 24, 0); });
  expect_rejected(b, "GRAPH section value 0 ('x') dim 1", l.values + 24, "must be >= 1");
  patched([&] { poke<int64_t>(b, l.values + 40, 5); });
  expect_rejected(b, "GRAPH section value 0 ('x') dim 3", l.values + 40, "past rank 2");
  patched([&] { poke<int32_t>(b, l.values + 64 + 8, 5); });
  expect_rejected(b, "GRAPH section value 1 ('c') constant", l.values + 64 + 8, "tensor index 5 is out of range");
  patched([&] { poke<int32_t>(b, l.values + 8, 0); });
  expect_rejected(b, "GRAPH section value 0 ('x') constant", l.values + 8, "is 0 for a value that is not a constant");
  patched([&] { poke<int64_t>(b, l.values + 64 + 16, 5); });
  expect_rejected(b, "GRAPH section value 1 ('c') dtype/shape", l.values + 64 + 4,
                  "f32[5] differs from tensor 0's f32[4]");
  patched([&] { b[l.values + 5] = 2; });  // x no longer an input, yet listed as one
  expect_rejected(b, "GRAPH section graph input 0", l.values + 4 * 64, "is not of kind input");

  // Nodes.
  patched([&] { poke<int32_t>(b, l.node0 + 24, 99); });
  expect_rejected(b, "GRAPH section node 0 ('leaky') input 0", l.node0 + 24, "value id 99 is out of range -1..3");
  patched([&] { poke<int32_t>(b, l.node0 + 28, 1); });
  expect_rejected(b, "GRAPH section node 0 ('leaky') output 0", l.node0 + 28, "cannot be computed by a node");
  patched([&] { poke<uint32_t>(b, l.node0 + 8, 0x3FFFFFFF); });
  expect_rejected(b, "GRAPH section node 0 ('leaky') input_count", l.node0 + 8, "needs at least");
  patched([&] { poke<uint32_t>(b, l.node0 + 16, 0x0FFFFFFF); });
  expect_rejected(b, "GRAPH section node 0 ('leaky') attr_count", l.node0 + 16, "needs at least");
  patched([&] { b[l.node0 + 20] = 9; });
  expect_rejected(b, "GRAPH section node 0 ('leaky') reserved", l.node0 + 20, "must be 0");
  patched([&] { b[l.node0_attr + 4] = 9; });
  expect_rejected(b, "GRAPH section node 0 ('leaky') attribute 0 'alpha' kind", l.node0_attr + 4,
                  "unknown attribute kind code 9 (valid: 1..6)");
  patched([&] { poke<uint32_t>(b, l.node0_attr + 8, 2); });
  expect_rejected(b, "GRAPH section node 0 ('leaky') attribute 0 'alpha' count", l.node0_attr + 8,
                  "a float attribute has count 2, must be 1");
  patched([&] {
    b[l.node0_attr + 4] = static_cast<uint8_t>(AttrKind::Floats);
    poke<uint32_t>(b, l.node0_attr + 8, 0xFFFFFFFF);
  });
  expect_rejected(b, "GRAPH section node 0 ('leaky') attribute 0 'alpha' count", l.node0_attr + 8,
                  "count 4294967295 needs at least 4294967295 x 4 bytes");
  patched([&] { b[l.node0_attr + 20] = 1; });  // the float's padding
  expect_rejected(b, "GRAPH section node 0 ('leaky') attribute 0 'alpha' padding", l.node0_attr + 20, "must be 0");

  // An unknown op name: the string "Relu" becomes "Relv" in the string table.
  patched([&] {
    const size_t at = string_offset(b, "Relu");
    REQUIRE(at != SIZE_MAX);
    b[at + 3] = 'v';
  });
  expect_rejected(b, "GRAPH section node 1 ('relu') op", l.node1, "unknown operator 'Relv'");

  // One node fewer than stored: the last node record becomes trailing bytes.
  patched([&] { poke<uint32_t>(b, l.graph + 4, 1); });
  expect_rejected(b, "GRAPH section end", l.node1, "unexpected trailing bytes");
}

TEST_CASE("vgl corruption: graph-level errors from validation and shape inference") {
  const std::vector<uint8_t> good = written(small_graph(), "small.vgl");
  const SmallGraphLayout l = small_graph_layout(good);
  std::vector<uint8_t> b = good;
  poke<int32_t>(b, l.node0 + 24, 2);  // leaky reads its own output: a cycle
  repair_checksums(b);
  expect_rejected(b, "GRAPH section", l.graph, "graph has a cycle through LeakyRelu 'leaky'");

  b = good;
  poke<int64_t>(b, l.values + 24, 4);  // input x becomes [2,4]; leaky's recorded [2,3] disagrees
  repair_checksums(b);
  expect_rejected(b, "GRAPH section value 2 ('leaky') dtype/shape", l.values + 2 * 64 + 4,
                  "the file records f32[2,3] but shape inference gives f32[2,4]");

  b = good;
  poke<int32_t>(b, l.graph + 16 + 4 * 64 + 4, 1);  // graph output 0 becomes the constant
  repair_checksums(b);
  expect_rejected(b, "GRAPH section", l.graph, "graph output 'c' is not computed by any node");
}

TEST_CASE("vgl corruption: tensor table faults") {
  const std::vector<uint8_t> good = written(small_graph(), "small.vgl");
  const SectionInfo t = section(good, 3), w = section(good, 4);
  const size_t rec = t.offset + 8;
  std::vector<uint8_t> b;
  auto patched = [&](auto&& edit) {
    b = good;
    edit();
    repair_checksums(b);
  };
  patched([&] { poke<uint32_t>(b, t.offset, 0xFFFFFFFF); });
  expect_rejected(b, "TENSORS section tensor_count", t.offset, "4294967295 records need");
  patched([&] { b[rec + 4] = 99; });
  expect_rejected(b, "TENSORS section record 0 ('c') dtype", rec + 4, "unknown dtype code 99");
  patched([&] { b[rec + 5] = 200; });
  expect_rejected(b, "TENSORS section record 0 ('c') rank", rec + 5, "rank 200 exceeds the maximum 6");
  patched([&] {
    b[rec + 5] = 2;
    poke<int64_t>(b, rec + 32, int64_t{1} << 20);
    poke<int64_t>(b, rec + 40, int64_t{1} << 20);
  });
  expect_rejected(b, "TENSORS section record 0 ('c') dim 1", rec + 40, "more than 2^32 elements");
  patched([&] { poke<uint64_t>(b, rec + 24, 20); });
  expect_rejected(b, "TENSORS section record 0 ('c') size", rec + 24, "20 bytes, but shape [4] of f32 needs 16");
  patched([&] { poke<uint64_t>(b, rec + 16, 32); });
  expect_rejected(b, "TENSORS section record 0 ('c') offset", rec + 16, "is not a multiple of 64");
  patched([&] { poke<uint64_t>(b, rec + 16, uint64_t{1} << 62); });
  expect_rejected(b, "TENSORS section record 0 ('c') offset", rec + 16, "lies outside the");
  patched([&] { b[rec + 12] = 1; });
  expect_rejected(b, "TENSORS section record 0 ('c') reserved", rec + 12, "must be 0");

  // A corrupt weight with every section checksum consistent: the tensor's own checksum names it.
  b = good;
  b[w.offset + 5] ^= 0x40;
  const uint32_t stored = peek<uint32_t>(b, rec + 8);
  repair_checksums(b);
  poke<uint32_t>(b, rec + 8, stored);
  poke<uint32_t>(b, section(b, 3).entry + 4, vgl::crc32c(b.data() + t.offset, t.size));
  poke<uint32_t>(b, 24, 0);
  poke<uint32_t>(b, 24, vgl::crc32c(b.data(), 32 + 24 * 5));
  expect_rejected(b, "TENSORS section record 0 ('c') checksum", rec + 8,
                  "tensor data at byte " + std::to_string(w.offset) + " is corrupt");
}

TEST_CASE("vgl corruption: overlapping tensors and unreferenced tensors") {
  GraphBuilder gb;
  gb.output(gb.node(OpType::Relu, "r1", {gb.constant("a", f32_tensor({4}, 1, 1))}));
  gb.output(gb.node(OpType::Relu, "r2", {gb.constant("b", f32_tensor({4}, 2, 1))}));
  const std::vector<uint8_t> good = written(gb.build(), "two.vgl");
  const SectionInfo t = section(good, 3);
  std::vector<uint8_t> b = good;
  poke<uint64_t>(b, t.offset + 8 + 80 + 16, 0);  // tensor 1 moved onto tensor 0
  repair_checksums(b);
  const std::string msg = load_error(temp_path("t.vgl"), b);
  CHECK(msg.find("overlaps tensor") != std::string::npos);
  CHECK(msg.find("in the WEIGHTS section") != std::string::npos);

  // Value 'b' (id 2) pointing at tensor 0 as well: tensor 0 is used twice.
  const size_t values = section(good, 2).offset + 16;
  b = good;
  CHECK(peek<int32_t>(b, values + 2 * 64 + 8) == 1);
  poke<int32_t>(b, values + 2 * 64 + 8, 0);
  repair_checksums(b);
  expect_rejected(b, "GRAPH section value 2 ('b') constant", values + 2 * 64 + 8,
                  "tensor 0 is already used by value 0");
}

TEST_CASE("vgl corruption: metadata faults") {
  const std::vector<uint8_t> good = written(small_graph(), "small.vgl");
  const SectionInfo m = section(good, 5);
  std::vector<uint8_t> b = good;
  poke<uint32_t>(b, m.offset, 0x10000000);
  repair_checksums(b);
  expect_rejected(b, "METADATA section entry_count", m.offset, "needs at least");

  // "producer" with an int value: the known-key check names the key.
  b = good;
  const size_t rec = m.offset + 8;
  b[rec + 4] = static_cast<uint8_t>(AttrKind::Int);
  repair_checksums(b);
  expect_rejected(b, "METADATA section entry 0 key 'producer'", rec, "is int, expected string");
}
