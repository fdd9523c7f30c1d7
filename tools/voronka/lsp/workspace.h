// The language server's view of the files: open documents (their text comes
// from the editor), files they `use` (read from disk, or from the editor when
// open too), and the analysis of each open document as the root of a program:
// its parse, the checker's and the lints' diagnostics, and its index.
//
// Parses and analyses are cached: a change to one document re-parses that
// document only, and re-analyses the open documents whose programs include it.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/check/program.h"
#include "compiler/diagnostics/diagnostic.h"
#include "compiler/driver/session.h"
#include "compiler/index/index.h"
#include "compiler/parse/parse.h"
#include "compiler/source/source.h"
#include "tools/voronka/lsp/chunked_parse.h"

namespace voronka::lsp {

struct WorkspaceOptions {
  std::filesystem::path stdlibDir;  // empty: the default (driver::defaultStdlibDir)
  bool lint = true;
};

// One version of one file, parsed: in pieces (see chunked_parse.h), or
// whole when it has syntax errors.
struct ParsedFile {
  std::shared_ptr<const SourceFile> source;
  std::vector<std::shared_ptr<ParsedChunk>> chunks;
  size_t errors = 0;                    // syntax errors
  std::vector<Diagnostic> diagnostics;  // the parser's
  uint64_t generation = 0;              // of the file's text

  std::vector<const ast::Module*> modules() const;
};

// A program rooted at an open document, checked (when it parsed) and indexed.
struct Analysis {
  FileId root = kNoFile;
  std::vector<std::shared_ptr<const ParsedFile>> files;  // root first, then what it uses
  std::vector<Diagnostic> diagnostics;                   // of every file of the program, sorted
  std::optional<check::CheckedProgram> program;          // when every file parsed and `use` resolved
  index::Index index;
  std::vector<std::pair<SourceRange, FileId>> uses;  // each resolved `use` path and the file it names

  const ParsedFile* file(FileId id) const;
  // The modules of every file, root first, each file's pieces in order.
  std::vector<const ast::Module*> modules() const;
  // The same for the checker, which collects declarations from the last
  // module to the first: each file's pieces last first, so that it meets a
  // file's declarations in order (and reports the same duplicates as for a
  // whole file).
  std::vector<const ast::Module*> modulesForChecker() const;
};

class Workspace {
 public:
  explicit Workspace(WorkspaceOptions options);

  // Documents the editor has open; `path` is absolute.
  FileId open(const std::string& path, std::string text);
  FileId change(const std::string& path, std::string text);
  void close(const std::string& path);
  bool isOpen(FileId id) const;
  std::vector<FileId> openDocuments() const;

  // Files on disk may have changed: forget what was read from them.
  void forgetDiskFiles();

  std::optional<FileId> find(const std::string& path) const;
  // The id of a file on disk (or open), known from now on.
  FileId file(const std::string& path) { return idFor(path); }
  // Every file known: open documents, files they use, files named by file().
  std::vector<FileId> knownFiles() const;
  const std::string& path(FileId id) const;
  // The current text of a file (null for an unknown id).
  std::shared_ptr<const SourceFile> source(FileId id);
  // The parse of a file's current text (null when it cannot be read).
  std::shared_ptr<const ParsedFile> parsed(FileId id);
  // The analysis of the program rooted at `root` (an open document), brought up to date.
  std::shared_ptr<const Analysis> analysis(FileId root);
  // Open documents whose current analysis includes `file` (itself included when open).
  std::vector<FileId> dependents(FileId file) const;

  const WorkspaceOptions& options() const { return options_; }

 private:
  class ProgramLoader;  // the workspace's files as one analysis follows `use` through them

  struct FileState {
    std::string path;
    bool open = false;
    bool loaded = false;  // `text` is known (open, or read from disk)
    std::string readError;
    std::shared_ptr<const SourceFile> source;
    std::shared_ptr<const ParsedFile> parsed;
    uint64_t generation = 0;
    std::shared_ptr<ChunkedParser> chunker = std::make_shared<ChunkedParser>();
  };
  struct CachedAnalysis {
    std::shared_ptr<const Analysis> analysis;
    std::vector<std::pair<FileId, uint64_t>> inputs;  // the generation of each file it read
  };

  FileId idFor(const std::string& path);
  FileState& state(FileId id) { return files_.at(id); }
  bool load(FileId id);
  void setText(FileId id, std::string text);
  std::shared_ptr<const Analysis> analyse(FileId root, std::vector<std::pair<FileId, uint64_t>>& inputs);

  WorkspaceOptions options_;
  driver::Session session_;       // the standard library and the voronka.toml files
  std::vector<FileState> files_;  // indexed by FileId
  std::map<std::string, FileId> byPath_;
  std::map<FileId, CachedAnalysis> analyses_;
  uint64_t nextGeneration_ = 1;
};

}  // namespace voronka::lsp
