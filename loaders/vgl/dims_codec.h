// The fixed 6 x i64 dims arrays of value and tensor records.
#pragma once

#include "engine/shape.h"
#include "loaders/vgl/byte_io.h"

namespace vigil::vgl {

void write_dims(ByteWriter& out, const Shape& shape);

// Reads the dims array for a record whose rank (already read at `rank_offset`) is `rank`: checks the rank
// is 0..6, each used dim is >= 0 (>= 1 unless allow_zero), unused dims are 0 and the element count is at
// most 2^32.
Shape read_dims(ByteCursor& cur, uint8_t rank, uint64_t rank_offset, bool allow_zero);

}  // namespace vigil::vgl
