#include "loaders/vgl/section_table.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "loaders/vgl/byte_io.h"
#include "loaders/vgl/checksum.h"
#include "loaders/vgl/format.h"

namespace vigil::vgl {

std::string section_name(uint32_t kind) {
  switch (kind) {
    case static_cast<uint32_t>(SectionKind::Strings):
      return "STRINGS section";
    case static_cast<uint32_t>(SectionKind::Graph):
      return "GRAPH section";
    case static_cast<uint32_t>(SectionKind::Tensors):
      return "TENSORS section";
    case static_cast<uint32_t>(SectionKind::Weights):
      return "WEIGHTS section";
    case static_cast<uint32_t>(SectionKind::Metadata):
      return "METADATA section";
  }
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08X", kind);
  return (kind & kOptionalSectionBit) ? concat("optional section ", hex) : concat("unknown section ", kind);
}

uint32_t header_checksum(const uint8_t* base, uint32_t section_count) {
  const uint8_t zero[4] = {0, 0, 0, 0};
  uint32_t c = crc32c(0, base, kHeaderChecksumOffset);
  c = crc32c(c, zero, 4);
  const size_t rest = kHeaderBytes - kHeaderChecksumOffset - 4 + size_t{section_count} * kSectionEntryBytes;
  return crc32c(c, base + kHeaderChecksumOffset + 4, rest);
}

FileLayout validate_layout(const uint8_t* base, uint64_t size, const std::string& file) {
  if (size < kHeaderBytes)
    fail_at(file, "header", 0, concat("the file is ", size, " bytes, smaller than the ", kHeaderBytes, "-byte header"));
  ByteCursor cur(base, 0, size, file, "header");
  if (std::memcmp(cur.bytes(kMagic.size(), "magic"), kMagic.data(), kMagic.size()) != 0)
    fail_at(file, "header magic", 0, "not a .vgl file (the first 8 bytes are not \\x89VGL\\r\\n\\x1a\\n)");
  const uint32_t version = cur.u32("version");
  if (version == 0) fail_at(file, "header version", 8, "format version 0 is invalid");
  if (version > kVersion)
    fail_at(file, "header version", 8,
            concat("written by a newer vigil: format version ", version, ", this build reads up to ", kVersion));
  const uint32_t count = cur.u32("section_count");
  if (count < 1 || count > kMaxSections)
    fail_at(file, "header section_count", 12, concat("section count ", count, " is outside 1..", kMaxSections));
  const uint64_t table_end = kHeaderBytes + uint64_t{count} * kSectionEntryBytes;
  if (table_end > size)
    fail_at(file, "section table", kHeaderBytes,
            concat(count, " entries end at byte ", table_end, ", past the end of the ", size, "-byte file"));
  const uint64_t file_size = cur.u64("file_size");
  if (file_size != size)
    fail_at(file, "header file_size", 16,
            concat("the header says ", file_size, " bytes but the file has ", size,
                   size < file_size ? " (truncated)" : " (trailing bytes)"));
  const uint32_t stored_checksum = cur.u32("header_checksum");
  cur.zeros(4, "reserved");
  if (const uint32_t actual = header_checksum(base, count); actual != stored_checksum)
    fail_at(file, "header checksum", kHeaderChecksumOffset,
            concat("checksum mismatch: stored ", stored_checksum, ", computed ", actual));

  FileLayout layout;
  layout.file_size = size;
  std::vector<SectionRef> all;
  all.reserve(count);
  SectionRef* required[kNumRequiredSections] = {&layout.strings, &layout.graph, &layout.tensors, &layout.weights,
                                                &layout.metadata};
  bool seen[kNumRequiredSections] = {};
  for (uint32_t i = 0; i < count; ++i) {
    SectionRef s;
    s.entry_offset = cur.pos();
    cur.set_context(concat("section table entry ", i));
    s.kind = cur.u32("kind");
    s.checksum = cur.u32("checksum");
    s.offset = cur.u64("offset");
    s.size = cur.u64("size");
    const std::string what = concat("section table entry ", i, " (", section_name(s.kind), ")");
    const bool known = s.kind >= 1 && s.kind <= kNumRequiredSections;
    if (!known && !(s.kind & kOptionalSectionBit))
      fail_at(file, what, s.entry_offset, concat("unknown required section kind ", s.kind));
    for (const SectionRef& o : all)
      if (o.kind == s.kind) fail_at(file, what, s.entry_offset, "this section kind appears twice");
    if (s.offset < table_end || s.offset > size || s.size > size - s.offset)
      fail_at(file, what, s.entry_offset + 8,
              concat("section [", s.offset, ", +", s.size, ") is outside the file area [", table_end, ", ", size, ")"));
    const size_t alignment =
        s.kind == static_cast<uint32_t>(SectionKind::Weights) ? kWeightsAlignment : kSectionAlignment;
    if (s.offset % alignment != 0)
      fail_at(file, what, s.entry_offset + 8, concat("offset ", s.offset, " is not a multiple of ", alignment));
    all.push_back(s);
    if (known) {
      seen[s.kind - 1] = true;
      *required[s.kind - 1] = s;
    } else {
      layout.optional.push_back(s);
    }
  }
  for (uint32_t k = 0; k < kNumRequiredSections; ++k)
    if (!seen[k]) fail_at(file, "section table", kHeaderBytes, concat("the ", section_name(k + 1), " is missing"));

  // No two sections overlap (zero-size sections overlap nothing).
  std::vector<SectionRef> sorted = all;
  std::sort(sorted.begin(), sorted.end(), [](const SectionRef& a, const SectionRef& b) { return a.offset < b.offset; });
  const SectionRef* furthest = nullptr;  // the non-empty section seen so far that ends last
  for (const SectionRef& b : sorted) {
    if (b.size == 0) continue;
    if (furthest && b.offset < furthest->offset + furthest->size)
      fail_at(file, section_name(b.kind), b.offset,
              concat("overlaps the ", section_name(furthest->kind), " [", furthest->offset, ", ",
                     furthest->offset + furthest->size, ")"));
    if (!furthest || b.offset + b.size > furthest->offset + furthest->size) furthest = &b;
  }
  // Every byte outside the sections is zero, so that every byte of the file is checked by something
  // (a checksum or this rule) and a flipped bit anywhere is detected.
  uint64_t covered = table_end;
  auto check_gap = [&](uint64_t from, uint64_t to, const std::string& before) {
    for (uint64_t i = from; i < to; ++i)
      if (base[i] != 0)
        fail_at(file, concat("gap ", before), i,
                concat("byte is ", int{base[i]}, "; bytes between sections must be 0"));
  };
  for (const SectionRef& b : sorted) {
    if (b.offset > covered) check_gap(covered, b.offset, concat("before the ", section_name(b.kind)));
    covered = std::max(covered, b.offset + b.size);
  }
  check_gap(covered, size, "after the last section");
  for (const SectionRef& s : all) {
    const uint32_t actual = crc32c(base + s.offset, s.size);
    if (actual != s.checksum)
      fail_at(file, section_name(s.kind), s.offset,
              concat("checksum mismatch over its ", s.size, " bytes: stored ", s.checksum, ", computed ", actual));
  }
  return layout;
}

}  // namespace vigil::vgl
