// The language server's parts without a process: framing, positions in
// UTF-16 and UTF-32, URIs, and the server driven message by message.
#include <gtest/gtest.h>

#include <sstream>

#include "tools/voronka/lsp/positions.h"
#include "tools/voronka/lsp/server.h"
#include "tools/voronka/lsp/transport.h"

namespace voronka::lsp {
namespace {

std::string frame(const std::string& body) {
  return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

TEST(LspTransport, ReadsFramedMessages) {
  std::istringstream in(frame(R"({"a":1})") + "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n" +
                        frame(R"({"b":"Ё"})"));
  std::ostringstream out;
  Transport t(in, out);
  Json m;
  std::string error;
  ASSERT_EQ(t.read(m, error), Transport::Read::Message);
  EXPECT_EQ(m["a"], 1);
  ASSERT_EQ(t.read(m, error), Transport::Read::Message) << error;
  EXPECT_EQ(m["b"], "Ё");
  EXPECT_EQ(t.read(m, error), Transport::Read::End);
}

TEST(LspTransport, RejectsBadFraming) {
  std::string error;
  Json m;
  {
    std::istringstream in("Content-Length: x\r\n\r\n{}");
    std::ostringstream out;
    EXPECT_EQ(Transport(in, out).read(m, error), Transport::Read::BadFraming);
  }
  {
    std::istringstream in("Content-Length: 10\r\n\r\n{}");
    std::ostringstream out;
    EXPECT_EQ(Transport(in, out).read(m, error), Transport::Read::BadFraming);
  }
  {
    std::istringstream in(frame("{oops"));
    std::ostringstream out;
    EXPECT_EQ(Transport(in, out).read(m, error), Transport::Read::BadJson);
  }
}

TEST(LspTransport, WritesContentLengthInBytes) {
  std::istringstream in;
  std::ostringstream out;
  Transport(in, out).write(Json{{"x", "Ёж"}});
  EXPECT_EQ(out.str(), "Content-Length: 12\r\n\r\n{\"x\":\"Ёж\"}");
}

TEST(LspPositions, Utf16AndUtf32AfterCyrillicAndEmoji) {
  SourceFile f(0, "t", "ab\nЁ🎄x = 1\n");
  uint32_t x = static_cast<uint32_t>(std::string_view(f.text()).find('x'));
  Position p16 = positionOf(f, x, PositionEncoding::Utf16);
  Position p32 = positionOf(f, x, PositionEncoding::Utf32);
  EXPECT_EQ(p16.line, 1u);
  EXPECT_EQ(p16.character, 3u);  // Ё is one unit, the emoji two
  EXPECT_EQ(p32.character, 2u);
  EXPECT_EQ(offsetOf(f, p16, PositionEncoding::Utf16), x);
  EXPECT_EQ(offsetOf(f, p32, PositionEncoding::Utf32), x);
  // Past the end of a line: its end; past the end of the file: the file's end.
  EXPECT_EQ(offsetOf(f, Position{0, 99}, PositionEncoding::Utf16), 2u);
  EXPECT_EQ(offsetOf(f, Position{9, 0}, PositionEncoding::Utf32), f.text().size());
}

TEST(LspPositions, FileUris) {
  EXPECT_EQ(pathFromUri("file:///home/a%20b/%D0%81.funnel"), std::optional<std::string>("/home/a b/Ё.funnel"));
  EXPECT_EQ(pathFromUri("file://localhost/x.funnel"), std::optional<std::string>("/x.funnel"));
  EXPECT_EQ(pathFromUri("untitled:Untitled-1"), std::nullopt);
  EXPECT_EQ(uriFromPath("/home/a b/Ё.funnel"), "file:///home/a%20b/%D0%81.funnel");
}

// A server fed message by message, its answers collected.
class Driven {
 public:
  Driven() : transport_(in_, out_), server_(transport_, ServerOptions{VORONKA_STDLIB_DIR}) {}
  std::vector<Json> send(const Json& m) {
    server_.handle(m);
    std::vector<Json> answers;
    std::istringstream written(out_.str());
    out_.str("");
    Transport reader(written, out_);
    Json a;
    std::string error;
    while (reader.read(a, error) == Transport::Read::Message) answers.push_back(a);
    return answers;
  }
  Server& server() { return server_; }

 private:
  std::istringstream in_;
  std::ostringstream out_;
  Transport transport_;
  Server server_;
};

TEST(LspServer, IncrementalChangesApplyInOrder) {
  Driven d;
  d.send({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"}, {"params", {{"capabilities", Json::object()}}}});
  std::string uri = "file:///tmp/voronka-unit-lsp/t.funnel";
  auto opened =
      d.send({{"jsonrpc", "2.0"},
              {"method", "textDocument/didOpen"},
              {"params", {{"textDocument", {{"uri", uri}, {"version", 1}, {"text", "field x: text \"Ё🎄\"\n"}}}}}});
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0]["params"]["diagnostics"].size(), 0u);
  // Two changes in one message: rename x to yy, then break the type.
  auto changed = d.send(
      {{"jsonrpc", "2.0"},
       {"method", "textDocument/didChange"},
       {"params",
        {{"textDocument", {{"uri", uri}, {"version", 2}}},
         {"contentChanges",
          Json::array(
              {{{"range", {{"start", {{"line", 0}, {"character", 6}}}, {"end", {{"line", 0}, {"character", 7}}}}},
                {"text", "yy"}},
               {{"range", {{"start", {{"line", 0}, {"character", 10}}}, {"end", {{"line", 0}, {"character", 14}}}}},
                {"text", "txt"}}})}}}});
  ASSERT_EQ(changed.size(), 1u);
  const Json& diags = changed[0]["params"]["diagnostics"];
  ASSERT_EQ(diags.size(), 1u) << changed[0].dump();
  EXPECT_EQ(diags[0]["code"], "unknown-name");
  EXPECT_EQ(diags[0]["range"]["start"]["character"], 10);
  EXPECT_EQ(changed[0]["params"]["version"], 2);
}

TEST(LspServer, UnsavedBuffersAreDocumentsToo) {
  Driven d;
  d.send({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"}, {"params", Json::object()}});
  auto opened = d.send(
      {{"jsonrpc", "2.0"},
       {"method", "textDocument/didOpen"},
       {"params",
        {{"textDocument", {{"uri", "untitled:Untitled-1"}, {"version", 1}, {"text", "field x: nope \"X\"\n"}}}}}});
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0]["params"]["uri"], "untitled:Untitled-1");
  EXPECT_EQ(opened[0]["params"]["diagnostics"].size(), 1u);
  auto symbols = d.send({{"jsonrpc", "2.0"},
                         {"id", 2},
                         {"method", "textDocument/documentSymbol"},
                         {"params", {{"textDocument", {{"uri", "untitled:Untitled-1"}}}}}});
  EXPECT_EQ(symbols[0]["result"][0]["name"], "x");
}

TEST(LspServer, LifecycleErrors) {
  Driven d;
  auto early = d.send({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "textDocument/hover"}, {"params", Json::object()}});
  ASSERT_EQ(early.size(), 1u);
  EXPECT_EQ(early[0]["error"]["code"], error_code::ServerNotInitialized);
  d.send({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "initialize"}, {"params", Json::object()}});
  auto unknown =
      d.send({{"jsonrpc", "2.0"}, {"id", 3}, {"method", "textDocument/inlineValue"}, {"params", Json::object()}});
  EXPECT_EQ(unknown[0]["error"]["code"], error_code::MethodNotFound);
  Json hoverParams{{"textDocument", {{"uri", "file:///nowhere.funnel"}}},
                   {"position", {{"line", 0}, {"character", 0}}}};
  auto notOpen = d.send({{"jsonrpc", "2.0"}, {"id", 4}, {"method", "textDocument/hover"}, {"params", hoverParams}});
  EXPECT_EQ(notOpen[0]["error"]["code"], error_code::InvalidParams);
  auto bad =
      d.send({{"jsonrpc", "2.0"}, {"id", 5}, {"method", "textDocument/hover"}, {"params", {{"textDocument", 3}}}});
  EXPECT_TRUE(bad[0].contains("error"));
  d.send({{"jsonrpc", "2.0"}, {"id", 6}, {"method", "shutdown"}});
  auto after = d.send({{"jsonrpc", "2.0"}, {"id", 7}, {"method", "textDocument/hover"}, {"params", Json::object()}});
  EXPECT_EQ(after[0]["error"]["code"], error_code::InvalidRequest);
  d.send({{"jsonrpc", "2.0"}, {"method", "exit"}});
  EXPECT_TRUE(d.server().exited());
  EXPECT_EQ(d.server().exitCode(), 0);
}

}  // namespace
}  // namespace voronka::lsp
