// write_vgl: encode every section into memory, lay them out, and write the file under a temporary name
// that is renamed over `path` at the end (a reader that has the old file mapped keeps a valid mapping,
// and a failed write never leaves a half-written model behind).
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "engine/error.h"
#include "loaders/vgl/byte_io.h"
#include "loaders/vgl/checksum.h"
#include "loaders/vgl/format.h"
#include "loaders/vgl/graph_section.h"
#include "loaders/vgl/metadata_keys.h"
#include "loaders/vgl/metadata_section.h"
#include "loaders/vgl/section_table.h"
#include "loaders/vgl/strings.h"
#include "loaders/vgl/tensor_section.h"
#include "loaders/vgl/vgl.h"

namespace vigil {

using namespace vgl;

namespace {

struct PlannedSection {
  SectionKind kind;
  const ByteWriter* bytes;
  uint64_t offset = 0;
};

class TempFile {
 public:
  explicit TempFile(const std::string& final_path)
      : final_(final_path), temp_(concat(final_path, ".tmp-", ::getpid())) {
    f_ = std::fopen(temp_.c_str(), "wb");
    if (!f_) fail(final_, ": cannot create '", temp_, "': ", std::strerror(errno));
  }
  ~TempFile() {
    if (f_) std::fclose(f_);
    if (!committed_) std::remove(temp_.c_str());
  }
  void write(const void* p, size_t n) {
    if (n > 0 && std::fwrite(p, 1, n, f_) != n) fail(final_, ": write failed: ", std::strerror(errno));
  }
  void commit() {
    const bool ok = std::fflush(f_) == 0 && ::fsync(::fileno(f_)) == 0;
    const int err = errno;
    std::fclose(f_);
    f_ = nullptr;
    if (!ok) fail(final_, ": write failed: ", std::strerror(err));
    if (std::rename(temp_.c_str(), final_.c_str()) != 0)
      fail(final_, ": cannot rename '", temp_, "' to it: ", std::strerror(errno));
    committed_ = true;
  }

 private:
  std::string final_, temp_;
  std::FILE* f_ = nullptr;
  bool committed_ = false;
};

// The lowest format version that holds g (format.h): readers of an older version would misread it.
uint32_t version_needed(const Graph& g) {
  for (const Node& n : g.nodes)
    if (n.op == OpType::Conv2d && n.attrs.get_int("residual_before_activation", 0, n.label()) != 0)
      return kVersionResidualBeforeActivation;
  return 1;
}

}  // namespace

void write_vgl(const Graph& g, const std::string& path) {
  try {
    meta::check_metadata(g.metadata);
  } catch (const Error& e) {
    fail("write_vgl: ", path, ": ", e.what());
  }
  StringInterner strings;
  ByteWriter graph, tensors, weights, metadata, string_table;
  encode_tensors(g, strings, tensors, weights);
  encode_graph(g, strings, graph);
  encode_metadata(g.metadata, strings, metadata);
  strings.write_section(string_table);  // last: every string is interned by now

  PlannedSection plan[] = {{SectionKind::Strings, &string_table},
                           {SectionKind::Graph, &graph},
                           {SectionKind::Tensors, &tensors},
                           {SectionKind::Metadata, &metadata},
                           {SectionKind::Weights, &weights}};
  const uint32_t count = static_cast<uint32_t>(std::size(plan));
  uint64_t end = kHeaderBytes + uint64_t{count} * kSectionEntryBytes;
  for (PlannedSection& s : plan) {
    s.offset = align_up(end, s.kind == SectionKind::Weights ? kWeightsAlignment : kSectionAlignment);
    end = s.offset + s.bytes->size();
  }

  ByteWriter head;
  head.put_bytes(kMagic.data(), kMagic.size());
  head.put<uint32_t>(version_needed(g));
  head.put<uint32_t>(count);
  head.put<uint64_t>(end);
  head.put<uint32_t>(0);  // header checksum, patched below
  head.put<uint32_t>(0);
  for (const PlannedSection& s : plan) {
    head.put<uint32_t>(static_cast<uint32_t>(s.kind));
    head.put<uint32_t>(crc32c(s.bytes->bytes().data(), s.bytes->size()));
    head.put<uint64_t>(s.offset);
    head.put<uint64_t>(s.bytes->size());
  }
  head.patch<uint32_t>(kHeaderChecksumOffset, header_checksum(head.bytes().data(), count));

  TempFile out(path);
  out.write(head.bytes().data(), head.size());
  uint64_t at = head.size();
  static const uint8_t zeros[kWeightsAlignment] = {};
  for (const PlannedSection& s : plan) {
    out.write(zeros, s.offset - at);
    out.write(s.bytes->bytes().data(), s.bytes->size());
    at = s.offset + s.bytes->size();
  }
  out.commit();
}

}  // namespace vigil
