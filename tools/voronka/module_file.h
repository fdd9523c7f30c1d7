// Reading a .funnelc module for the commands that run or show one
// (disasm, run, serve).
#pragma once

#include <optional>
#include <string>

#include "runtime/bytecode/module.h"

namespace voronka::tool {

struct ModuleFile {
  std::string bytes;  // as read (serve remembers their checksum)
  bc::Module module;  // loaded and verified
};

// Reads and loads `path`. On failure prints "voronka: error: …" to stderr,
// sets `exitCode` (2: cannot read the file, 1: not a valid module) and
// returns nullopt.
std::optional<ModuleFile> loadModuleFile(const std::string& path, int& exitCode);

}  // namespace voronka::tool
