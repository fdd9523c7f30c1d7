// Shared by the commands that compile funnel files (build, test): expand the
// paths, compile each program, and print what went wrong the way `check` does.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/check/program.h"
#include "compiler/driver/compilation.h"

namespace voronka::tool {

struct CompiledInputs {
  std::unique_ptr<driver::Compilation> compilation;
  std::vector<std::filesystem::path> files;
  std::vector<driver::ProgramFiles> programs;                 // one per root file
  std::vector<std::optional<check::CheckedProgram>> checked;  // nullopt where it had errors
  int exitCode = 0;                                           // 0 ok, 1 errors in the funnels, 2 usage or I/O error
};

// `stdlib` is the --stdlib option (empty: the session's default); `union_`
// makes one program of all the roots (for `build`).
// `color`: the --color option (auto, always, never; tools/voronka/color.h).
// A path `-` reads standard input, standing for `stdinFilename`
// (standard_input.h).
CompiledInputs compileInputs(const std::vector<std::string>& paths, const std::string& stdlib, bool union_,
                             std::string_view color = "auto", const std::string& stdinFilename = "");

// Prints the diagnostics (sorted) to stderr; returns how many errors.
size_t printDiagnostics(driver::Compilation& compilation, std::string_view colorOption = "auto");

}  // namespace voronka::tool
