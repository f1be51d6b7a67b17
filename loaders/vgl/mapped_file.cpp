#include "loaders/vgl/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/error.h"

namespace vigil::vgl {

namespace {

struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

MappedFile map_file(const std::string& path) {
  FileDescriptor f;
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd < 0) fail(path, ": cannot open: ", std::strerror(errno));
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) fail(path, ": cannot stat: ", std::strerror(errno));
  if (!S_ISREG(st.st_mode)) fail(path, ": not a regular file");
  MappedFile m;
  m.size = static_cast<uint64_t>(st.st_size);
  if (m.size == 0) return m;  // mmap of zero bytes is invalid; the validator reports the empty file
  void* p = ::mmap(nullptr, m.size, PROT_READ, MAP_PRIVATE, f.fd, 0);
  if (p == MAP_FAILED) fail(path, ": cannot map ", m.size, " bytes: ", std::strerror(errno));
  const size_t length = m.size;
  m.data = static_cast<const uint8_t*>(p);
  m.owner = std::shared_ptr<const void>(p, [length](const void* q) { ::munmap(const_cast<void*>(q), length); });
  return m;
}

}  // namespace vigil::vgl
