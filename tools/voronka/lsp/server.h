// The language server: LSP 3.17 lifecycle, document sync and the features,
// over a Transport. Messages are read on their own thread into a queue, so
// that `$/cancelRequest` can cancel a request still waiting and a burst of
// edits is diagnosed once, after the last.
#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "tools/voronka/lsp/positions.h"
#include "tools/voronka/lsp/transport.h"
#include "tools/voronka/lsp/workspace.h"

namespace voronka::lsp {

struct ServerOptions {
  std::filesystem::path stdlibDir;  // empty: the default (driver::defaultStdlibDir)
};

// The LSP SymbolKind number of a kind of declaration (features.cpp).
int symbolKindNumber(index::SymbolKind kind);

// The token types and modifiers of semantic tokens (semantic_tokens.cpp).
Json semanticTokensLegend();

// A request that fails: answered with this code and message.
struct RequestError {
  int code;
  std::string message;
};

class Server {
 public:
  Server(Transport& transport, ServerOptions options);
  // Serves until `exit` or the end of input. Returns the exit code: 0 after
  // `shutdown` then `exit`, 1 otherwise (as LSP asks).
  int run();

  // Handles one message (for tests that drive the server without threads).
  void handle(const Json& message);
  bool exited() const { return exited_; }
  int exitCode() const { return shutdown_ ? 0 : 1; }

 private:
  // ── lifecycle and plumbing (server.cpp) ──
  void readLoop();
  void reply(const Json& id, Json result);
  void replyError(const Json& id, int code, const std::string& message);
  void notify(const std::string& method, Json params);
  Json request(const std::string& method, const Json& params);
  void notification(const std::string& method, const Json& params);
  bool moreChangesQueued(const std::string& uri);
  Json initialize(const Json& params);

  // ── documents and diagnostics (documents.cpp) ──
  void didOpen(const Json& params);
  void didChange(const Json& params);
  void didClose(const Json& params);
  void didChangeWatchedFiles();
  void diagnose(FileId changed);
  void publish(const Analysis& analysis);
  Json diagnosticJson(const Diagnostic& d, const SourceFile& file);

  // ── features (features.cpp, completion.cpp) ──
  struct At {
    FileId file;
    std::shared_ptr<const SourceFile> source;
    std::shared_ptr<const Analysis> analysis;
    uint32_t offset;
  };
  At at(const Json& params);
  FileId document(const Json& params);
  std::string uriOf(FileId id);
  Json location(FileId file, SourceRange range);
  Json hover(const Json& params);
  Json builtinHover(const At& a);  // builtin_hover.cpp
  Json useHover(const At& a);
  Json definition(const Json& params);
  Json references(const Json& params);
  Json documentHighlight(const Json& params);
  Json documentSymbols(const Json& params);
  Json completion(const Json& params);
  Json signatureHelp(const Json& params);     // signature_help.cpp
  Json codeActions(const Json& params);       // code_actions.cpp
  Json rangeFormatting(const Json& params);   // range_formatting.cpp
  Json workspaceSymbols(const Json& params);  // workspace_symbols.cpp
  Json semanticTokens(const Json& params);    // semantic_tokens.cpp
  Json formatting(const Json& params);
  Json prepareRename(const Json& params);
  Json rename(const Json& params);
  // Occurrences of a symbol in every open program that sees its declaration.
  std::vector<std::pair<FileId, SourceRange>> allOccurrences(const Analysis& analysis, int symbol, bool declarations);

  Transport& transport_;
  ServerOptions options_;
  std::unique_ptr<Workspace> workspace_;
  PositionEncoding encoding_ = PositionEncoding::Utf16;
  bool initialized_ = false;
  bool shutdown_ = false;
  bool exited_ = false;
  std::vector<std::string> roots_;         // the workspace's folders (for workspace symbols)
  std::map<FileId, std::string> uris_;     // the client's own URI of each open document
  std::map<FileId, long long> versions_;   // the version of each open document
  std::set<std::string> withDiagnostics_;  // URIs last published with a non-empty list

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Json> queue_;
  bool inputEnded_ = false;
  std::set<std::string> cancelled_;  // ids (as JSON text) of requests cancelled before they ran
};

}  // namespace voronka::lsp
