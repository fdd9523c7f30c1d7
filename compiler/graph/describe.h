// The funnel told to the client: rule heads, robots and conditions with the
// titles of stages, fields, templates and forms instead of code names, in the
// account's language (words.h). The diagram's labels are made here.
#pragma once

#include <string>
#include <string_view>

#include "compiler/analysis/flow.h"
#include "compiler/check/program.h"
#include "compiler/graph/steps.h"
#include "compiler/graph/words.h"
#include "compiler/source/source.h"

namespace voronka::graph {

class Describer {
 public:
  Describer(const check::CheckedProgram& program, const SourceManager& sources, const Words& words);

  const Words& words() const { return words_; }

  std::string quoted(std::string_view title) const;
  std::string duration(const ast::Duration& d) const;  // "3 дн.", "1 day 12 hours"
  std::string condition(const ast::Expr& e) const;     // "Бюджет > 100 000 и Источник = Сайт"
  std::string stageTitle(analysis::StageRef s) const;  // its title, or its name without one
  std::string pipelineTitle(int pipeline) const;

  // What makes the rule run: "заполнена анкета «Бриф»", "через 3 дн., если
  // раньше не: письмо от клиента", "сразу, если Бюджет > 0" (an `on enter`).
  std::string head(const check::RuleInfo& rule) const;
  // The clauses of an `on enter` rule that limit it ("один раз", "из «Бриф»",
  // "если …"), for the robots listed in its stage; empty for a plain one.
  std::string enterClauses(const check::RuleInfo& rule) const;
  // What a step runs under: "если …", "30% сделок", "затем через 2 дн.".
  std::string context(const Step& step) const;
  // One robot: "задача «Разобрать заявку», срок 1 ч"; empty for what the
  // diagram draws as an edge (moves, closing, new deals).
  std::string robot(const ast::Action& action) const;
  // A move, a close or a new deal in a list: "→ «Выбор»", "проигрыш: «Дорого»".
  std::string outcome(const ast::Action& action, const std::optional<analysis::StageRef>& to) const;

 private:
  std::string event(const ast::EventRef& ref) const;
  std::string timing(const ast::Timing& t) const;
  std::string eventArg(lang::EventArg kind, const std::string& arg) const;
  std::string templateTitle(std::string_view name) const;
  std::string fieldTitle(std::string_view name) const;
  std::string taskTypeTitle(std::string_view name) const;
  std::string recipient(std::string_view name) const;
  std::string text(const ast::InterpolatedText& t) const;
  std::string expr(const ast::Expr& e, int parentPrecedence) const;
  std::string name(const ast::Expr& e) const;
  std::string source(SourceRange r) const { return sources_.collapsedText(r); }

  const check::CheckedProgram& program_;
  const SourceManager& sources_;
  const Words& words_;
};

// Cuts a label to `limit` characters, with "…" at the end when cut.
std::string shorten(std::string s, size_t limit);
// Breaks a label into lines of about `width` characters, between words.
std::string wrap(const std::string& s, size_t width);

}  // namespace voronka::graph
