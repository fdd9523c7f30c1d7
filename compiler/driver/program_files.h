// A program's files: a root file and every file its `use` declarations name,
// directly or not. The rules for following `use` live here once, for every
// holder of files: the compilation reads them from disk; the language server
// also takes open documents from the editor.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/diagnostics/diagnostic.h"
#include "compiler/source/source.h"

namespace voronka::driver {

// A root file and the files it uses, directly or not.
struct ProgramFiles {
  FileId root = kNoFile;
  std::vector<FileId> files;                         // root first, then each used file once, in discovery order
  bool hasErrors = false;                            // a file failed to load or parse: the checker does not run
  std::vector<std::pair<SourceRange, FileId>> uses;  // each resolved `use` path and the file it names
};

// The file a `use` names, before it is read.
struct UseTarget {
  std::filesystem::path path;  // where to read it
  std::string displayPath;     // how messages name it: `dir/x.funnel`, `<stdlib>/a/b.funnel`
};

// A parsed file as following `use` sees it.
struct ParsedModules {
  std::vector<const ast::Module*> modules;  // one, or the pieces of a document parsed in pieces
  bool hasErrors = false;                   // syntax errors
};

// What following `use` needs from the holder of the files.
class FileLoader {
 public:
  virtual ~FileLoader() = default;
  // Loads and parses a file; the same file gives the same id each time.
  // nullopt, with the reason in `error`, when it cannot be read.
  virtual std::optional<FileId> load(const UseTarget& target, std::string& error) = 0;
  // The path a loaded file goes by: `use "x.funnel"` in it is relative to its
  // directory, and import cycles are shown with it.
  virtual std::string pathOf(FileId file) = 0;
  virtual ParsedModules parsed(FileId file) = 0;
};

// Follows `use` declarations: `use "x.funnel"` is relative to the using file,
// `use std.a.b` is STDLIB/a/b.funnel. What cannot be followed is reported:
// unreadable files, bad or unknown module paths, and import cycles (with the
// whole circle).
class UseResolver {
 public:
  UseResolver(FileLoader& files, std::filesystem::path stdlibDir, DiagnosticSink& sink);

  // The file a `use` of `from` names, loaded; nullopt when there is none. Each
  // `use` is resolved once, so its diagnostics are given once however many
  // programs include it.
  std::optional<FileId> resolve(const ast::UseDecl& use, FileId from);
  // `root` and the files it uses, depth first.
  ProgramFiles collect(FileId root);

 private:
  std::optional<UseTarget> locate(const ast::UseDecl& use, FileId from);

  FileLoader& files_;
  std::filesystem::path stdlibDir_;
  DiagnosticSink& sink_;
  std::map<std::pair<FileId, const ast::UseDecl*>, std::optional<FileId>> resolved_;
};

}  // namespace voronka::driver
