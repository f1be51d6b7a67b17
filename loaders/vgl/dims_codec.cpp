#include "loaders/vgl/dims_codec.h"

#include "loaders/vgl/format.h"

namespace vigil::vgl {

void write_dims(ByteWriter& out, const Shape& shape) {
  for (int i = 0; i < kStoredDims; ++i) out.put<int64_t>(i < shape.rank ? shape[i] : 0);
}

Shape read_dims(ByteCursor& cur, uint8_t rank, uint64_t rank_offset, bool allow_zero) {
  if (rank > kMaxRank)
    cur.fail_field(rank_offset, "rank", concat("rank ", int{rank}, " exceeds the maximum ", kMaxRank));
  Shape s;
  s.rank = rank;
  int64_t elements = 1;
  for (int i = 0; i < kStoredDims; ++i) {
    const uint64_t at = cur.pos();
    const int64_t d = cur.i64("dims");
    if (i >= rank) {
      if (d != 0) cur.fail_field(at, concat("dim ", i), concat("is ", d, " past rank ", int{rank}, "; must be 0"));
      continue;
    }
    if (d < 0 || (d == 0 && !allow_zero))
      cur.fail_field(at, concat("dim ", i),
                     concat("dimension ", d, " is invalid (must be ", allow_zero ? ">= 0" : ">= 1", ")"));
    if (d > kMaxElements || (d > 0 && elements > kMaxElements / d))
      cur.fail_field(at, concat("dim ", i), concat("the shape has more than 2^32 elements (dimension ", d, ")"));
    elements *= d;
    s.dims[static_cast<size_t>(i)] = d;
  }
  return s;
}

}  // namespace vigil::vgl
