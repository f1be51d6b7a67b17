// CRC-32C (Castagnoli), the checksum of .vgl sections, tensors and header (docs/FORMAT.md).
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil::vgl {

// Streaming form: start with crc = 0, feed pieces in order: crc32c(crc32c(0, a, n), b, m) == crc of a++b.
uint32_t crc32c(uint32_t crc, const void* data, size_t size);
inline uint32_t crc32c(const void* data, size_t size) { return crc32c(0, data, size); }

// The portable table-driven implementation, always available (tests compare the two paths).
uint32_t crc32c_portable(uint32_t crc, const void* data, size_t size);
// True when crc32c() uses the SSE4.2 instruction on this CPU.
bool crc32c_has_hardware();

}  // namespace vigil::vgl
