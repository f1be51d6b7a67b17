// The unit-test binary. Op tests check the reference semantics through the engine, so the engine's
// default kernel path is pinned to the reference kernels here; tests of the optimised paths name their
// path explicitly (EngineOptions::path) and compare it against the reference.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>

int main(int argc, char** argv) {
  setenv("VIGIL_ISA", "reference", /*overwrite=*/1);
  doctest::Context context(argc, argv);
  return context.run();
}
