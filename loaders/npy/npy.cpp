#include "loaders/npy/npy.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "engine/error.h"
#include "loaders/npy/npy_header.h"

namespace vigil {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicBytes = 6;
constexpr size_t kAlignment = 64;  // NumPy pads the header so data starts at a multiple of 64

[[noreturn]] void fail_at(const std::string& file, std::string_view what, uint64_t offset, std::string_view why) {
  fail(file, ": ", what, " at byte ", offset, ": ", why);
}

class File {
 public:
  File(const std::string& path, const char* mode) : path_(path), f_(std::fopen(path.c_str(), mode)) {
    if (!f_) fail(path, ": cannot open: ", std::strerror(errno));
  }
  ~File() {
    if (f_) std::fclose(f_);
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  uint64_t size() const {
    struct stat st {};
    if (::fstat(::fileno(f_), &st) != 0) fail(path_, ": cannot stat: ", std::strerror(errno));
    if (!S_ISREG(st.st_mode)) fail(path_, ": not a regular file");
    return static_cast<uint64_t>(st.st_size);
  }
  void read(void* p, size_t n, uint64_t at) {
    if (n > 0 && std::fread(p, 1, n, f_) != n) fail(path_, ": read of ", n, " bytes at byte ", at, " failed");
  }
  void write(const void* p, size_t n) {
    if (n > 0 && std::fwrite(p, 1, n, f_) != n) fail(path_, ": write failed: ", std::strerror(errno));
  }
  void close() {
    std::FILE* f = f_;
    f_ = nullptr;
    if (std::fclose(f) != 0) fail(path_, ": write failed: ", std::strerror(errno));
  }

 private:
  std::string path_;
  std::FILE* f_;
};

uint32_t read_le(const unsigned char* p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

Tensor read_npy(const std::string& path) {
  File f(path, "rb");
  const uint64_t size = f.size();
  unsigned char prefix[12] = {};
  if (size < 10)
    fail_at(path, "npy preamble", 0, concat("the file is ", size, " bytes, shorter than the 10-byte .npy preamble"));
  f.read(prefix, 10, 0);
  if (std::memcmp(prefix, kMagic, kMagicBytes) != 0)
    fail_at(path, "npy magic", 0, "not a .npy file (it does not start with \\x93NUMPY)");
  const int major = prefix[6], minor = prefix[7];
  if (major < 1 || major > 3 || minor != 0)
    fail_at(path, "npy version", 6, concat("format version ", major, ".", minor, " is not supported (1.0, 2.0, 3.0)"));
  const int len_bytes = major == 1 ? 2 : 4;
  const uint64_t header_at = 8 + static_cast<uint64_t>(len_bytes);
  if (size < header_at)
    fail_at(path, "npy header length", 8, concat("the file ends at byte ", size, " inside the header length"));
  if (len_bytes == 4) f.read(prefix + 10, 2, 10);
  const uint64_t header_len = read_le(prefix + 8, len_bytes);
  if (header_len > size - header_at)
    fail_at(path, "npy header length", 8,
            concat("a header of ", header_len, " bytes would end at byte ", header_at + header_len,
                   ", past the end of the ", size, "-byte file"));
  std::string text(header_len, '\0');
  f.read(text.data(), header_len, header_at);
  const npy::Header h = npy::parse_header(text, header_at, path);
  if (h.fortran_order)
    fail_at(path, "npy header fortran_order", header_at,
            "Fortran-order arrays are not supported; save a C-order array (np.ascontiguousarray)");
  std::string why;
  const npy::DescrInfo info = npy::descr_info(h.descr, why);
  if (info.dtype == DType::Undefined) fail_at(path, "npy header descr", header_at, why);

  const uint64_t data_at = header_at + header_len;
  const uint64_t expected = static_cast<uint64_t>(h.shape.numel()) * info.item_size;  // numel <= 2^32
  const uint64_t actual = size - data_at;
  if (actual != expected)
    fail_at(path, "npy data", data_at,
            concat(actual < expected ? "too short" : "too long", ": shape ", h.shape.str(), " of '", h.descr,
                   "' needs ", expected, " bytes but the file has ", actual));

  Tensor t(info.dtype, h.shape);
  if (!info.from_f64) {
    f.read(t.mutable_data(), expected, data_at);
    return t;
  }
  // float64 -> float32, in chunks to bound the temporary buffer.
  float* out = t.mutable_f32();
  std::vector<double> chunk(static_cast<size_t>(std::min<int64_t>(t.numel(), 1 << 16)));
  for (int64_t done = 0; done < t.numel();) {
    const size_t n = static_cast<size_t>(std::min<int64_t>(t.numel() - done, static_cast<int64_t>(chunk.size())));
    f.read(chunk.data(), n * sizeof(double), data_at + static_cast<uint64_t>(done) * 8);
    for (size_t i = 0; i < n; ++i) out[static_cast<size_t>(done) + i] = static_cast<float>(chunk[i]);
    done += static_cast<int64_t>(n);
  }
  return t;
}

void write_npy(const std::string& path, const TensorView& t) {
  const std::string_view descr = npy::descr_of(t.dtype);
  if (descr.empty()) fail(path, ": write_npy: dtype ", dtype_name(t.dtype), " has no NumPy equivalent");
  check_shape_sane(t.shape, concat(path, ": write_npy"), /*allow_zero=*/true);
  if (t.bytes() > 0 && !t.data) fail(path, ": write_npy: the tensor has no data");

  // The dict of a rank <= 6 shape is at most a few hundred bytes, so format 1.0 (u16 length) always fits.
  const std::string dict = npy::format_header(descr, t.shape);
  const size_t preamble = kMagicBytes + 2 + 2;
  const size_t text_len = dict.size() + 1;                                 // + '\n'
  const size_t padding = kAlignment - (preamble + text_len) % kAlignment;  // NumPy pads 64 when already aligned
  const size_t header_len = text_len + padding;
  std::string head(kMagic, kMagicBytes);
  head += '\x01';
  head += '\0';
  head += static_cast<char>(header_len & 0xFF);
  head += static_cast<char>(header_len >> 8);
  head += dict;
  head.append(padding, ' ');
  head += '\n';

  File f(path, "wb");
  f.write(head.data(), head.size());
  f.write(t.data, t.bytes());
  f.close();
}

}  // namespace vigil
