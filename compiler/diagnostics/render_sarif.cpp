// The reports for CI: SARIF 2.1.0 (OASIS) for code-scanning services such as
// GitHub's, GitLab's Code Quality report, and the fingerprints both carry.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>

#include "common/hash.h"
#include "compiler/diagnostics/render.h"

namespace voronka {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// Where a file is for a CI service: relative to the source root when inside
// it (what code scanning matches against the repository), else an absolute
// file URI. `<stdlib>/…` paths are the standard library's files.
class PathMapper {
 public:
  PathMapper(fs::path root, fs::path stdlib) : stdlib_(std::move(stdlib)) {
    std::error_code ec;
    root_ = root.empty() ? fs::current_path(ec) : fs::absolute(root, ec);
    root_ = root_.lexically_normal();
  }

  // The file's path relative to the root, or nullopt (with `absolute` set) when outside it.
  std::optional<std::string> relative(const std::string& displayPath, fs::path& absolute) const {
    std::error_code ec;
    fs::path p(displayPath);
    if (displayPath.rfind("<stdlib>/", 0) == 0) p = stdlib_ / displayPath.substr(9);
    absolute = fs::absolute(p, ec).lexically_normal();
    fs::path rel = absolute.lexically_relative(root_);
    if (rel.empty() || *rel.begin() == "..") return std::nullopt;
    return rel.generic_string();
  }

  struct Uri {
    std::string uri;
    bool relative;
  };
  Uri uri(const std::string& displayPath) const {
    fs::path absolute;
    if (auto rel = relative(displayPath, absolute)) return {encode(*rel), true};
    return {"file://" + encode(absolute.generic_string()), false};
  }
  std::string rootUri() const {
    std::string path = root_.generic_string();
    if (path.empty() || path.back() != '/') path += '/';
    return "file://" + encode(path);
  }

  // Percent-encodes all but unreserved characters and `/` (RFC 3986); UTF-8
  // names (Cyrillic folders) become %D0%BA…
  static std::string encode(std::string_view path) {
    std::string out;
    for (unsigned char c : path) {
      bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                   c == '_' || c == '~' || c == '/';
      out += plain ? std::string(1, static_cast<char>(c)) : fmt::format("%{:02X}", c);
    }
    return out;
  }

 private:
  fs::path root_;
  fs::path stdlib_;
};

std::string docsBase(const std::string& docsUrl) {
  std::string base = docsUrl;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

constexpr const char* kSchema =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

// "plain-http" → "PlainHttp": SARIF's readable rule name.
std::string ruleName(std::string_view id) {
  std::string out;
  bool upper = true;
  for (char c : id) {
    if (c == '-') {
      upper = true;
      continue;
    }
    out += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    upper = false;
  }
  return out;
}

// The explanation's first sentence ("e.g." does not end one).
std::string firstSentence(std::string_view text) {
  size_t from = 0;
  while (true) {
    size_t end = text.find(". ", from);
    if (end == std::string_view::npos) return std::string(text);
    if (end >= 3 && text.substr(end - 3, 3) == "e.g") {
      from = end + 2;
      continue;
    }
    return std::string(text.substr(0, end + 1));
  }
}

bool isLintKind(const DiagKindInfo& k) { return k.severity == Severity::Warning; }

std::string helpUri(const DiagKindInfo& k, const std::string& docsUrl) {
  std::string base = docsBase(docsUrl);
  if (isLintKind(k)) return fmt::format("{}/lints.md#{}", base, k.id);
  return base + "/language.md#104-all-diagnostics";
}

const char* level(Severity s) { return s == Severity::Error ? "error" : s == Severity::Warning ? "warning" : "note"; }

json region(const SourceRange& range, const SourceManager& sources) {
  const SourceFile& file = sources.file(range.file);
  LineColumn begin = file.position(range.begin), end = file.position(range.end);
  return {{"startLine", begin.line}, {"startColumn", begin.column}, {"endLine", end.line},
          {"endColumn", end.column}, {"byteOffset", range.begin},   {"byteLength", range.end - range.begin}};
}

json physicalLocation(const SourceRange& range, const SourceManager& sources, const PathMapper& paths) {
  PathMapper::Uri uri = paths.uri(sources.file(range.file).path());
  json artifact = {{"uri", uri.uri}};
  if (uri.relative) artifact["uriBaseId"] = "%SRCROOT%";
  return {{"artifactLocation", std::move(artifact)}, {"region", region(range, sources)}};
}

json rules(const std::string& docsUrl) {
  json out = json::array();
  for (const auto& k : allDiagKinds()) {
    std::string uri = helpUri(k, docsUrl);
    json rule = {{"id", std::string(k.id)},
                 {"shortDescription", {{"text", firstSentence(k.explanation)}}},
                 {"fullDescription", {{"text", std::string(k.explanation)}}},
                 {"helpUri", uri},
                 {"help",
                  {{"text", fmt::format("{} See {}", k.explanation, uri)},
                   {"markdown", fmt::format("{}\n\n[`{}` in the documentation]({})", k.explanation, k.id, uri)}}},
                 {"defaultConfiguration", {{"level", level(k.severity)}}},
                 {"properties", {{"tags", json::array({isLintKind(k) ? "lint" : "error", "funnel"})}}}};
    // A name equal to the id but for case (`syntax`) is left out (SARIF Multitool's SARIF1001).
    std::string name = ruleName(k.id);
    if (!std::equal(name.begin(), name.end(), k.id.begin(), k.id.end(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      rule["name"] = name;
    }
    out.push_back(std::move(rule));
  }
  return out;
}

std::string trimmed(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return std::string(s.substr(b, e - b));
}

// Code Quality's category: where deal data goes (plain http, a host from a
// field) is a security matter.
const char* category(const Diagnostic& d) {
  if (d.id() == "plain-http" || d.id() == "host-from-field") return "Security";
  return d.severity == Severity::Error ? "Bug Risk" : "Style";
}

// The run's one invocation: unsuccessful, with a notification per failure,
// when the command stopped before checking (exit status 2).
json invocation(const std::vector<std::string>& failures) {
  json out = {{"executionSuccessful", failures.empty()}};
  if (failures.empty()) return out;
  json notes = json::array();
  for (const auto& f : failures) {
    notes.push_back({{"level", "error"}, {"message", {{"text", f}}}, {"descriptor", {{"id", "usage"}}}});
  }
  out["toolExecutionNotifications"] = std::move(notes);
  out["exitCode"] = 2;
  return out;
}

}  // namespace

std::vector<std::string> fingerprints(const DiagnosticSink& sink, const SourceManager& sources) {
  std::vector<std::string> out;
  std::map<std::string, int> seen;  // key → how many diagnostics had it so far
  for (const auto& d : sink.all()) {
    std::string key(d.id());
    key += '\0';
    if (d.range.valid()) {
      const SourceFile& file = sources.file(d.range.file);
      uint32_t line = file.position(d.range.begin).line;
      key += file.path();
      key += '\0';
      key += trimmed(file.lineText(line));
      key += '\0';
      key += file.text().substr(d.range.begin, std::min<uint32_t>(d.range.end - d.range.begin, 256));
    } else {
      key += d.message;
    }
    int rank = seen[key]++;
    out.push_back(fmt::format("{:016x}", fnv1a(std::to_string(rank), fnv1a(key))));
  }
  return out;
}

std::string renderSarif(const DiagnosticSink& sink, const SourceManager& sources, const CiReportOptions& options) {
  PathMapper paths(options.sourceRoot, options.stdlibDir);
  std::map<std::string_view, size_t> ruleIndex;
  for (size_t i = 0; i < allDiagKinds().size(); ++i) ruleIndex[allDiagKinds()[i].id] = i;

  std::vector<std::string> prints = fingerprints(sink, sources);
  // The silenced findings get fingerprints of their own set.
  DiagnosticSink silenced;
  for (const auto& s : sink.suppressed()) silenced.add(s.diagnostic);
  std::vector<std::string> silencedPrints = fingerprints(silenced, sources);
  json results = json::array();
  size_t total = sink.all().size() + sink.suppressed().size();
  for (size_t i = 0; i < total; ++i) {
    bool isSuppressed = i >= sink.all().size();
    const SuppressedDiagnostic* s = isSuppressed ? &sink.suppressed()[i - sink.all().size()] : nullptr;
    const Diagnostic& d = s ? s->diagnostic : sink.all()[i];
    std::string print = s ? silencedPrints[i - sink.all().size()] : prints[i];
    std::string text = d.message;
    json related = json::array();
    for (const auto& n : d.notes) {
      if (!n.range.valid()) {
        text += "\n" + n.message;  // "did you mean …?" belongs with the message
        continue;
      }
      related.push_back({{"id", related.size()},
                         {"message", {{"text", n.message}}},
                         {"physicalLocation", physicalLocation(n.range, sources, paths)}});
    }
    json result = {{"ruleId", std::string(d.id())},
                   {"ruleIndex", ruleIndex[d.id()]},
                   {"level", level(d.severity)},
                   {"message", {{"text", text}}},
                   {"partialFingerprints", {{"voronkaFingerprint/v1", print}}}};
    if (s) {
      result["suppressions"] = json::array({{{"kind", s->inSource ? "inSource" : "external"},
                                             {"status", "accepted"},
                                             {"justification", s->justification}}});
    }
    if (d.range.valid())
      result["locations"] = json::array({{{"physicalLocation", physicalLocation(d.range, sources, paths)}}});
    if (!related.empty()) result["relatedLocations"] = std::move(related);
    results.push_back(std::move(result));
  }

  json driver = {{"name", "voronka"},
                 {"version", options.toolVersion},
                 {"semanticVersion", options.toolVersion},
                 {"informationUri", docsBase(options.docsUrl) + "/ci.md"},
                 {"rules", rules(options.docsUrl)}};
  json run = {{"tool", {{"driver", std::move(driver)}}},
              {"originalUriBaseIds", {{"%SRCROOT%", {{"uri", paths.rootUri()}}}}},
              {"columnKind", "unicodeCodePoints"},
              {"invocations", json::array({invocation(options.failures)})},
              {"results", std::move(results)}};
  json root = {{"$schema", kSchema}, {"version", "2.1.0"}, {"runs", json::array({std::move(run)})}};
  return root.dump(2) + "\n";
}

// GitLab Code Quality: an array of CodeClimate issues. GitLab shows them in
// merge requests; paths must be relative to the repository.
std::string renderCodeQuality(const DiagnosticSink& sink, const SourceManager& sources,
                              const CiReportOptions& options) {
  PathMapper paths(options.sourceRoot, options.stdlibDir);
  std::vector<std::string> prints = fingerprints(sink, sources);
  json issues = json::array();
  for (size_t i = 0; i < sink.all().size(); ++i) {
    const Diagnostic& d = sink.all()[i];
    json issue = {{"type", "issue"},
                  {"description", fmt::format("{} [{}]", d.message, d.id())},
                  {"check_name", std::string(d.id())},
                  {"fingerprint", prints[i]},
                  {"severity", d.severity == Severity::Error ? "major" : "minor"},
                  {"categories", json::array({category(d)})}};
    if (d.range.valid()) {
      const SourceFile& file = sources.file(d.range.file);
      fs::path absolute;
      std::optional<std::string> rel = paths.relative(file.path(), absolute);
      issue["location"] = {
          {"path", rel ? *rel : absolute.generic_string()},
          {"lines", {{"begin", file.position(d.range.begin).line}, {"end", file.position(d.range.end).line}}}};
    }
    issues.push_back(std::move(issue));
  }
  return issues.dump(2) + "\n";
}

}  // namespace voronka
