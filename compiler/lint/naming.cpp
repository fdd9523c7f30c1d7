// vague-stage-name: "Думает", "Отложенное", "Перспектива" and their kin
// (domain article 001): stages where the manager only waits for the client.
#include <array>
#include <cctype>
#include <string>
#include <string_view>

#include "compiler/lint/context.h"

namespace voronka::lint {
namespace {

// Lowercases ASCII and Cyrillic (А–Я, Ё) letters of UTF-8 text.
std::string lower(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    char32_t c = utf8::decode(text, i);
    if (c >= U'A' && c <= U'Z')
      c += 32;
    else if (c >= U'А' && c <= U'Я')
      c += 32;
    else if (c == U'Ё')
      c = U'ё';
    utf8::append(out, c);
  }
  return out;
}

// Word beginnings that mark a waiting room rather than a step of the sale.
constexpr std::array<std::string_view, 14> kStems = {
    "думает",       "думают", "подума",   "раздум",   "отлож",   "перспектив", "ждём решения",
    "ждем решения", "think",  "postpone", "deferred", "on hold", "on_hold",    "someday",
};

bool isWordStart(const std::string& text, size_t at) {
  if (at == 0) return true;
  unsigned char before = static_cast<unsigned char>(text[at - 1]);
  // A letter before (ASCII or a UTF-8 continuation/lead byte) continues a word.
  return !(std::isalnum(before) || before >= 0x80 || before == '_');
}

bool vague(std::string_view name) {
  std::string text = lower(name);
  for (std::string_view stem : kStems) {
    for (size_t at = text.find(stem); at != std::string::npos; at = text.find(stem, at + 1)) {
      if (isWordStart(text, at) || (at > 0 && text[at - 1] == '_')) return true;
    }
  }
  return false;
}

}  // namespace

void lintStageNames(LintContext& ctx) {
  for (const auto& p : ctx.program.pipelines) {
    for (int s = 0; s < p.workingCount(); ++s) {
      const check::StageInfo& stage = p.stages[s];
      if (!stage.decl) continue;
      const auto& title = stage.decl->title;
      if (title && vague(title->value)) {
        ctx.sink.emit(diag::VagueStageName, title->range, stage.name, title->value);
      } else if (vague(stage.name)) {
        ctx.sink.emit(diag::VagueStageName, stage.decl->name.range, stage.name, title ? title->value : stage.name);
      }
    }
  }
}

}  // namespace voronka::lint
