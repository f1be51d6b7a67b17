#include "engine/shape.h"

#include "engine/error.h"

namespace vigil {

Shape::Shape(std::initializer_list<int64_t> d) {
  if (d.size() > kMaxRank) fail("shape of rank ", d.size(), " exceeds the maximum rank ", kMaxRank);
  rank = static_cast<int>(d.size());
  int i = 0;
  for (int64_t v : d) dims[static_cast<size_t>(i++)] = v;
}

Shape Shape::from(std::span<const int64_t> d) {
  if (d.size() > kMaxRank) fail("shape of rank ", d.size(), " exceeds the maximum rank ", kMaxRank);
  Shape s;
  s.rank = static_cast<int>(d.size());
  for (size_t i = 0; i < d.size(); ++i) s.dims[i] = d[i];
  return s;
}

int64_t Shape::numel() const { return numel(0, rank); }

int64_t Shape::numel(int from, int to) const {
  int64_t n = 1;
  for (int i = from; i < to; ++i) n *= dims[static_cast<size_t>(i)];
  return n;
}

bool Shape::operator==(const Shape& o) const {
  if (rank != o.rank) return false;
  for (int i = 0; i < rank; ++i)
    if (dims[static_cast<size_t>(i)] != o.dims[static_cast<size_t>(i)]) return false;
  return true;
}

std::string Shape::str() const {
  std::string s = "[";
  for (int i = 0; i < rank; ++i) {
    if (i) s += ',';
    s += std::to_string(dims[static_cast<size_t>(i)]);
  }
  return s + "]";
}

void check_shape_sane(const Shape& s, const std::string& what, bool allow_zero) {
  if (s.rank < 0 || s.rank > kMaxRank) fail(what, ": rank ", s.rank, " is outside 0..", kMaxRank);
  int64_t n = 1;
  for (int i = 0; i < s.rank; ++i) {
    int64_t d = s[i];
    if (d < 0 || (d == 0 && !allow_zero)) fail(what, ": dimension ", i, " of ", s.str(), " is ", d);
    if (d > 0 && n > kMaxElements / d) fail(what, ": shape ", s.str(), " has more than 2^32 elements");
    n *= d;
  }
}

}  // namespace vigil
