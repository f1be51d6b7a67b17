// The clean-up that ends a pass which removed nodes or rewired inputs: values nothing refers to any
// more, and constants no value refers to, are removed and the remaining ids renumbered.
#pragma once

#include <vector>

#include "engine/graph.h"

namespace vigil {

// Keeps the values a node reads or writes (absent optional outputs aside) and the graph inputs and
// outputs; keeps the constants the kept values refer to, in their order. Does not re-run validation.
void drop_unreferenced(Graph& g);

// Removes the nodes marked in `drop` (one flag per node), then what drop_unreferenced removes.
void drop_nodes(Graph& g, const std::vector<bool>& drop);

}  // namespace vigil
