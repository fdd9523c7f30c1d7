#include "compiler/lint/suppressions.h"

#include <fmt/format.h>

#include "compiler/check/suggest.h"
#include "compiler/lint/lint.h"

namespace voronka::lint {
namespace {

bool isIdChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }
bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Byte offset where a 1-based line starts, and where it ends (before its line break).
std::pair<uint32_t, uint32_t> lineSpan(const SourceFile& file, uint32_t line) {
  std::string_view text = file.lineText(line);
  uint32_t begin = static_cast<uint32_t>(text.data() - file.text().data());
  return {begin, begin + static_cast<uint32_t>(text.size())};
}

bool blankOrComment(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && isSpace(line[i])) ++i;
  return i == line.size() || line.substr(i, 2) == "//" || line.substr(i, 2) == "/*";
}

// Pipelines, stages and rules, by the line they start on.
void collectNodes(const ast::Module& module, const SourceFile& file, std::multimap<uint32_t, SourceRange>& out) {
  auto add = [&](const SourceRange& r) {
    if (r.valid()) out.emplace(file.position(r.begin).line, r);
  };
  for (const auto& decl : module.decls) {
    add(decl->range);
    if (decl->kind != ast::DeclKind::Pipeline) continue;
    const auto& p = decl->as<ast::PipelineDecl>();
    for (const auto& rule : p.rules) add(rule->range);
    for (const auto& stage : p.stages) {
      add(stage->range);
      for (const auto& rule : stage->rules) add(rule->range);
    }
  }
}

std::vector<std::string> lintIds() {
  std::vector<std::string> ids;
  for (const auto& k : allDiagKinds()) {
    if (isLint(k.kind)) ids.emplace_back(k.id);
  }
  return ids;
}

}  // namespace

std::vector<Allow> parseAllow(const ast::Comment& comment) {
  std::vector<Allow> out;
  std::string_view text = comment.text;
  size_t i = 2;  // after `//` or `/*`
  auto skipSpaces = [&] {
    while (i < text.size() && isSpace(text[i])) ++i;
  };
  auto word = [&](std::string_view w) {
    if (text.substr(i, w.size()) != w) return false;
    i += w.size();
    return true;
  };
  skipSpaces();
  if (!word("voronka:")) return out;
  skipSpaces();
  if (!word("allow") || i >= text.size() || !isSpace(text[i])) return out;
  while (true) {
    skipSpaces();
    size_t start = i;
    while (i < text.size() && isIdChar(text[i])) ++i;
    if (i == start) break;
    out.push_back(Allow{std::string(text.substr(start, i - start)),
                        SourceRange{comment.range.file, comment.range.begin + static_cast<uint32_t>(start),
                                    comment.range.begin + static_cast<uint32_t>(i)}});
    skipSpaces();
    if (i >= text.size() || text[i] != ',') break;
    ++i;
  }
  return out;
}

Suppressions::Suppressions(const std::vector<const ast::Module*>& modules, const SourceManager& sources,
                           DiagnosticSink& sink) {
  static const std::vector<std::string> ids = lintIds();
  for (const ast::Module* module : modules) {
    if (module->comments.empty() || module->file == kNoFile) continue;
    const SourceFile& file = sources.file(module->file);
    std::multimap<uint32_t, SourceRange> nodes;
    bool nodesCollected = false;
    for (const ast::Comment& comment : module->comments) {
      std::vector<Allow> allows = parseAllow(comment);
      if (allows.empty()) continue;
      if (!nodesCollected) {
        collectNodes(*module, file, nodes);
        nodesCollected = true;
      }
      uint32_t line = file.position(comment.range.begin).line;
      auto [lineBegin, lineEnd] = lineSpan(file, line);
      std::vector<std::pair<uint32_t, uint32_t>> ranges{{lineBegin, lineEnd + 1}};
      bool alone = blankOrComment(file.text().substr(lineBegin, comment.range.begin - lineBegin));
      uint32_t blockLine = line;
      if (alone) {
        // The next line of code, and the pipeline, stage or rule starting there.
        uint32_t next = file.position(comment.range.end).line + 1;
        while (next <= file.lineCount() && blankOrComment(file.lineText(next))) ++next;
        blockLine = next;
        if (next <= file.lineCount()) {
          auto [b, e] = lineSpan(file, next);
          ranges.emplace_back(b, e + 1);
        }
      }
      auto [from, to] = nodes.equal_range(blockLine);
      for (auto it = from; it != to; ++it) {
        // On the first line of a node only if the comment comes after its start.
        if (!alone && it->second.begin > comment.range.begin) continue;
        ranges.emplace_back(it->second.begin, it->second.end);
      }
      for (const Allow& allow : allows) {
        const DiagKindInfo* kind = findDiagKind(allow.id);
        if (!kind || !isLint(kind->kind)) {
          std::string why =
              kind ? fmt::format("`{}` is an error, and errors cannot be silenced; fix what it reports", allow.id)
                   : "there is no lint with this id; `voronka explain --list` lists the lints (the warnings)";
          Diagnostic& d = sink.emit(diag::BadAllow, allow.range, allow.id, why);
          if (!kind) {
            if (auto close = check::closestName(allow.id, ids)) d.note(fmt::format("did you mean `{}`?", *close));
          }
          continue;
        }
        std::string text(file.text().substr(comment.range.begin, comment.range.end - comment.range.begin));
        for (const auto& [b, e] : ranges) scopes_[module->file].push_back(Scope{b, e, allow.id, text});
      }
    }
  }
}

const std::string* Suppressions::silencing(const Diagnostic& d) const {
  if (!d.range.valid()) return nullptr;
  auto it = scopes_.find(d.range.file);
  if (it == scopes_.end()) return nullptr;
  for (const Scope& s : it->second) {
    if (s.id == d.id() && d.range.begin >= s.begin && d.range.begin < s.end) return &s.comment;
  }
  return nullptr;
}

}  // namespace voronka::lint
