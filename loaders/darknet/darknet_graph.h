// Turning a parsed darknet Network plus its weights into a vigil graph (see docs/DARKNET.md for the
// mapping of every section onto vigil ops).
#pragma once

#include <string>
#include <vector>

#include "engine/graph.h"
#include "loaders/darknet/darknet_import.h"
#include "loaders/darknet/darknet_layers.h"
#include "loaders/darknet/weights_reader.h"

namespace vigil::darknet {

// Builds, validates and shape-checks the graph: after the engine's shape inference every layer's value
// must have exactly the shape darknet's formulas gave it (a mismatch is an internal error naming the
// layer). `weights` must hold exactly net.total_weight_floats() floats; `class_names` may be empty.
Graph build_graph(const Network& net, WeightsReader& weights, const DarknetImportOptions& options,
                  const std::vector<std::string>& class_names);

}  // namespace vigil::darknet
