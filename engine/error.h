// Errors that reach the user. Loading, validation and shape inference throw vigil::Error with a message
// that names the file, node or field and says why; run() never throws for valid, loaded models.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace vigil {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Builds a message from any streamable parts: fail("node '", name, "': expected ", n, " inputs").
template <typename... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

template <typename... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  throw Error(concat(parts...));
}

}  // namespace vigil
