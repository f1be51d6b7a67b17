#include "engine/ops/unimplemented.h"

namespace vigil::ops {

VIGIL_UNIMPLEMENTED_OP(MatMul)

}  // namespace vigil::ops
