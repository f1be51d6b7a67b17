// TEMPORARY: placeholder definitions for ops whose binding is being written. Loading a graph that uses
// one fails with a clear error. Remove each use as the real op lands; delete this file when none remain.
#pragma once

#include "engine/error.h"
#include "engine/ops/op_defs.h"

#define VIGIL_UNIMPLEMENTED_OP(E)                                                                    \
  const OpDef k##E##Op{OpType::E,                                                                    \
                       [](const Node& node, std::span<const TensorInfo>, std::span<TensorInfo>) {    \
                         fail_node(node, "this op is not implemented yet");                          \
                       },                                                                            \
                       [](const BindContext& ctx) -> std::unique_ptr<OpKernel> {                     \
                         fail_node(ctx.node, "this op is not implemented yet");                      \
                       },                                                                            \
                       nullptr};
