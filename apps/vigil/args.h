// Strict command-line parsing for the vigil subcommands: every flag is declared, unknown flags and
// missing values are errors, and --help text is generated from the same declarations.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace vigil::cli {

struct FlagSpec {
  std::string name;        // "--output-dir"
  std::string value_name;  // "DIR"; empty for a boolean switch
  std::string help;
  bool repeatable = false;
};

struct CommandSpec {
  std::string name;    // "run"
  std::string usage;   // "MODEL.vgl --input NAME=FILE.npy [--output-dir DIR]"
  std::string summary;
  std::vector<FlagSpec> flags;
  int min_positionals = 0;
  int max_positionals = 0;
};

class ParsedArgs {
 public:
  std::vector<std::string> positionals;
  bool has(const std::string& flag) const { return values_.count(flag) > 0; }
  std::string get(const std::string& flag, const std::string& fallback = "") const;
  const std::vector<std::string>& all(const std::string& flag) const;
  std::map<std::string, std::vector<std::string>> values_;
};

// Throws vigil::Error for unknown flags, missing values, repeated non-repeatable flags and wrong
// positional counts. Returns std::nullopt-like empty result with help_requested = true for --help.
ParsedArgs parse_args(const CommandSpec& spec, int argc, char** argv, bool& help_requested);
std::string help_text(const CommandSpec& spec);

// "1x3x256x256" -> {1,3,256,256}; throws naming the flag on garbage.
std::vector<int64_t> parse_dims(const std::string& text, const std::string& flag);

}  // namespace vigil::cli
