// read_vgl: map the file, validate everything, then assemble a graph whose constants borrow the mapping.
#include "engine/error.h"
#include "loaders/vgl/decode.h"
#include "loaders/vgl/format.h"
#include "loaders/vgl/graph_section.h"
#include "loaders/vgl/mapped_file.h"
#include "loaders/vgl/metadata_keys.h"
#include "loaders/vgl/metadata_section.h"
#include "loaders/vgl/section_table.h"
#include "loaders/vgl/strings.h"
#include "loaders/vgl/tensor_section.h"
#include "loaders/vgl/vgl.h"

namespace vigil {

using namespace vgl;

namespace {

// Shape inference is re-run on load; what the file recorded for intermediates must agree with it.
void check_recorded_shapes(const Graph& g, const std::vector<RecordedValue>& recorded, const std::string& file) {
  for (size_t i = 0; i < g.values.size(); ++i) {
    const Value& v = g.values[i];
    const RecordedValue& r = recorded[i];
    if (v.constant >= 0 || r.dtype == DType::Undefined) continue;
    if (v.dtype != r.dtype || !(v.shape == r.shape))
      fail_at(file, concat("GRAPH section value ", i, " ('", v.name, "') dtype/shape"), r.record_offset + 4,
              concat("the file records ", dtype_name(r.dtype), r.shape.str(), " but shape inference gives ",
                     dtype_name(v.dtype), v.shape.str()));
  }
}

}  // namespace

Graph vgl::decode_vgl(const uint8_t* base, uint64_t size, const std::string& path, std::shared_ptr<const void> owner) {
  const FileLayout layout = validate_layout(base, size, path);
  const StringTable strings = StringTable::decode(
      ByteCursor(base, layout.strings.offset, layout.strings.offset + layout.strings.size, path, "STRINGS section"));
  const std::vector<TensorRecord> tensors = decode_tensors(base, layout, strings, path);
  DecodedGraph decoded = decode_graph(base, layout, strings, tensors, path);
  Graph& g = decoded.graph;
  g.metadata = decode_metadata(base, layout, strings, path);

  // Everything is validated: hand out views into the bytes. Each holds the owner (the mapping) alive.
  g.constants.reserve(tensors.size());
  for (const TensorRecord& t : tensors) g.constants.push_back(Tensor::borrow(t.dtype, t.shape, t.data, owner));

  try {
    validate_and_infer(g);
  } catch (const Error& e) {
    fail_at(path, "GRAPH section", layout.graph.offset, e.what());
  }
  check_recorded_shapes(g, decoded.recorded, path);
  try {
    meta::check_metadata_against_graph(g);  // needs the inferred shapes
  } catch (const Error& e) {
    fail_at(path, "METADATA section", layout.metadata.offset, e.what());
  }
  return std::move(decoded.graph);
}

Graph read_vgl(const std::string& path) {
  const MappedFile file = map_file(path);
  return decode_vgl(file.data, file.size, path, file.owner);
}

}  // namespace vigil
