// A read-only, private memory mapping of a whole file. The mapping is shared: tensors that borrow bytes
// from it hold a copy of `owner`, and the file is unmapped when the last holder goes away.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace vigil::vgl {

struct MappedFile {
  const uint8_t* data = nullptr;  // nullptr for an empty file
  uint64_t size = 0;
  std::shared_ptr<const void> owner;  // munmaps on destruction
};

// Opens, fstats and maps `path` (POSIX open/fstat/mmap). Throws Error naming the file and the reason.
MappedFile map_file(const std::string& path);

}  // namespace vigil::vgl
