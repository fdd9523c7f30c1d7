// The language server's answer time after an edit: a generated 2,000-line
// funnel is open; each iteration types or deletes one character inside a
// title (the file stays valid) and the server re-parses, re-checks, re-lints,
// re-indexes and publishes the diagnostics, exactly as for a didChange from
// an editor. Reports p50, p95 and the worst time (target: p95 ≤ 50 ms).
// Also the answer time of the requests that read the whole document:
// semantic tokens, range formatting of one declaration (the formatter runs
// over the whole file) and workspace symbols.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "bench/funnel_generator.h"
#include "tools/voronka/lsp/server.h"

namespace {

using voronka::lsp::Json;

// Discards what the server writes (the diagnostics are built and serialised all the same).
class NullBuffer : public std::streambuf {
 protected:
  int overflow(int c) override { return c; }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

Json message(const std::string& method, Json params, int id = 0) {
  Json m{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
  if (id) m["id"] = id;
  return m;
}

void BM_LspRediagnoseAfterOneCharacterEdit(benchmark::State& state) {
  const int lines = static_cast<int>(state.range(0));
  std::string text = voronka::bench::generateFunnel(7, lines);
  size_t lineCount = static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  // Edit inside the title of a stage in the middle of the file.
  size_t middle = text.find("stage stage_", text.size() / 2);
  size_t quote = text.find('"', middle) + 1;
  uint32_t line = static_cast<uint32_t>(std::count(text.begin(), text.begin() + static_cast<long>(quote), '\n'));
  size_t lineStart = text.rfind('\n', quote) + 1;
  uint32_t column = static_cast<uint32_t>(quote - lineStart);  // ASCII before the quote: bytes = UTF-16 units

  NullBuffer nullBuffer;
  std::ostream out(&nullBuffer);
  std::istringstream in;
  voronka::lsp::Transport transport(in, out);
  voronka::lsp::ServerOptions options;
  options.stdlibDir = VORONKA_STDLIB_DIR;
  voronka::lsp::Server server(transport, options);
  std::string uri = "file:///tmp/voronka-bench-lsp/big.funnel";
  server.handle(message("initialize", {{"capabilities", Json::object()}}, 1));
  server.handle(message("textDocument/didOpen",
                        {{"textDocument", {{"uri", uri}, {"languageId", "funnel"}, {"version", 1}, {"text", text}}}}));

  std::vector<double> ms;
  int version = 1;
  for (auto _ : state) {
    bool insert = version % 2 == 1;
    Json range{{"start", {{"line", line}, {"character", column}}},
               {"end", {{"line", line}, {"character", column + (insert ? 0 : 1)}}}};
    Json change = message("textDocument/didChange",
                          {{"textDocument", {{"uri", uri}, {"version", ++version}}},
                           {"contentChanges", Json::array({{{"range", range}, {"text", insert ? "Я" : ""}}})}});
    auto start = std::chrono::steady_clock::now();
    server.handle(change);
    auto end = std::chrono::steady_clock::now();
    double elapsed = std::chrono::duration<double>(end - start).count();
    state.SetIterationTime(elapsed);
    ms.push_back(elapsed * 1000);
  }
  std::sort(ms.begin(), ms.end());
  auto percentile = [&](double p) { return ms[std::min(ms.size() - 1, static_cast<size_t>(p * ms.size()))]; };
  state.counters["lines"] = static_cast<double>(lineCount);
  state.counters["p50_ms"] = percentile(0.50);
  state.counters["p95_ms"] = percentile(0.95);
  state.counters["max_ms"] = ms.back();
}

// 0: semanticTokens/full, 1: rangeFormatting of one stage's pipeline, 2: workspace/symbol.
void BM_LspWholeDocumentRequest(benchmark::State& state) {
  std::string text = voronka::bench::generateFunnel(7, 2000);
  size_t middle = text.find("stage stage_", text.size() / 2);
  uint32_t line = static_cast<uint32_t>(std::count(text.begin(), text.begin() + static_cast<long>(middle), '\n'));
  NullBuffer nullBuffer;
  std::ostream out(&nullBuffer);
  std::istringstream in;
  voronka::lsp::Transport transport(in, out);
  voronka::lsp::ServerOptions options;
  options.stdlibDir = VORONKA_STDLIB_DIR;
  voronka::lsp::Server server(transport, options);
  std::string uri = "file:///tmp/voronka-bench-lsp/big.funnel";
  server.handle(message("initialize", {{"capabilities", Json::object()}}, 1));
  server.handle(message("textDocument/didOpen",
                        {{"textDocument", {{"uri", uri}, {"languageId", "funnel"}, {"version", 1}, {"text", text}}}}));
  Json doc{{"uri", uri}};
  Json request;
  switch (state.range(0)) {
    case 0: request = message("textDocument/semanticTokens/full", {{"textDocument", doc}}, 2); break;
    case 1:
      request = message(
          "textDocument/rangeFormatting",
          {{"textDocument", doc},
           {"range", {{"start", {{"line", line}, {"character", 0}}}, {"end", {{"line", line}, {"character", 0}}}}},
           {"options", Json::object()}},
          2);
      break;
    default: request = message("workspace/symbol", {{"query", "stage_1"}}, 2); break;
  }
  std::vector<double> ms;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    server.handle(request);
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.SetIterationTime(elapsed);
    ms.push_back(elapsed * 1000);
  }
  std::sort(ms.begin(), ms.end());
  state.SetLabel(state.range(0) == 0   ? "semanticTokens/full"
                 : state.range(0) == 1 ? "rangeFormatting"
                                       : "workspace/symbol");
  state.counters["p50_ms"] = ms[ms.size() / 2];
  state.counters["max_ms"] = ms.back();
}

BENCHMARK(BM_LspWholeDocumentRequest)->DenseRange(0, 2)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(50);

BENCHMARK(BM_LspRediagnoseAfterOneCharacterEdit)
    ->Arg(2000)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(200);

}  // namespace

BENCHMARK_MAIN();
