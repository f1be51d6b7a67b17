// Model metadata from a JSON object (`vigil convert --metadata FILE.json`): each member becomes one
// metadata entry, so a user can describe any ONNX export (preprocessing, class names, YOLO anchors, an
// action model's labels and value names) without writing C++.
#pragma once

#include <string>

#include "engine/graph.h"
#include "loaders/json/json.h"

namespace vigil {

// Kinds: a string -> string; an integer -> int; any other number -> float; an array of strings ->
// strings; an array of numbers -> ints if all are integers, else floats. Where a known key
// (meta::known_kind) expects floats, integers are taken as floats (`"mean": [0, 0, 0]`); an empty array
// takes the known key's kind. Booleans, null, nested arrays/objects, mixed arrays, an empty array for an
// unknown key, floats beyond the f32 range and strings with a NUL byte are errors. Every entry then passes
// meta::check_metadata_entry (the constraints between keys are the caller's to check, on the metadata
// these entries are merged into). Errors name the file, the key and the byte offset.
Metadata metadata_from_json(const JsonValue& root, const std::string& file);

// read_json_file + metadata_from_json.
Metadata read_metadata_json(const std::string& path);

}  // namespace vigil
