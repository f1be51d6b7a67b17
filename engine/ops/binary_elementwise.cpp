#include "engine/ops/unimplemented.h"

namespace vigil::ops {

VIGIL_UNIMPLEMENTED_OP(Add)
VIGIL_UNIMPLEMENTED_OP(Sub)
VIGIL_UNIMPLEMENTED_OP(Mul)
VIGIL_UNIMPLEMENTED_OP(Div)

}  // namespace vigil::ops
