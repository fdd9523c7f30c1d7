// libFuzzer harness: the parser and the checker on any bytes, then every
// diagnostic rendered as text, JSON and SARIF. Never a crash, and the JSON
// renderers never fail (a message quoting the source cut inside a UTF-8
// sequence used to abort `check --format json`). Seeds: every .funnel of the
// repository (scripts/fuzz.sh collects them).
#include <cstddef>
#include <cstdint>
#include <string>

#include "compiler/check/checker.h"
#include "compiler/diagnostics/diagnostic.h"
#include "compiler/diagnostics/render.h"
#include "compiler/parse/parse.h"
#include "compiler/source/source.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace voronka;
  if (size > 64 * 1024) return 0;  // real funnels are small; keep the runs fast
  SourceManager sources;
  DiagnosticSink sink;
  FileId id = sources.add("fuzz.funnel", std::string(reinterpret_cast<const char*>(data), size));
  parse::ParseResult parsed = parse::parseFile(sources.file(id), sink);
  if (parsed.errors == 0 && parsed.module) (void)check::checkProgram({parsed.module.get()}, sink);
  for (const auto& d : sink.all()) (void)renderText(d, sources).size();
  (void)renderJson(sink, sources).size();
  (void)renderSarif(sink, sources).size();
  return 0;
}
