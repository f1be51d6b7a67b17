#include "loaders/darknet/weights_reader.h"

#include <bit>
#include <cstring>
#include <fstream>
#include <iterator>

#include "engine/error.h"

namespace vigil::darknet {

static_assert(std::endian::native == std::endian::little, "darknet weights are little-endian; so is this reader");

WeightsReader::WeightsReader(const std::string& path, int64_t expected_floats) : name_(path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, ": cannot open darknet weights file");
  bytes_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) fail(path, ": error reading darknet weights file");
  parse(expected_floats);
}

WeightsReader::WeightsReader(std::vector<char> bytes, const std::string& name, int64_t expected_floats)
    : name_(name), bytes_(std::move(bytes)) {
  parse(expected_floats);
}

WeightsReader WeightsReader::zeros(int64_t expected_floats) {
  WeightsReader r;
  r.name_ = "(no weights file)";
  r.zero_ = true;
  r.total_ = expected_floats;
  return r;
}

void WeightsReader::parse(int64_t expected_floats) {
  const size_t size = bytes_.size();
  auto read_at = [&](size_t offset, void* dst, size_t n) { std::memcpy(dst, bytes_.data() + offset, n); };
  if (size < 12)
    fail(name_, ": truncated header: ", size, " bytes, but the version alone takes 12 (int32 major, minor, revision)");
  read_at(0, &header_.major, 4);
  read_at(4, &header_.minor, 4);
  read_at(8, &header_.revision, 4);
  if (header_.major < 0 || header_.minor < 0 || header_.revision < 0 || header_.major > 1000 || header_.minor > 1000)
    fail(name_, ": header version ", header_.major, ".", header_.minor, ".", header_.revision,
         " is not a darknet weights version (or uses the transposed format vigil does not read)");
  // Darknet's rule: 64-bit "seen" from version 0.2 on.
  const bool seen64 = header_.major * 10 + header_.minor >= 2;
  header_.header_bytes = seen64 ? 20 : 16;
  if (size < static_cast<size_t>(header_.header_bytes))
    fail(name_, ": truncated header: ", size, " bytes, but version ", header_.major, ".", header_.minor, ".",
         header_.revision, " has a ", header_.header_bytes, "-byte header (", seen64 ? 64 : 32, "-bit 'seen')");
  if (seen64) {
    read_at(12, &header_.seen, 8);
  } else {
    uint32_t seen32 = 0;
    read_at(12, &seen32, 4);
    header_.seen = seen32;
  }
  const size_t payload = size - static_cast<size_t>(header_.header_bytes);
  total_ = static_cast<int64_t>(payload / 4);
  if (payload % 4 != 0 || total_ != expected_floats)
    fail(name_, ": the cfg needs ", expected_floats, " floats after the ", header_.header_bytes,
         "-byte header, but the file holds ", total_,
         payload % 4 ? concat(" floats and ", payload % 4, " stray bytes") : std::string(" floats"),
         total_ < expected_floats   ? " (file too short)"
         : total_ > expected_floats ? " (file too long)"
                                    : "",
         ": wrong weights for this cfg?");
}

std::vector<float> WeightsReader::read(int64_t n, const std::string& what) {
  if (n < 0 || n > remaining()) fail(name_, ": ", what, " needs ", n, " floats but only ", remaining(), " remain");
  std::vector<float> out(static_cast<size_t>(n), 0.0f);
  if (!zero_ && n > 0)
    std::memcpy(out.data(), bytes_.data() + header_.header_bytes + position_ * 4, static_cast<size_t>(n) * 4);
  position_ += n;
  return out;
}

void write_weights_file(const std::string& path, std::span<const float> floats, uint64_t seen, int32_t major,
                        int32_t minor, int32_t revision) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) fail(path, ": cannot create weights file");
  out.write(reinterpret_cast<const char*>(&major), 4);
  out.write(reinterpret_cast<const char*>(&minor), 4);
  out.write(reinterpret_cast<const char*>(&revision), 4);
  if (major * 10 + minor >= 2) {
    out.write(reinterpret_cast<const char*>(&seen), 8);
  } else {
    uint32_t seen32 = static_cast<uint32_t>(seen);
    out.write(reinterpret_cast<const char*>(&seen32), 4);
  }
  out.write(reinterpret_cast<const char*>(floats.data()), static_cast<std::streamsize>(floats.size_bytes()));
  if (!out) fail(path, ": error writing weights file");
}

}  // namespace vigil::darknet
