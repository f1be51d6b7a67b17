#include "loaders/vgl/tensor_section.h"

#include <algorithm>

#include "loaders/vgl/checksum.h"
#include "loaders/vgl/dims_codec.h"
#include "loaders/vgl/format.h"

namespace vigil::vgl {

void encode_tensors(const Graph& g, StringInterner& strings, ByteWriter& table, ByteWriter& weights) {
  // A tensor's name is that of the constant value that uses it.
  std::vector<const Value*> owner(g.constants.size(), nullptr);
  for (const Value& v : g.values)
    if (v.constant >= 0) {
      if (static_cast<size_t>(v.constant) >= g.constants.size())
        fail("write_vgl: value '", v.name, "' refers to constant ", v.constant, " of ", g.constants.size());
      if (owner[static_cast<size_t>(v.constant)])
        fail("write_vgl: constant ", v.constant, " is used by two values, '",
             owner[static_cast<size_t>(v.constant)]->name, "' and '", v.name, "'");
      owner[static_cast<size_t>(v.constant)] = &v;
    }
  if (g.constants.size() > UINT32_MAX) fail("write_vgl: too many constants");
  table.put<uint32_t>(static_cast<uint32_t>(g.constants.size()));
  table.put<uint32_t>(0);
  for (size_t i = 0; i < g.constants.size(); ++i) {
    const Tensor& t = g.constants[i];
    if (!owner[i]) fail("write_vgl: constant ", i, " is not used by any value");
    if (!dtype_is_known(static_cast<uint32_t>(t.dtype())))
      fail("write_vgl: constant '", owner[i]->name, "' has no valid dtype");
    check_shape_sane(t.shape(), concat("write_vgl: constant '", owner[i]->name, "'"), /*allow_zero=*/true);
    weights.align(kWeightsAlignment);
    const uint64_t offset = weights.size();
    const size_t bytes = t.bytes();
    if (bytes > 0) {
      if (!t.data()) fail("write_vgl: constant '", owner[i]->name, "' has no data");
      weights.put_bytes(t.data(), bytes);
    }
    table.put<uint32_t>(strings.add(owner[i]->name));
    table.put<uint8_t>(static_cast<uint8_t>(t.dtype()));
    table.put<uint8_t>(static_cast<uint8_t>(t.shape().rank));
    table.put<uint16_t>(0);
    table.put<uint32_t>(crc32c(t.data(), bytes));
    table.put<uint32_t>(0);
    table.put<uint64_t>(offset);
    table.put<uint64_t>(bytes);
    write_dims(table, t.shape());
  }
}

std::vector<TensorRecord> decode_tensors(const uint8_t* base, const FileLayout& layout, const StringTable& strings,
                                         const std::string& file) {
  const SectionRef& sec = layout.tensors;
  const SectionRef& weights = layout.weights;
  ByteCursor cur(base, sec.offset, sec.offset + sec.size, file, "TENSORS section");
  const uint64_t count_at = cur.pos();
  const uint32_t count = cur.u32("tensor_count");
  cur.zeros(4, "reserved");
  if (cur.remaining() != uint64_t{count} * kTensorRecordBytes)
    cur.fail_field(count_at, "tensor_count",
                   concat(count, " records need ", uint64_t{count} * kTensorRecordBytes, " bytes but the section has ",
                          cur.remaining(), " after its header"));
  std::vector<TensorRecord> records;
  records.reserve(count);                              // bounded: count * 80 == bytes in the section
  std::vector<std::pair<uint64_t, uint64_t>> extents;  // (offset, size) in the weights, index = record
  extents.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    TensorRecord r;
    r.record_offset = cur.pos();
    cur.set_context(concat("TENSORS section record ", i));
    r.name = strings.read(cur, "name");
    cur.set_context(concat("TENSORS section record ", i, " ('", r.name, "')"));
    const uint64_t dtype_at = cur.pos();
    const uint8_t dtype = cur.u8("dtype");
    const uint64_t rank_at = cur.pos();
    const uint8_t rank = cur.u8("rank");
    cur.zeros(2, "reserved");
    const uint32_t checksum = cur.u32("checksum");
    cur.zeros(4, "reserved");
    const uint64_t offset_at = cur.pos();
    const uint64_t offset = cur.u64("offset");
    const uint64_t size_at = cur.pos();
    const uint64_t size = cur.u64("size");
    if (!dtype_is_known(dtype)) cur.fail_field(dtype_at, "dtype", concat("unknown dtype code ", int{dtype}));
    r.dtype = static_cast<DType>(dtype);
    r.shape = read_dims(cur, rank, rank_at, /*allow_zero=*/true);
    const uint64_t expected = static_cast<uint64_t>(r.shape.numel()) * dtype_size(r.dtype);
    if (size != expected)
      cur.fail_field(
          size_at, "size",
          concat(size, " bytes, but shape ", r.shape.str(), " of ", dtype_name(r.dtype), " needs ", expected));
    if (offset % kWeightsAlignment != 0)
      cur.fail_field(offset_at, "offset", concat("offset ", offset, " is not a multiple of ", kWeightsAlignment));
    if (offset > weights.size || size > weights.size - offset)
      cur.fail_field(
          offset_at, "offset",
          concat("tensor [", offset, ", +", size, ") lies outside the ", weights.size, "-byte WEIGHTS section"));
    r.data = base + weights.offset + offset;
    if (const uint32_t actual = crc32c(r.data, size); actual != checksum)
      cur.fail_field(r.record_offset + 8, "checksum",
                     concat("tensor data at byte ", weights.offset + offset, " is corrupt: stored checksum ", checksum,
                            ", computed ", actual));
    records.push_back(r);
    extents.emplace_back(offset, size);
  }
  // Tensors may not share bytes (empty tensors share nothing).
  std::vector<uint32_t> order(count);
  for (uint32_t i = 0; i < count; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return extents[a].first < extents[b].first; });
  uint64_t furthest_end = 0;
  uint32_t furthest = 0;
  bool any = false;
  for (uint32_t i : order) {
    if (extents[i].second == 0) continue;
    if (any && extents[i].first < furthest_end)
      fail_at(file, concat("TENSORS section record ", i, " ('", records[i].name, "') offset"),
              records[i].record_offset + 16,
              concat("overlaps tensor ", furthest, " ('", records[furthest].name, "') in the WEIGHTS section"));
    if (!any || extents[i].first + extents[i].second > furthest_end) {
      furthest_end = extents[i].first + extents[i].second;
      furthest = i;
    }
    any = true;
  }
  return records;
}

}  // namespace vigil::vgl
