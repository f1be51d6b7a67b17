// The .vgl header and section table: the first thing the reader validates (magic, version, sizes, section
// bounds, overlap, alignment, header and section checksums), before any section is decoded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vigil::vgl {

struct SectionRef {
  uint32_t kind = 0;
  uint32_t checksum = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t entry_offset = 0;  // where its table entry is, for messages
};

struct FileLayout {
  uint64_t file_size = 0;
  SectionRef strings, graph, tensors, weights, metadata;
  std::vector<SectionRef> optional;  // extension sections this reader does not know (validated, ignored)
};

// Validates header, section table and every section checksum of the file bytes [base, base + size).
FileLayout validate_layout(const uint8_t* base, uint64_t size, const std::string& file);

// CRC-32C of the header and section table with the header checksum field taken as zero. The table must
// lie within the buffer (callers check section_count first).
uint32_t header_checksum(const uint8_t* base, uint32_t section_count);

}  // namespace vigil::vgl
