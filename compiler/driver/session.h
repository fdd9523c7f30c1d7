// A session: what the subcommands and the language server share across
// compilations — where the standard library is, and the voronka.toml of each
// file (found, read once, and read again when it changes on disk, so that a
// long-running language server sees edits to it).
//
//   driver::Session session({.stdlibDir = flags.stdlib});    // empty: the default
//   if (!flags.config.empty() && !session.useConfigFile(flags.config, error)) …
//   auto compilation = session.newCompilation(/*lint=*/true);
//   const driver::ProjectConfig* config = session.configFor(file, error);
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "compiler/driver/compilation.h"
#include "compiler/driver/project_config.h"

namespace voronka::driver {

struct SessionOptions {
  std::filesystem::path stdlibDir;             // --stdlib; empty: defaultStdlibDir()
  std::optional<StandardInput> standardInput;  // `-` on the command line (compilation.h)
};

class Session {
 public:
  explicit Session(SessionOptions options = {});

  const std::filesystem::path& stdlibDir() const { return stdlibDir_; }
  const std::optional<StandardInput>& standardInput() const { return standardInput_; }

  // A compilation that reads `use std.*` from this session's standard library.
  // `lint`: run the lints on programs the checker accepts.
  std::unique_ptr<Compilation> newCompilation(bool lint, const parse::ParseOptions& parse = {}) const;

  // Every file takes this voronka.toml (`--config FILE`) instead of the
  // nearest one. False, with a message in `error`, when it cannot be used.
  bool useConfigFile(const std::filesystem::path& file, std::string& error);
  // The configuration of a file: the one given to useConfigFile, else the
  // nearest voronka.toml in the file's directory or above it. Null when there
  // is none, or when it cannot be used: then `error` says why.
  const ProjectConfig* configFor(const std::filesystem::path& file, std::string& error);
  // The strictest `[check] fail-level` of the configurations used so far.
  std::optional<Severity> failLevel() const;

 private:
  struct FoundConfig {
    ProjectConfig config;
    std::filesystem::file_time_type modified;  // when read
  };

  std::filesystem::path stdlibDir_;
  std::optional<StandardInput> standardInput_;
  std::optional<ProjectConfig> configFile_;
  std::map<std::filesystem::path, FoundConfig> found_;  // by the path of the voronka.toml
};

}  // namespace voronka::driver
