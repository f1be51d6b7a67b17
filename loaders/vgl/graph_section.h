// The GRAPH section: value records, graph inputs/outputs and node records.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/graph.h"
#include "loaders/vgl/byte_io.h"
#include "loaders/vgl/section_table.h"
#include "loaders/vgl/strings.h"
#include "loaders/vgl/tensor_section.h"

namespace vigil::vgl {

void encode_graph(const Graph& g, StringInterner& strings, ByteWriter& out);

// What the file recorded for a value, checked against shape inference once the graph is assembled.
struct RecordedValue {
  DType dtype = DType::Undefined;  // Undefined: not recorded
  Shape shape;
  uint64_t record_offset = 0;
};

struct DecodedGraph {
  Graph graph;  // values, nodes, inputs, outputs; constants are left to the caller (they borrow the mapping)
  std::vector<RecordedValue> recorded;  // per value
};

// Validates and decodes the GRAPH section. Value records of constants are checked against `tensors`
// (index in range, each tensor used once, same name, dtype and shape).
DecodedGraph decode_graph(const uint8_t* base, const FileLayout& layout, const StringTable& strings,
                          const std::vector<TensorRecord>& tensors, const std::string& file);

}  // namespace vigil::vgl
