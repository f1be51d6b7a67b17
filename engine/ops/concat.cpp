#include "engine/ops/unimplemented.h"

namespace vigil::ops {

VIGIL_UNIMPLEMENTED_OP(Concat)

}  // namespace vigil::ops
