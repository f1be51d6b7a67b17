// Attribute records (docs/FORMAT.md, "Attribute record"): the typed (name, value) pairs of nodes and of
// the metadata section share one encoding.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "engine/attributes.h"
#include "loaders/vgl/byte_io.h"
#include "loaders/vgl/strings.h"

namespace vigil::vgl {

void encode_attr(ByteWriter& out, StringInterner& strings, std::string_view name, const AttrValue& value);

// Decodes one record at the cursor (which must be 8-aligned), checking kind, count, payload bounds,
// string indices, reserved bytes and padding. Returns the name and the value.
std::pair<std::string, AttrValue> decode_attr(ByteCursor& cur, const StringTable& strings);

}  // namespace vigil::vgl
