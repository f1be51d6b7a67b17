#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "engine/cpu_features.h"

// cpuid's answer must agree with what the kernel tells /proc/cpuinfo (Linux only; the flags there are
// also masked by what the OS enables, as ours are).
TEST_CASE("cpu features agree with /proc/cpuinfo") {
  std::ifstream in("/proc/cpuinfo");
  std::string line, flags;
  while (std::getline(in, line))
    if (line.rfind("flags", 0) == 0) {
      flags = " " + line.substr(line.find(':') + 1) + " ";
      break;
    }
  REQUIRE_FALSE(flags.empty());
  auto has = [&](const char* f) { return flags.find(std::string(" ") + f + " ") != std::string::npos; };
  const auto& cpu = vigil::cpu_features();
  CHECK(cpu.avx2 == has("avx2"));
  CHECK(cpu.fma == has("fma"));
  CHECK(cpu.avx512f == has("avx512f"));
  CHECK(cpu.avx512bw == has("avx512bw"));
  CHECK(cpu.avx512vl == has("avx512vl"));
  CHECK(cpu.avx512vnni == has("avx512_vnni"));
  CHECK(cpu.avx512bf16 == has("avx512_bf16"));
  CHECK_FALSE(cpu.brand.empty());
}
