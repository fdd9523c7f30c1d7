// `-` among a command's paths: the funnel comes on standard input, standing
// for the file named by --stdin-filename (so an editor or a pre-commit hook
// can check an unsaved buffer with the right messages, `use` lines and
// voronka.toml).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "compiler/driver/compilation.h"

namespace voronka::tool {

// Adds --stdin-filename to `cmd`, stored in `target`.
void addStdinFilenameOption(CLI::App* cmd, std::string& target);

// Reads standard input when `paths` holds `-`; `input` stays empty when it
// does not. False, after printing "voronka: error: …", when standard input
// cannot be read or --stdin-filename is given without `-`.
bool readStandardInput(const std::vector<std::string>& paths, const std::string& stdinFilename,
                       std::optional<driver::StandardInput>& input);

}  // namespace voronka::tool
