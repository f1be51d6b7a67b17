#include "apps/vigil/args.h"

#include <charconv>

#include "engine/error.h"

namespace vigil::cli {

std::string ParsedArgs::get(const std::string& flag, const std::string& fallback) const {
  auto it = values_.find(flag);
  return it == values_.end() || it->second.empty() ? fallback : it->second.back();
}

const std::vector<std::string>& ParsedArgs::all(const std::string& flag) const {
  static const std::vector<std::string> none;
  auto it = values_.find(flag);
  return it == values_.end() ? none : it->second;
}

ParsedArgs parse_args(const CommandSpec& spec, int argc, char** argv, bool& help_requested) {
  ParsedArgs out;
  help_requested = false;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help_requested = true;
      return out;
    }
    if (arg.size() > 1 && arg[0] == '-' && arg != "-") {
      std::string name = arg, inline_value;
      bool has_inline = false;
      if (auto eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) == 0) {
        name = arg.substr(0, eq);
        inline_value = arg.substr(eq + 1);
        has_inline = true;
      }
      const FlagSpec* flag = nullptr;
      for (const auto& f : spec.flags)
        if (f.name == name) flag = &f;
      if (!flag) fail("vigil ", spec.name, ": unknown option '", name, "' (see vigil ", spec.name, " --help)");
      if (!flag->repeatable && out.has(name)) fail("vigil ", spec.name, ": option ", name, " given twice");
      if (flag->value_name.empty()) {
        if (has_inline) fail("vigil ", spec.name, ": option ", name, " takes no value");
        out.values_[name].push_back("1");
      } else if (has_inline) {
        out.values_[name].push_back(inline_value);
      } else {
        if (i + 1 >= argc) fail("vigil ", spec.name, ": option ", name, " needs a value (", flag->value_name, ")");
        out.values_[name].push_back(argv[++i]);
      }
      continue;
    }
    out.positionals.push_back(arg);
  }
  const int n = static_cast<int>(out.positionals.size());
  if (n < spec.min_positionals || n > spec.max_positionals)
    fail("vigil ", spec.name, ": expected ", spec.usage, " (see vigil ", spec.name, " --help)");
  return out;
}

std::string help_text(const CommandSpec& spec) {
  std::string s = concat("usage: vigil ", spec.name, " ", spec.usage, "\n\n", spec.summary, "\n");
  if (!spec.flags.empty()) s += "\noptions:\n";
  for (const auto& f : spec.flags) {
    std::string left = f.name + (f.value_name.empty() ? "" : " " + f.value_name);
    s += concat("  ", left, std::string(left.size() < 28 ? 28 - left.size() : 1, ' '), f.help,
                f.repeatable ? " (repeatable)" : "", "\n");
  }
  s += "  --help                      show this help\n";
  return s;
}

std::vector<int64_t> parse_dims(const std::string& text, const std::string& flag) {
  std::vector<int64_t> dims;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('x', pos);
    if (end == std::string::npos) end = text.size();
    int64_t v = 0;
    auto [p, ec] = std::from_chars(text.data() + pos, text.data() + end, v);
    if (ec != std::errc() || p != text.data() + end || v <= 0)
      fail(flag, ": '", text, "' is not a shape like 1x3x256x256");
    dims.push_back(v);
    pos = end + 1;
  }
  return dims;
}

}  // namespace vigil::cli
