// Constants of the .vgl layout (docs/FORMAT.md is the specification; keep the two in step).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace vigil::vgl {

inline constexpr std::array<uint8_t, 8> kMagic = {0x89, 'V', 'G', 'L', '\r', '\n', 0x1a, '\n'};
// The newest format version this build reads. Writers write the lowest version that can hold the graph:
// 1, or 2 when a Conv2d carries residual_before_activation = 1 (act(conv + R)), which a version-1 reader
// would ignore and compute act(conv) + R instead: marking such files 2 makes old readers refuse them.
inline constexpr uint32_t kVersion = 2;
inline constexpr uint32_t kVersionResidualBeforeActivation = 2;

inline constexpr size_t kHeaderBytes = 32;
inline constexpr size_t kHeaderChecksumOffset = 24;
inline constexpr size_t kSectionEntryBytes = 24;
inline constexpr uint32_t kMaxSections = 64;

inline constexpr size_t kSectionAlignment = 8;
inline constexpr size_t kWeightsAlignment = 64;  // = kTensorAlignment: tensors are used in place

enum class SectionKind : uint32_t { Strings = 1, Graph = 2, Tensors = 3, Weights = 4, Metadata = 5 };
inline constexpr uint32_t kNumRequiredSections = 5;
inline constexpr uint32_t kOptionalSectionBit = 0x80000000u;  // unknown kinds with this bit are skipped

enum class ValueKind : uint8_t { Input = 0, Constant = 1, Intermediate = 2 };

inline constexpr size_t kStringsHeaderBytes = 8;
inline constexpr size_t kStringEntryBytes = 8;
inline constexpr size_t kGraphHeaderBytes = 16;
inline constexpr size_t kValueRecordBytes = 64;
inline constexpr size_t kNodeHeaderBytes = 24;
inline constexpr size_t kAttrHeaderBytes = 16;
inline constexpr size_t kTensorsHeaderBytes = 8;
inline constexpr size_t kTensorRecordBytes = 80;
inline constexpr size_t kMetadataHeaderBytes = 8;
inline constexpr uint32_t kMaxNodeAttributes = 1024;  // attribute lookups are linear: keep them short
inline constexpr int kStoredDims = 6;                 // dims arrays always hold 6 i64 (= kMaxRank)

constexpr size_t align_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

// "STRINGS", "GRAPH", ..., or "optional section 0x80000001" / "unknown section 7".
std::string section_name(uint32_t kind);

}  // namespace vigil::vgl
