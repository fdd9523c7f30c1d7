// voronka.toml: a project's settings for `voronka check` — the level of each
// lint and the level at which the check fails.
//
//   [lints]
//   all = "warning"                     # every lint not named below (default: warning)
//   stage-without-task = "off"          # error | warning | off
//   message-outside-workhours = "error"
//
//   [check]
//   fail-level = "warning"              # error (default) | warning
//
// `voronka check` looks for voronka.toml in the directory of each file it is
// given (a directory argument: in it) and then in the parents; the first one
// found applies to that file's program. `--config FILE` names one for all.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "compiler/diagnostics/diagnostic.h"

namespace voronka::driver {

enum class LintLevel : uint8_t { Off, Warning, Error };

struct ProjectConfig {
  std::filesystem::path path;  // where it was read from
  std::map<std::string, LintLevel, std::less<>> levels;
  std::optional<LintLevel> all;  // `all = …`: the level of the lints not named
  std::optional<Severity> failLevel;
};

inline constexpr const char* kProjectConfigName = "voronka.toml";

// Reads and validates a project file. On failure returns nullopt and puts a
// message in `error` ("voronka.toml:3:1: unknown lint `x`; did you mean …").
std::optional<ProjectConfig> loadProjectConfig(const std::filesystem::path& file, std::string& error);

// The nearest voronka.toml in `start` (a directory) or its parents.
std::optional<std::filesystem::path> findProjectConfig(const std::filesystem::path& start);

// Applies the lint levels to the diagnostics: `off` drops a lint, `error`
// makes it an error. `configFor` gives the configuration of a file (or null).
void applyLintLevels(DiagnosticSink& sink, const std::function<const ProjectConfig*(FileId)>& configFor);

// "error" / "warning" for --fail-level and [check] fail-level.
std::optional<Severity> parseFailLevel(std::string_view text);

}  // namespace voronka::driver
