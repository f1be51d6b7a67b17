// The static memory plan: every intermediate value, graph input/output and node workspace gets a fixed
// offset in one arena, chosen so that buffers whose lifetimes overlap never overlap in memory. The arena
// is allocated once per execution context; inference then allocates nothing. Values whose bytes sit inside
// another value (engine/value_alias.h: reshapes, contiguous slices, concat inputs) share its buffer.
#pragma once

#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include "engine/entry_by_entry.h"
#include "engine/graph.h"

namespace vigil {

inline constexpr size_t kNotInArena = std::numeric_limits<size_t>::max();

struct MemoryPlan {
  size_t arena_bytes = 0;                   // what the plan needs
  size_t naive_bytes = 0;                   // what one buffer per value and workspace would need
  std::vector<size_t> value_offset;         // per value id; kNotInArena for constants
  std::vector<size_t> workspace_offset;     // per node; kNotInArena when it needs none
  std::vector<int64_t> value_batch_stride;  // per value: TensorView::batch_stride (0: dense)
  // Entry by entry: per value, elements from one batch entry to the next in its buffer (0: a buffer of one
  // entry, reused by every pass).
  std::vector<int64_t> value_entry_stride;
  std::vector<bool> value_holds_one_entry;  // per value: its buffer holds one entry (the latest pass's)
};

// `workspace_bytes[i]` is node i's scratch need. Values live from their producer (or the start, for graph
// inputs) to their last consumer (or the end, for graph outputs). `accepts_batch_strides[i]`: node i's
// kernel honours strided views (find_value_aliases); empty: none does. `entries` (engine/entry_by_entry.h):
// nodes [entries.begin, entries.end) run once per batch entry; buffers only they use then hold one entry, and
// buffers crossing the run's boundary stay intact over all its passes.
MemoryPlan plan_memory(const Graph& g, std::span<const size_t> workspace_bytes,
                       const std::vector<bool>& accepts_batch_strides = {}, const EntryPlan& entries = {});

}  // namespace vigil
