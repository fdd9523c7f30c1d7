// Diagnostics: the kinds registry (kinds.def), a diagnostic with its notes,
// and the sink every compiler stage reports into.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/source/source.h"

namespace voronka {

enum class Severity : uint8_t { Note, Warning, Error };
std::string_view severityName(Severity s);

enum class DiagKind : uint16_t {
#define DIAGNOSTIC(Name, Sev, Id, Format, Explanation, ...) Name,
#include "compiler/diagnostics/kinds.def"
#undef DIAGNOSTIC
};

struct DiagKindInfo {
  DiagKind kind;
  Severity severity;
  std::string_view id;
  std::string_view format;
  std::string_view explanation;
};

const DiagKindInfo& info(DiagKind kind);
const std::vector<DiagKindInfo>& allDiagKinds();
const DiagKindInfo* findDiagKind(std::string_view id);

// Argument types a kind may declare.
using Str = std::string_view;
using Int = long long;

// A kind with its argument types, so that emit() checks them at compile time.
template <typename... Args>
struct DiagSpec {
  DiagKind kind;
};

namespace diag {
#define DIAGNOSTIC(Name, Sev, Id, Format, Explanation, ...) inline constexpr DiagSpec<__VA_ARGS__> Name{DiagKind::Name};
#include "compiler/diagnostics/kinds.def"
#undef DIAGNOSTIC
}  // namespace diag

struct DiagnosticNote {
  SourceRange range;  // may be invalid: a note without a place ("did you mean")
  std::string message;
};

struct Diagnostic {
  DiagKind kind;
  Severity severity;
  SourceRange range;
  std::string message;
  std::vector<DiagnosticNote> notes;

  Diagnostic& note(SourceRange where, std::string text) {
    notes.push_back({where, std::move(text)});
    return *this;
  }
  Diagnostic& note(std::string text) { return note(SourceRange{}, std::move(text)); }
  std::string_view id() const { return info(kind).id; }
};

// A finding that was silenced: by a `// voronka: allow` comment (in source)
// or a lint level `off` in voronka.toml (external). Only reports that can
// say so (SARIF `suppressions`) show it.
struct SuppressedDiagnostic {
  Diagnostic diagnostic;
  bool inSource = true;
  std::string justification;
};

class DiagnosticSink {
 public:
  template <typename... Args, typename... Given>
  Diagnostic& emit(const DiagSpec<Args...>& spec, SourceRange range, Given&&... given) {
    static_assert(sizeof...(Args) == sizeof...(Given), "wrong number of diagnostic arguments");
    const DiagKindInfo& k = info(spec.kind);
    std::string message = fmt::format(fmt::runtime(k.format), Args(std::forward<Given>(given))...);
    return add(Diagnostic{spec.kind, k.severity, range, std::move(message), {}});
  }

  Diagnostic& add(Diagnostic d);
  const std::vector<Diagnostic>& all() const { return diagnostics_; }
  std::vector<Diagnostic>& all() { return diagnostics_; }
  size_t errorCount() const { return errors_; }
  size_t warningCount() const { return warnings_; }
  bool hasErrors() const { return errors_ > 0; }
  // Sorts by file and position and drops exact repeats (a file used by
  // several programs is checked once per program).
  void sortAndDeduplicate();

  void suppress(Diagnostic d, bool inSource, std::string justification) {
    suppressed_.push_back({std::move(d), inSource, std::move(justification)});
  }
  const std::vector<SuppressedDiagnostic>& suppressed() const { return suppressed_; }

 private:
  std::vector<Diagnostic> diagnostics_;
  std::vector<SuppressedDiagnostic> suppressed_;
  size_t errors_ = 0;
  size_t warnings_ = 0;
};

}  // namespace voronka
