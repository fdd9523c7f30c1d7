#include "tools/voronka/lsp/server.h"

#include <thread>

namespace voronka::lsp {

Server::Server(Transport& transport, ServerOptions options) : transport_(transport), options_(std::move(options)) {}

// ───────────────────────────── the loop ─────────────────────────────────

void Server::readLoop() {
  while (true) {
    Json message;
    std::string error;
    Transport::Read r = transport_.read(message, error);
    if (r == Transport::Read::BadJson) {
      replyError(nullptr, error_code::ParseError, "the message is not JSON: " + error);
      continue;
    }
    if (r != Transport::Read::Message) break;  // the end, or framing we cannot resynchronise after
    std::lock_guard<std::mutex> lock(mutex_);
    if (message.is_object() && message.value("method", "") == "$/cancelRequest") {
      const Json& params = message.value("params", Json::object());
      if (params.contains("id")) cancelled_.insert(params["id"].dump());
      continue;
    }
    bool isExit = message.is_object() && message.value("method", "") == "exit";
    queue_.push_back(std::move(message));
    ready_.notify_one();
    if (isExit) return;  // nothing is read after `exit`
  }
  std::lock_guard<std::mutex> lock(mutex_);
  inputEnded_ = true;
  ready_.notify_one();
}

int Server::run() {
  std::thread reader([this] { readLoop(); });
  while (!exited_) {
    Json message;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ready_.wait(lock, [&] { return !queue_.empty() || inputEnded_; });
      if (queue_.empty()) break;  // the client went away without `exit`
      message = std::move(queue_.front());
      queue_.pop_front();
    }
    handle(message);
  }
  // The loop ends on `exit`, after which the reader stops reading, or when the
  // reader found the end of the input: either way it is done.
  reader.join();
  return exitCode();
}

bool Server::moreChangesQueued(const std::string& uri) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Json& m : queue_) {
    if (m.value("method", "") != "textDocument/didChange") continue;
    const Json& params = m.value("params", Json::object());
    if (params.contains("textDocument") && params["textDocument"].value("uri", "") == uri) return true;
  }
  return false;
}

// ───────────────────────────── messages ─────────────────────────────────

void Server::reply(const Json& id, Json result) {
  transport_.write(Json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
}

void Server::replyError(const Json& id, int code, const std::string& message) {
  transport_.write(Json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}});
}

void Server::notify(const std::string& method, Json params) {
  transport_.write(Json{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}});
}

void Server::handle(const Json& message) {
  if (!message.is_object()) {
    replyError(nullptr, error_code::InvalidRequest, "a message must be a JSON object");
    return;
  }
  bool hasId = message.contains("id") && (message["id"].is_number_integer() || message["id"].is_string());
  Json id = hasId ? message["id"] : Json(nullptr);
  if (!message.contains("method") || !message["method"].is_string()) {
    if (!hasId && (message.contains("result") || message.contains("error"))) return;  // a response to us: none expected
    replyError(id, error_code::InvalidRequest, "a request needs a `method`");
    return;
  }
  std::string method = message["method"];
  Json params = message.contains("params") ? message["params"] : Json::object();
  if (!hasId) {
    try {
      notification(method, params);
    } catch (const std::exception& e) {
      notify("window/logMessage", {{"type", 1}, {"message", "voronka lsp: " + method + ": " + e.what()}});
    } catch (const RequestError& e) {
      notify("window/logMessage", {{"type", 1}, {"message", "voronka lsp: " + method + ": " + e.message}});
    }
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (cancelled_.erase(id.dump())) {
      replyError(id, error_code::RequestCancelled, "cancelled");
      return;
    }
  }
  if (!initialized_ && method != "initialize") {
    replyError(id, error_code::ServerNotInitialized, "the server is not initialized: send `initialize` first");
    return;
  }
  if (shutdown_) {
    replyError(id, error_code::InvalidRequest, "the server is shutting down: only `exit` is expected");
    return;
  }
  try {
    reply(id, request(method, params));
  } catch (const RequestError& e) {
    replyError(id, e.code, e.message);
  } catch (const Json::exception& e) {
    replyError(id, error_code::InvalidParams, std::string("bad parameters: ") + e.what());
  } catch (const std::exception& e) {
    replyError(id, error_code::InternalError, std::string("internal error: ") + e.what());
  }
}

Json Server::request(const std::string& method, const Json& params) {
  if (method == "initialize") {
    if (initialized_) throw RequestError{error_code::InvalidRequest, "`initialize` was already sent"};
    return initialize(params);
  }
  if (method == "shutdown") {
    shutdown_ = true;
    return nullptr;
  }
  if (method == "textDocument/hover") return hover(params);
  if (method == "textDocument/definition") return definition(params);
  if (method == "textDocument/references") return references(params);
  if (method == "textDocument/documentHighlight") return documentHighlight(params);
  if (method == "textDocument/documentSymbol") return documentSymbols(params);
  if (method == "textDocument/completion") return completion(params);
  if (method == "textDocument/signatureHelp") return signatureHelp(params);
  if (method == "textDocument/codeAction") return codeActions(params);
  if (method == "textDocument/rangeFormatting") return rangeFormatting(params);
  if (method == "workspace/symbol") return workspaceSymbols(params);
  if (method == "textDocument/semanticTokens/full") return semanticTokens(params);
  if (method == "textDocument/formatting") return formatting(params);
  if (method == "textDocument/prepareRename") return prepareRename(params);
  if (method == "textDocument/rename") return rename(params);
  throw RequestError{error_code::MethodNotFound, "method not supported: " + method};
}

void Server::notification(const std::string& method, const Json& params) {
  if (method == "exit") {
    exited_ = true;
    return;
  }
  if (!initialized_ || shutdown_) return;  // LSP: notifications before initialize are dropped
  if (method == "textDocument/didOpen") return didOpen(params);
  if (method == "textDocument/didChange") return didChange(params);
  if (method == "textDocument/didClose") return didClose(params);
  if (method == "workspace/didChangeWatchedFiles") return didChangeWatchedFiles();
  // initialized, didSave, $/setTrace, workspace/didChangeConfiguration…: nothing to do.
}

Json Server::initialize(const Json& params) {
  // Position encoding: UTF-16 unless the client offers UTF-32 (LSP 3.17).
  const Json& general = params.value("capabilities", Json::object()).value("general", Json::object());
  if (general.contains("positionEncodings") && general["positionEncodings"].is_array()) {
    for (const Json& e : general["positionEncodings"]) {
      if (e == "utf-32") encoding_ = PositionEncoding::Utf32;
    }
  }
  WorkspaceOptions options;
  options.stdlibDir = options_.stdlibDir;
  const Json& init = params.value("initializationOptions", Json::object());
  if (init.is_object() && init.contains("stdlib") && init["stdlib"].is_string() &&
      !init["stdlib"].get<std::string>().empty()) {
    options.stdlibDir = init["stdlib"].get<std::string>();
  }
  workspace_ = std::make_unique<Workspace>(options);
  // The workspace's folders: `workspaceFolders`, else `rootUri`, else `rootPath`.
  if (params.contains("workspaceFolders") && params["workspaceFolders"].is_array()) {
    for (const Json& f : params["workspaceFolders"]) {
      if (!f.is_object() || !f.contains("uri") || !f["uri"].is_string()) continue;
      if (auto path = pathFromUri(f["uri"].get<std::string>())) roots_.push_back(*path);
    }
  }
  if (roots_.empty() && params.contains("rootUri") && params["rootUri"].is_string()) {
    if (auto path = pathFromUri(params["rootUri"].get<std::string>())) roots_.push_back(*path);
  }
  if (roots_.empty() && params.contains("rootPath") && params["rootPath"].is_string()) {
    roots_.push_back(params["rootPath"].get<std::string>());
  }
  initialized_ = true;
  return Json{
      {"capabilities",
       {
           {"positionEncoding", encodingName(encoding_)},
           {"textDocumentSync", {{"openClose", true}, {"change", 2}, {"save", false}}},
           {"hoverProvider", true},
           {"definitionProvider", true},
           {"referencesProvider", true},
           {"documentHighlightProvider", true},
           {"documentSymbolProvider", true},
           {"completionProvider",
            {{"triggerCharacters", Json::array({".", ">", "(", " "})}, {"resolveProvider", false}}},
           {"signatureHelpProvider",
            {{"triggerCharacters", Json::array({"(", ",", "{"})}, {"retriggerCharacters", Json::array({" "})}}},
           {"codeActionProvider", {{"codeActionKinds", Json::array({"quickfix"})}}},
           {"documentFormattingProvider", true},
           {"documentRangeFormattingProvider", true},
           {"workspaceSymbolProvider", true},
           {"semanticTokensProvider", {{"legend", semanticTokensLegend()}, {"full", true}, {"range", false}}},
           {"renameProvider", {{"prepareProvider", true}}},
       }},
      {"serverInfo", {{"name", "voronka"}, {"version", "0.1.0"}}},
  };
}

}  // namespace voronka::lsp
