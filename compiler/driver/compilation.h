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
#include "compiler/parse/parse.h"
#include "compiler/source/source.h"

namespace voronka::driver {

struct CompileOptions {
  std::filesystem::path stdlibDir;  // where `use std.NAME` looks
  parse::ParseOptions parse;
  bool lint = true;  // run the lints (compiler/lint) on programs that check without errors
};

// A root file and the files it uses, directly or not.
struct ProgramFiles {
  FileId root = kNoFile;
  std::vector<FileId> files;  // root first, then each used file once, in discovery order
  bool hasErrors = false;     // a file failed to load or parse: the checker does not run
};

class Compilation {
 public:
  explicit Compilation(CompileOptions options);

  // Loads and parses a file given by the user. On failure returns nullopt and
  // puts the reason in `error` (a usage error, not a diagnostic).
  std::optional<FileId> loadRoot(const std::filesystem::path& path, std::string& error);
  // Follows the `use` declarations from `root`, loading what is missing.
  ProgramFiles collect(FileId root);
  // Checks one program, then lints it if the checker found no errors;
  // nullopt when it had load or syntax errors.
  std::optional<check::CheckedProgram> check(const ProgramFiles& program);

  const ast::Module& module(FileId id) const { return *modules_.at(id).module; }
  const SourceManager& sources() const { return sources_; }
  DiagnosticSink& diagnostics() { return diagnostics_; }
  const CompileOptions& options() const { return options_; }
  // Names of the standard modules (for messages and `voronka check --help`).
  std::vector<std::string> standardModules() const;

 private:
  std::optional<FileId> loadFile(const std::filesystem::path& path, const std::string& displayPath, std::string& error);
  std::optional<FileId> resolveUse(const ast::UseDecl& use, FileId from);

  CompileOptions options_;
  SourceManager sources_;
  DiagnosticSink diagnostics_;
  std::map<FileId, parse::ParseResult> modules_;
  std::map<std::string, FileId> byCanonicalPath_;
  std::map<std::pair<FileId, const ast::UseDecl*>, std::optional<FileId>> resolved_;
};

// The file of a standard module under the stdlib directory: "std.a.b" is
// "a/b.funnel"; nullopt when the path is not "std." and a name.
std::optional<std::filesystem::path> standardModuleFile(const std::string& usePath);

// Expands files and directories (recursively, `*.funnel`, sorted) given on the
// command line. Unreadable arguments are returned in `errors`.
std::vector<std::filesystem::path> expandInputs(const std::vector<std::string>& args, std::vector<std::string>& errors);

// Runs `fn` on a thread with a large stack: deep but legal input must not
// overflow the parser's or checker's recursion.
void runWithLargeStack(const std::function<void()>& fn);

}  // namespace voronka::driver
