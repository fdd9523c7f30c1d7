// The driver: loads files, follows `use` to build each program (a root file
// and everything it uses), parses each file once, and runs the checker.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/check/program.h"
#include "compiler/diagnostics/diagnostic.h"
#include "compiler/driver/program_files.h"
#include "compiler/parse/parse.h"
#include "compiler/source/source.h"

namespace voronka::driver {

// A funnel read from standard input (`voronka check -`): it stands for the
// file at `path` (--stdin-filename, default `<stdin>` in the working
// directory), so messages name that path and its `use` lines and
// voronka.toml are found from that directory. The file need not exist.
struct StandardInput {
  std::filesystem::path path;
  std::string text;
};

struct CompileOptions {
  std::filesystem::path stdlibDir;  // where `use std.NAME` looks
  std::optional<StandardInput> standardInput;
  parse::ParseOptions parse;
  bool lint = true;  // run the lints (compiler/lint) on programs that check without errors
};

// Reads files from disk; `Session::newCompilation` makes one with the
// session's standard library.
class Compilation : private FileLoader {
 public:
  explicit Compilation(CompileOptions options);
  Compilation(const Compilation&) = delete;  // its UseResolver points back at it
  Compilation& operator=(const Compilation&) = delete;

  // Loads and parses a file given by the user. On failure returns nullopt and
  // puts the reason in `error` (a usage error, not a diagnostic).
  std::optional<FileId> loadRoot(const std::filesystem::path& path, std::string& error);
  // Follows the `use` declarations from `root`, loading what is missing.
  ProgramFiles collect(FileId root) { return uses_.collect(root); }
  // Checks one program, then lints it if the checker found no errors;
  // nullopt when it had load or syntax errors.
  std::optional<check::CheckedProgram> check(const ProgramFiles& program);

  const ast::Module& module(FileId id) const { return *modules_.at(id).module; }
  const SourceManager& sources() const { return sources_; }
  DiagnosticSink& diagnostics() { return diagnostics_; }
  const CompileOptions& options() const { return options_; }

 private:
  // FileLoader, for the UseResolver.
  std::optional<FileId> load(const UseTarget& target, std::string& error) override;
  std::string pathOf(FileId file) override { return sources_.file(file).path(); }
  ParsedModules parsed(FileId file) override;

  std::optional<FileId> loadFile(const std::filesystem::path& path, const std::string& displayPath, std::string& error);

  CompileOptions options_;
  SourceManager sources_;
  DiagnosticSink diagnostics_;
  std::map<FileId, parse::ParseResult> modules_;
  std::map<std::string, FileId> byCanonicalPath_;
  UseResolver uses_{*this, options_.stdlibDir, diagnostics_};
};

// Expands files and directories (recursively, `*.funnel`, sorted) given on the
// command line. Unreadable arguments are returned in `errors`. `-` stands for
// `standardInput`'s path; without one, `-` is an error.
std::vector<std::filesystem::path> expandInputs(const std::vector<std::string>& args, std::vector<std::string>& errors,
                                                const std::optional<StandardInput>& standardInput = std::nullopt);

// Runs `fn` on a thread with a large stack: deep but legal input must not
// overflow the parser's or checker's recursion.
void runWithLargeStack(const std::function<void()>& fn);

}  // namespace voronka::driver
