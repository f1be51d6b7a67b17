// The .npy header: the Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...), }.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/dtype.h"
#include "engine/shape.h"

namespace vigil::npy {

struct Header {
  std::string descr;  // e.g. "<f4"
  bool fortran_order = false;
  Shape shape;
};

// Parses the dict text. `text_offset` is the file offset of its first byte; errors are
// "<file>: npy header at byte <offset>: <reason>" with the offset of the offending character.
Header parse_header(std::string_view text, uint64_t text_offset, const std::string& file);

// The dict text NumPy writes for (descr, C order, shape), before padding: keys sorted, "(n,)" for one dim,
// and the spare spaces NumPy adds so the first dim can grow in place.
std::string format_header(std::string_view descr, const Shape& shape);

// How a descr maps to a dtype when reading: the tensor's dtype and the stored item size.
struct DescrInfo {
  DType dtype = DType::Undefined;
  size_t item_size = 0;
  bool from_f64 = false;  // '<f8', converted to f32
};
// Returns dtype Undefined and sets `why` for unsupported descrs.
DescrInfo descr_info(std::string_view descr, std::string& why);

// The descr write_npy uses for a dtype; empty if NumPy has no such type (bf16).
std::string_view descr_of(DType t);

}  // namespace vigil::npy
