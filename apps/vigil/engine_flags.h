// The flags every model-running command shares: --isa and --threads.
#pragma once

#include "apps/vigil/args.h"
#include "engine/executor.h"

namespace vigil::cli {

inline const FlagSpec kIsaFlag{"--isa", "PATH",
                               "kernels: reference, scalar, avx2 or avx512 (default: VIGIL_ISA, else the best this CPU has)"};
inline const FlagSpec kThreadsFlag{"--threads", "N", "threads working on each inference (default 1)"};

// Engine options and thread count from the parsed flags; throws naming the flag on bad values.
EngineOptions engine_options(const ParsedArgs& args, int& threads);

}  // namespace vigil::cli
