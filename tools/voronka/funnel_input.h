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

// The lines of the files a module names, read from disk when asked (cached).
bc::SourceLines sourceLinesFromDisk();

}  // namespace voronka::tool
