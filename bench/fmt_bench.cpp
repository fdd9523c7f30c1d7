// `voronka fmt` on 100k lines: 50 generated funnels of 2,000 lines, first
// laid out badly (every line's indentation dropped, so that every line
// changes), then formatted. Reports lines per second for parsing alone (the
// floor: formatting refuses files that do not parse), for the whole of
// formatting (parse, lay out, verify) and for the formatter alone on an
// already parsed file with its tokens (target: 100k lines ≤ 1 s).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "bench/funnel_generator.h"
#include "compiler/format/format.h"
#include "compiler/parse/parse.h"

namespace {

constexpr int kFiles = 50;
constexpr int kLinesPerFile = 2000;

struct Corpus {
  voronka::SourceManager sources;
  std::vector<voronka::FileId> files;
  std::vector<voronka::parse::ParseResult> parsed;
  std::vector<std::vector<voronka::parse::LexedToken>> tokens;
  size_t lines = 0;
};

const Corpus& corpus() {
  static Corpus c = [] {
    Corpus c;
    for (int i = 0; i < kFiles; ++i) {
      std::string text = voronka::bench::generateFunnel(i, kLinesPerFile);
      std::string flat;
      bool lineStart = true;
      for (char ch : text) {
        if (lineStart && ch == ' ') continue;
        lineStart = ch == '\n';
        flat += ch;
      }
      c.lines += static_cast<size_t>(std::count(flat.begin(), flat.end(), '\n'));
      voronka::FileId id = c.sources.add("bench" + std::to_string(i) + ".funnel", std::move(flat));
      c.files.push_back(id);
      voronka::DiagnosticSink sink;
      c.tokens.emplace_back();
      c.parsed.push_back(voronka::parse::parseFileWithTokens(c.sources.file(id), sink, c.tokens.back()));
    }
    return c;
  }();
  return c;
}

void BM_FormatFiles(benchmark::State& state) {
  const Corpus& c = corpus();
  for (auto _ : state) {
    for (voronka::FileId id : c.files) {
      voronka::DiagnosticSink sink;
      voronka::format::FormatResult r = voronka::format::formatFile(c.sources.file(id), sink);
      if (!r.ok()) state.SkipWithError("a generated file did not format");
      benchmark::DoNotOptimize(r.text.data());
    }
  }
  state.counters["lines"] = static_cast<double>(c.lines);
  state.counters["lines_per_s"] =
      benchmark::Counter(static_cast<double>(c.lines) * state.iterations(), benchmark::Counter::kIsRate);
}

void BM_FormatParsedFiles(benchmark::State& state) {
  const Corpus& c = corpus();
  for (auto _ : state) {
    for (size_t i = 0; i < c.files.size(); ++i) {
      voronka::format::FormatResult r =
          voronka::format::formatParsed(c.sources.file(c.files[i]), *c.parsed[i].module, c.tokens[i]);
      if (!r.ok()) state.SkipWithError("a generated file did not format");
      benchmark::DoNotOptimize(r.text.data());
    }
  }
  state.counters["lines"] = static_cast<double>(c.lines);
  state.counters["lines_per_s"] =
      benchmark::Counter(static_cast<double>(c.lines) * state.iterations(), benchmark::Counter::kIsRate);
}

// The floor: parsing alone, which formatting needs to refuse files with syntax errors.
void BM_ParseOnly(benchmark::State& state) {
  const Corpus& c = corpus();
  for (auto _ : state) {
    for (voronka::FileId id : c.files) {
      voronka::DiagnosticSink sink;
      auto r = voronka::parse::parseFile(c.sources.file(id), sink);
      benchmark::DoNotOptimize(r.module.get());
    }
  }
  state.counters["lines"] = static_cast<double>(c.lines);
  state.counters["lines_per_s"] =
      benchmark::Counter(static_cast<double>(c.lines) * state.iterations(), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_ParseOnly)->Unit(benchmark::kMillisecond)->MinTime(3);
BENCHMARK(BM_FormatFiles)->Unit(benchmark::kMillisecond)->MinTime(3);
BENCHMARK(BM_FormatParsedFiles)->Unit(benchmark::kMillisecond)->MinTime(3);

}  // namespace

// `fmt_bench --write-corpus DIR` writes the badly laid out files instead, so
// that scripts/bench.sh can time `voronka fmt --check DIR` as a user runs it.
int main(int argc, char** argv) {
  if (argc == 3 && std::string_view(argv[1]) == "--write-corpus") {
    std::filesystem::create_directories(argv[2]);
    const Corpus& c = corpus();
    for (size_t i = 0; i < c.files.size(); ++i) {
      const voronka::SourceFile& file = c.sources.file(c.files[i]);
      std::ofstream(std::filesystem::path(argv[2]) / file.path(), std::ios::binary) << file.text();
    }
    std::printf("%zu files, %zu lines in %s\n", c.files.size(), c.lines, argv[2]);
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
