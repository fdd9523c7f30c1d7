#include "runtime/moddiff/moddiff.h"

#include "runtime/moddiff/context.h"

namespace voronka::moddiff {

std::string_view kindName(ChangeKind k) {
  switch (k) {
    case ChangeKind::Added: return "added";
    case ChangeKind::Removed: return "removed";
    case ChangeKind::Renamed: return "renamed?";
    case ChangeKind::Moved: return "moved";
    case ChangeKind::Changed: return "changed";
  }
  return "?";
}

std::optional<Place> Side::place(int32_t file, int line) const {
  if (line <= 0) return std::nullopt;
  Place p;
  p.file = file >= 0 ? m.str(file) : "";
  p.line = line;
  if (lines) p.text = lines(p.file, line).value_or("");
  return p;
}

std::optional<Place> Side::functionPlace(int32_t function) const {
  if (function < 0) return std::nullopt;
  const bc::Function& f = m.functions[static_cast<size_t>(function)];
  for (int line : f.lines) {
    if (line > 0) return place(f.file, line);
  }
  return std::nullopt;
}

Change& Context::add(ChangeKind kind, std::string what, std::string pipeline, std::string stage, std::string name,
                     std::string summary) {
  Change& ch = changes.emplace_back();
  ch.kind = kind;
  ch.what = std::move(what);
  ch.pipeline = std::move(pipeline);
  ch.stage = std::move(stage);
  ch.name = std::move(name);
  ch.summary = std::move(summary);
  return ch;
}

std::vector<std::string> listDiff(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> lcs(n + 1, std::vector<int>(m + 1, 0));
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  std::vector<std::string> out;
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      ++i, ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out.push_back("- " + a[i++]);
    } else {
      out.push_back("+ " + b[j++]);
    }
  }
  return out;
}

ModuleDiff diffModules(const bc::Module& oldModule, const bc::Module& newModule, const DiffOptions& options) {
  Context c(oldModule, newModule, options);
  diffDeclarations(c);
  diffPipelines(c);
  return ModuleDiff{std::move(c.changes)};
}

}  // namespace voronka::moddiff
