// The .vgl flat model format (docs/FORMAT.md): writer, zero-copy mmap reader and validator.
#pragma once

#include <string>

#include "engine/error.h"
#include "engine/graph.h"

namespace vigil {

// Writes `g` (which must have passed validate_and_infer) to `path`. Throws Error on I/O failure.
void write_vgl(const Graph& g, const std::string& path);

// Maps `path`, validates every offset, size, count, dtype, shape, checksum and reference before use, and
// returns the graph. Constant tensors borrow the mapping (no copy); it stays mapped while any of them
// lives. Throws Error naming the file, the byte offset or field, and the reason.
Graph read_vgl(const std::string& path);

}  // namespace vigil
