#include "engine/ops/unimplemented.h"

namespace vigil::ops {

VIGIL_UNIMPLEMENTED_OP(Reshape)
VIGIL_UNIMPLEMENTED_OP(Flatten)
VIGIL_UNIMPLEMENTED_OP(Squeeze)
VIGIL_UNIMPLEMENTED_OP(Unsqueeze)

}  // namespace vigil::ops
