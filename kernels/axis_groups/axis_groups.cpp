#include "kernels/axis_groups/axis_groups.h"

namespace vigil::kernels {

namespace {

// Offsets of every index combination of the axes `pick` selects, row-major over those axes.
std::vector<int64_t> offsets_of(std::span<const int64_t> dims, std::span<const bool> grouped, bool pick) {
  std::vector<int64_t> offsets{0};
  int64_t stride = 1;
  // From the last axis back: each selected axis multiplies the list, its index the slowest so far.
  for (size_t a = dims.size(); a-- > 0;) {
    if (grouped[a] == pick) {
      std::vector<int64_t> next;
      next.reserve(offsets.size() * static_cast<size_t>(dims[a]));
      for (int64_t i = 0; i < dims[a]; ++i)
        for (int64_t o : offsets) next.push_back(i * stride + o);
      offsets.swap(next);
    }
    stride *= dims[a];
  }
  return offsets;
}

}  // namespace

AxisGroups axis_groups(std::span<const int64_t> dims, std::span<const bool> grouped) {
  return {offsets_of(dims, grouped, false), offsets_of(dims, grouped, true)};
}

}  // namespace vigil::kernels
