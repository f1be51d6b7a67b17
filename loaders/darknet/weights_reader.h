// Reading a darknet .weights file: a header (int32 major, minor, revision, then the "seen" image counter,
// uint64 when major*10+minor >= 2 and uint32 before) followed by raw little-endian float32s, which the
// layers consume in cfg order. The whole float count is checked against what the cfg needs before any
// layer reads, so that a short or long file is reported with both numbers.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vigil::darknet {

struct WeightsHeader {
  int32_t major = 0, minor = 0, revision = 0;
  uint64_t seen = 0;
  int header_bytes = 0;  // 16 (32-bit seen) or 20 (64-bit seen)
};

class WeightsReader {
 public:
  // Reads `path` whole and parses its header. `expected_floats` is what the cfg needs; any other count
  // (too few or too many floats, or trailing bytes that are not a whole float) is an error naming both.
  WeightsReader(const std::string& path, int64_t expected_floats);
  // Parses an in-memory file (for tests and for callers holding the bytes already).
  WeightsReader(std::vector<char> bytes, const std::string& name, int64_t expected_floats);
  // No file: every read yields zeros (cfg-only imports for shape checks).
  static WeightsReader zeros(int64_t expected_floats);

  const WeightsHeader& header() const { return header_; }
  // The next n floats; `what` names them for the (defensive) error if the stream is exhausted.
  std::vector<float> read(int64_t n, const std::string& what);
  int64_t remaining() const { return total_ - position_; }

 private:
  WeightsReader() = default;
  void parse(int64_t expected_floats);

  std::string name_;
  std::vector<char> bytes_;
  bool zero_ = false;
  WeightsHeader header_;
  int64_t total_ = 0;     // floats in the file
  int64_t position_ = 0;  // floats consumed
};

// Writes a darknet weights file (version 0.2.5, 64-bit seen) holding `floats`: for tests and tools.
void write_weights_file(const std::string& path, std::span<const float> floats, uint64_t seen = 0, int32_t major = 0,
                        int32_t minor = 2, int32_t revision = 5);

}  // namespace vigil::darknet
