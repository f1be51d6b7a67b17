#include "engine/ops/unimplemented.h"

namespace vigil::ops {

VIGIL_UNIMPLEMENTED_OP(MaxPool)
VIGIL_UNIMPLEMENTED_OP(AveragePool)
VIGIL_UNIMPLEMENTED_OP(GlobalAveragePool)

}  // namespace vigil::ops
