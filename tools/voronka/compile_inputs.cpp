#include "tools/voronka/compile_inputs.h"

#include <fmt/format.h>
#include <unistd.h>

#include <iostream>

#include "compiler/diagnostics/render.h"
#include "compiler/driver/session.h"
#include "tools/voronka/color.h"
#include "tools/voronka/standard_input.h"

namespace voronka::tool {

size_t printDiagnostics(driver::Compilation& compilation, std::string_view colorOption) {
  DiagnosticSink& sink = compilation.diagnostics();
  sink.sortAndDeduplicate();
  bool color = useColor(colorOption, STDERR_FILENO);
  for (const auto& d : sink.all()) std::cerr << renderText(d, compilation.sources(), {color});
  std::string summary = renderSummary(sink.errorCount(), sink.warningCount());
  if (!summary.empty()) std::cerr << summary << "\n";
  return sink.errorCount();
}

CompiledInputs compileInputs(const std::vector<std::string>& paths, const std::string& stdlib, bool union_,
                             std::string_view color, const std::string& stdinFilename) {
  CompiledInputs out;
  std::optional<driver::StandardInput> standardInput;
  if (!readStandardInput(paths, stdinFilename, standardInput)) {
    out.exitCode = 2;
    return out;
  }
  std::vector<std::string> inputErrors;
  out.files = driver::expandInputs(paths, inputErrors, standardInput);
  for (const auto& e : inputErrors) std::cerr << "voronka: error: " << e << "\n";
  if (!inputErrors.empty()) {
    out.exitCode = 2;
    return out;
  }
  driver::Session session({.stdlibDir = stdlib, .standardInput = std::move(standardInput)});
  // Design advice is `voronka check`'s job (with voronka.toml levels and
  // --fail-level); build and test report what stops them.
  out.compilation = session.newCompilation(/*lint=*/false);
  driver::Compilation& c = *out.compilation;
  driver::runWithLargeStack([&] {
    std::vector<FileId> roots;
    for (const auto& file : out.files) {
      std::string error;
      std::optional<FileId> id = c.loadRoot(file, error);
      if (!id) {
        std::cerr << fmt::format("voronka: error: cannot read {}: {}\n", file.string(), error);
        out.exitCode = 2;
        continue;
      }
      roots.push_back(*id);
    }
    if (out.exitCode) return;
    if (union_ && !roots.empty()) {
      driver::ProgramFiles all;
      all.root = roots.front();
      for (FileId root : roots) {
        driver::ProgramFiles p = c.collect(root);
        all.hasErrors = all.hasErrors || p.hasErrors;
        for (FileId f : p.files) {
          if (std::find(all.files.begin(), all.files.end(), f) == all.files.end()) all.files.push_back(f);
        }
      }
      out.programs.push_back(all);
    } else {
      for (FileId root : roots) out.programs.push_back(c.collect(root));
    }
    for (const auto& p : out.programs) out.checked.push_back(c.check(p));
  });
  if (out.exitCode) return out;
  if (printDiagnostics(c, color) > 0) out.exitCode = 1;
  return out;
}

}  // namespace voronka::tool
