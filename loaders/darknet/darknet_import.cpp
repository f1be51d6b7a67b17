#include "loaders/darknet/darknet_import.h"

#include <fstream>

#include "engine/error.h"
#include "loaders/darknet/cfg_parser.h"
#include "loaders/darknet/darknet_graph.h"
#include "loaders/darknet/darknet_layers.h"
#include "loaders/darknet/weights_reader.h"

namespace vigil {

namespace {

// One class name per line; trailing whitespace (and a Windows '\r') is dropped, blank lines at the end
// are ignored, a blank line before the last name is an error (it would shift every later class id).
std::vector<std::string> read_class_names(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail(path, ": cannot open class names file");
  std::vector<std::string> names;
  int blank_line = 0, line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    if (line.empty()) {
      if (!blank_line) blank_line = line_no;
      continue;
    }
    if (blank_line) fail(path, ":", blank_line, ": blank line between class names (class ids would shift)");
    names.push_back(line);
  }
  if (names.empty()) fail(path, ": no class names");
  return names;
}

}  // namespace

Graph import_darknet(const std::string& cfg_path, const std::string& weights_path,
                     const DarknetImportOptions& options) {
  if (!(options.batch_norm_epsilon > 0)) fail("darknet import: batch_norm_epsilon must be positive");
  darknet::Network net = darknet::parse_network(darknet::read_cfg_file(cfg_path));
  std::vector<std::string> names;
  if (!options.names_path.empty()) names = read_class_names(options.names_path);
  const int64_t needed = net.total_weight_floats();
  darknet::WeightsReader weights =
      weights_path.empty() ? darknet::WeightsReader::zeros(needed) : darknet::WeightsReader(weights_path, needed);
  return darknet::build_graph(net, weights, options, names);
}

}  // namespace vigil
