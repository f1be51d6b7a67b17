#include "loaders/onnx/external_data.h"

#include <fstream>
#include <system_error>

#include "engine/error.h"

namespace vigil::onnx {
namespace {

namespace fs = std::filesystem;

// The file a location names, refusing what could read outside the model's folder: absolute paths, '..'
// and root names. ONNX Runtime refuses the same.
fs::path checked_location(const TensorProto& t, const fs::path& folder) {
  const fs::path location(t.external.location);
  auto bad = [&](const char* why) {
    fail("tensor '", t.name, "': external data location '", t.external.location, "' ", why);
  };
  if (location.is_absolute() || location.has_root_name() || location.has_root_directory())
    bad("is an absolute path; it must be relative to the model's folder");
  for (const auto& part : location)
    if (part == "..") bad("leaves the model's folder ('..')");
  return folder / location;
}

void read_external(TensorProto& t, const fs::path& folder) {
  const fs::path file = checked_location(t, folder);
  const std::string where = concat("tensor '", t.name, "': external data file '", file.string(), "'");
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) fail(where, ": not found or not a regular file");
  const uintmax_t file_size = fs::file_size(file, ec);
  if (ec) fail(where, ": cannot read its size (", ec.message(), ")");

  const uint64_t need = static_cast<uint64_t>(t.element_count) * loadable_element_size(t.data_type);
  if (t.external.has_length && t.external.length != need)
    fail(where, ": length ", t.external.length, " but ", t.element_count, " elements of ", data_type_name(t.data_type),
         " take ", need, " bytes");
  if (t.external.offset > file_size || need > file_size - t.external.offset)
    fail(where, ": holds ", file_size, " bytes, too few for ", need, " bytes at offset ", t.external.offset);

  std::ifstream in(file, std::ios::binary);
  if (!in) fail(where, ": cannot open it");
  in.seekg(static_cast<std::streamoff>(t.external.offset));
  t.decoded.resize(need);
  if (need > 0 && !in.read(reinterpret_cast<char*>(t.decoded.data()), static_cast<std::streamsize>(need)))
    fail(where, ": read error at offset ", t.external.offset);
  t.unloadable.clear();
}

void resolve(TensorProto& t, const fs::path& folder) {
  // A tensor whose dtype vigil cannot load keeps its reason; it fails only if the graph uses it.
  if (t.is_external && loadable_element_size(t.data_type) != 0) read_external(t, folder);
}

}  // namespace

void resolve_external_data(ModelProto& model, const fs::path& model_folder) {
  for (TensorProto& t : model.graph.initializers) resolve(t, model_folder);
  for (NodeProto& n : model.graph.nodes)
    for (AttributeProto& a : n.attributes)
      if (a.t) resolve(*a.t, model_folder);
}

}  // namespace vigil::onnx
