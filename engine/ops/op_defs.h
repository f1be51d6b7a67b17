// Declarations of every op's definition; each is defined in the engine/ops/ file named after the op.
#pragma once

#include "engine/op_def.h"

namespace vigil::ops {

#define VIGIL_OP_DECL(e, ...) extern const OpDef k##e##Op;
VIGIL_OPS(VIGIL_OP_DECL)
#undef VIGIL_OP_DECL

}  // namespace vigil::ops
