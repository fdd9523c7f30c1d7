#include "compiler/diagnostics/diagnostic.h"

#include <algorithm>
#include <tuple>

namespace voronka {

std::string_view severityName(Severity s) {
  switch (s) {
    case Severity::Note: return "note";
    case Severity::Warning: return "warning";
    case Severity::Error: return "error";
  }
  return "error";
}

const std::vector<DiagKindInfo>& allDiagKinds() {
  static const std::vector<DiagKindInfo> kinds = {
#define DIAGNOSTIC(Name, Sev, Id, Format, Explanation, ...) {DiagKind::Name, Severity::Sev, Id, Format, Explanation},
#include "compiler/diagnostics/kinds.def"
#undef DIAGNOSTIC
  };
  return kinds;
}

const DiagKindInfo& info(DiagKind kind) { return allDiagKinds()[static_cast<size_t>(kind)]; }

const DiagKindInfo* findDiagKind(std::string_view id) {
  for (const auto& k : allDiagKinds()) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

Diagnostic& DiagnosticSink::add(Diagnostic d) {
  if (d.severity == Severity::Error) ++errors_;
  if (d.severity == Severity::Warning) ++warnings_;
  diagnostics_.push_back(std::move(d));
  return diagnostics_.back();
}

void DiagnosticSink::sortAndDeduplicate() {
  auto key = [](const Diagnostic& d) {
    return std::make_tuple(d.range.file, d.range.begin, d.range.end, static_cast<int>(d.kind));
  };
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
  auto same = [&](const Diagnostic& a, const Diagnostic& b) { return key(a) == key(b) && a.message == b.message; };
  diagnostics_.erase(std::unique(diagnostics_.begin(), diagnostics_.end(), same), diagnostics_.end());
  std::stable_sort(suppressed_.begin(), suppressed_.end(),
                   [&](const auto& a, const auto& b) { return key(a.diagnostic) < key(b.diagnostic); });
  suppressed_.erase(std::unique(suppressed_.begin(), suppressed_.end(),
                                [&](const auto& a, const auto& b) { return same(a.diagnostic, b.diagnostic); }),
                    suppressed_.end());
  errors_ = warnings_ = 0;
  for (const auto& d : diagnostics_) {
    if (d.severity == Severity::Error) ++errors_;
    if (d.severity == Severity::Warning) ++warnings_;
  }
}

}  // namespace voronka
