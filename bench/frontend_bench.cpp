// The front end's speed: ANTLR's own parse of a 100k-line funnel set against
// the whole of `voronka check` (parse with recovery-ready SLL/LL, AST, checker)
// on the same files. Reports lines/s for both; their ratio is the cost of the
// work beyond parsing.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "bench/funnel_generator.h"
#include "compiler/driver/compilation.h"
#include "compiler/parse/parse_testing.h"

namespace {

namespace fs = std::filesystem;

constexpr int kFiles = 50;
constexpr int kLinesPerFile = 2000;

struct Corpus {
  fs::path dir;
  std::vector<fs::path> files;
  std::vector<std::string> texts;
  size_t lines = 0;
};

const Corpus& corpus() {
  static Corpus c = [] {
    Corpus c;
    c.dir = fs::temp_directory_path() / "voronka-bench-frontend";
    fs::create_directories(c.dir);
    for (int i = 0; i < kFiles; ++i) {
      std::string text = voronka::bench::generateFunnel(i, kLinesPerFile);
      fs::path path = c.dir / fmt::format("program_{:02}.funnel", i);
      std::ofstream(path) << text;
      c.lines += static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
      c.files.push_back(path);
      c.texts.push_back(std::move(text));
    }
    return c;
  }();
  return c;
}

// ANTLR's lexer and parser on the text, nothing else: arg 0 reads it through
// ANTLR's ANTLRInputStream, arg 1 through the compiler's FunnelCharStream.
void BM_AntlrParseOnly(benchmark::State& state) {
  const Corpus& c = corpus();
  bool fastStream = state.range(0) == 1;
  state.SetLabel(fastStream ? "FunnelCharStream" : "ANTLRInputStream");
  for (auto _ : state) {
    for (const auto& text : c.texts) {
      bool ok = voronka::parse::parseOnlyWithAntlr(text, fastStream);
      if (!ok) state.SkipWithError("generated program does not parse in SLL");
    }
  }
  state.counters["lines_per_s"] =
      benchmark::Counter(static_cast<double>(c.lines) * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["lines"] = static_cast<double>(c.lines);
}

void BM_VoronkaCheck(benchmark::State& state) {
  const Corpus& c = corpus();
  for (auto _ : state) {
    voronka::driver::CompileOptions options;
    options.stdlibDir = VORONKA_STDLIB_DIR;
    voronka::driver::Compilation compilation(options);
    for (const auto& file : c.files) {
      std::string error;
      auto id = compilation.loadRoot(file, error);
      if (!id) {
        state.SkipWithError(error.c_str());
        return;
      }
      compilation.check(compilation.collect(*id));
    }
    if (compilation.diagnostics().errorCount() > 0) state.SkipWithError("generated program has errors");
  }
  state.counters["lines_per_s"] =
      benchmark::Counter(static_cast<double>(c.lines) * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["lines"] = static_cast<double>(c.lines);
}

BENCHMARK(BM_AntlrParseOnly)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->MinTime(3);
BENCHMARK(BM_VoronkaCheck)->Unit(benchmark::kMillisecond)->MinTime(3);

}  // namespace

BENCHMARK_MAIN();
