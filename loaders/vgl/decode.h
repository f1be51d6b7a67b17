// The validating decoder behind read_vgl, on bytes already in memory. read_vgl maps the file and calls
// it; tests call it on exact-size heap copies so that AddressSanitizer can prove no byte outside the
// file is ever read (reads past the end of a mapping are invisible to it).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "engine/graph.h"

namespace vigil::vgl {

// Validates the `size` bytes at `base` as a .vgl file named `name` (for messages) and returns the graph;
// its constants point into `base` and hold `owner`, which must keep the bytes alive.
Graph decode_vgl(const uint8_t* base, uint64_t size, const std::string& name, std::shared_ptr<const void> owner);

}  // namespace vigil::vgl
