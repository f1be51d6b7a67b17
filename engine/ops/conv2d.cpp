#include "engine/ops/unimplemented.h"

namespace vigil::ops {

VIGIL_UNIMPLEMENTED_OP(Conv2d)

}  // namespace vigil::ops
