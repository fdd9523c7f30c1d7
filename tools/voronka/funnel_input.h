// A funnel given on the command line of `diff` and `replay`: a .funnel
// source (or a directory of them), compiled as `voronka build` would, or a
// module built before (a .funnelc file, told by its magic bytes).
#pragma once

#include <optional>
#include <string>

#include "runtime/bytecode/disassembler.h"
#include "runtime/bytecode/module.h"

namespace voronka::tool {

struct FunnelInput {
  std::string path;
  bool fromSource = false;
  bc::Module module;
  std::string bytes;             // the module's bytes: as read, or as `voronka build` would write them
  std::string account;           // the account's title; empty when unknown (a module does not keep it)
  std::string checksum() const;  // as `voronka serve` records it in a store
};

// Prints "voronka: error: …" (and a source's diagnostics) to stderr and
// returns nullopt when the input cannot be read, compiled or loaded.
std::optional<FunnelInput> loadFunnelInput(const std::string& path, const std::string& stdlib);

// Whether a store that records the module checksum `checksum` (built from
// `modulePath`) can be read with `old`: the same bytes, or the module at
// that path has those bytes and the same positions (moddiff::samePositions)
// — as two builds of one source from other paths do. nullopt when it can,
// else why not.
std::optional<std::string> storeModuleMismatch(const FunnelInput& old, const std::string& checksum,
                                               const std::optional<std::string>& modulePath);

// The lines of the files a module names, read from disk when asked (cached).
bc::SourceLines sourceLinesFromDisk();

}  // namespace voronka::tool
