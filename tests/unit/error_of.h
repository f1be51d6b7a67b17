// The message of the vigil::Error a callable throws, for tests that check what an error says.
#pragma once

#include <string>

#include "engine/error.h"

namespace vigil::test {

// "(no error)" when `f` returns normally, so a missing error shows up plainly in a failed CHECK.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace vigil::test
