// The TENSORS section (tensor table) and the WEIGHTS section it points into.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/graph.h"
#include "loaders/vgl/byte_io.h"
#include "loaders/vgl/section_table.h"
#include "loaders/vgl/strings.h"

namespace vigil::vgl {

// Writes the tensor table (into `table`) and the weights (into `weights`, each tensor 64-aligned).
void encode_tensors(const Graph& g, StringInterner& strings, ByteWriter& table, ByteWriter& weights);

struct TensorRecord {
  std::string_view name;
  DType dtype = DType::Undefined;
  Shape shape;
  const uint8_t* data = nullptr;  // inside the mapping, 64-byte aligned
  uint64_t record_offset = 0;     // file offset of the record, for messages
};

// Validates every record (dtype, rank, dims, size, alignment, bounds, no overlap, checksum).
std::vector<TensorRecord> decode_tensors(const uint8_t* base, const FileLayout& layout, const StringTable& strings,
                                         const std::string& file);

}  // namespace vigil::vgl
