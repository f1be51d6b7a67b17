// A tensor shape: up to kMaxRank dimensions, stored inline so that shapes never allocate.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>

namespace vigil {

inline constexpr int kMaxRank = 6;

// Largest element count any tensor may have (2^32): anything beyond is an absurd model, rejected at load
// rather than allowed to drive a huge allocation.
inline constexpr int64_t kMaxElements = int64_t{1} << 32;

struct Shape {
  int rank = 0;
  std::array<int64_t, kMaxRank> dims{};

  Shape() = default;
  Shape(std::initializer_list<int64_t> d);
  static Shape from(std::span<const int64_t> d);  // throws if rank > kMaxRank

  int64_t operator[](int i) const { return dims[static_cast<size_t>(i)]; }
  int64_t& operator[](int i) { return dims[static_cast<size_t>(i)]; }
  std::span<const int64_t> span() const { return {dims.data(), static_cast<size_t>(rank)}; }

  // Product of all dims (1 for a scalar).
  int64_t numel() const;
  // Product of dims [from, to).
  int64_t numel(int from, int to) const;

  bool operator==(const Shape& o) const;
  std::string str() const;  // "[1,3,256,256]"
};

// Throws vigil::Error naming `what` if any dim is negative/zero or the element count exceeds kMaxElements.
void check_shape_sane(const Shape& s, const std::string& what, bool allow_zero = false);

}  // namespace vigil
