// The METADATA section: key -> typed value (the attribute record encoding).
#pragma once

#include <string>

#include "engine/graph.h"
#include "loaders/vgl/byte_io.h"
#include "loaders/vgl/section_table.h"
#include "loaders/vgl/strings.h"

namespace vigil::vgl {

void encode_metadata(const Metadata& m, StringInterner& strings, ByteWriter& out);

// Validates the records (unique non-empty keys, known keys' kinds and constraints) and decodes them.
Metadata decode_metadata(const uint8_t* base, const FileLayout& layout, const StringTable& strings,
                         const std::string& file);

}  // namespace vigil::vgl
