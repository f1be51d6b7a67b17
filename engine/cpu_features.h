// What this x86-64 CPU (and the OS, which must save the wider registers) supports, read once via cpuid.
// The engine picks kernel paths from it at load time, so one binary runs on any x86-64.
#pragma once

#include <string>

namespace vigil {

struct CpuFeatures {
  bool sse41 = false;
  bool avx = false;       // CPU and OS (XSAVE enables YMM state)
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;   // CPU and OS (XSAVE enables ZMM and opmask state)
  bool avx512bw = false;
  bool avx512dq = false;
  bool avx512vl = false;
  bool avx512vnni = false;
  bool avx512bf16 = false;
  std::string brand;      // "AMD EPYC 9R14 96-Core Processor"

  bool has_avx2_fma() const { return avx2 && fma; }
  bool has_avx512_core() const { return avx512f && avx512bw && avx512dq && avx512vl; }
  std::string summary() const;  // "avx2 fma avx512f avx512bw ..."
};

const CpuFeatures& cpu_features();

}  // namespace vigil
