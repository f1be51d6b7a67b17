#include "apps/vigil/engine_flags.h"

#include <charconv>

#include "engine/error.h"
#include "engine/kernel_path.h"

namespace vigil::cli {

EngineOptions engine_options(const ParsedArgs& args, int& threads) {
  EngineOptions options;
  if (args.has("--isa")) options.path = require_kernel_path(args.get("--isa"), "--isa");
  threads = 1;
  if (args.has("--threads")) {
    const std::string text = args.get("--threads");
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), threads);
    if (ec != std::errc() || end != text.data() + text.size() || threads < 1 || threads > 256)
      fail("--threads: '", text, "' is not a thread count between 1 and 256");
  }
  options.max_threads = threads;
  return options;
}

}  // namespace vigil::cli
