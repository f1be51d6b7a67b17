// Counts global operator new calls (all forms) made by the current thread while a scope is active, so
// tests can prove a code path performs no heap allocation. Defined in allocation_counter.cpp, which
// replaces the global allocation functions for the unit-test binary.
#pragma once

#include <cstddef>

namespace vigil::test {

class AllocationCounter {
 public:
  AllocationCounter();
  ~AllocationCounter();
  size_t count() const;
};

}  // namespace vigil::test
