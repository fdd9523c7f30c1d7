// Canonical texts of a module's parts, independent of table positions: two
// modules compiled from the same rule give the same text for it even when
// strings, constants, functions and actions sit at other indexes. The diff
// compares these; it never compares indexes. Source lines are left out, so
// a rule that only moved in the file is unchanged.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "runtime/bytecode/module.h"

namespace voronka::moddiff {

class Canon {
 public:
  explicit Canon(const bc::Module& module) : m_(module) {}
  const bc::Module& module() const { return m_; }

  // The new side of a rename speaks of a stage or pipeline by its old name,
  // so a move to a renamed stage is not a change of the rule that makes it.
  void aliasStage(int32_t pipeline, int32_t stage, std::string name);
  void aliasPipeline(int32_t pipeline, std::string name);
  std::string pipeline(int32_t p) const;
  std::string stage(int32_t p, int32_t s) const;  // "pipeline.stage"

  std::string constant(int32_t k) const;
  std::string function(int32_t f) const;  // every instruction, operands by meaning
  std::string action(int32_t a) const;    // every operand by meaning, `then` blocks included
  std::string rule(int32_t r) const;      // head, conditions and body
  std::string event(int32_t event, int32_t arg) const;

 private:
  std::string functionAt(int32_t f, int depth) const;
  std::string actionAt(int32_t a, int depth) const;
  const bc::Module& m_;
  std::map<std::pair<int32_t, int32_t>, std::string> stageAlias_;
  std::map<int32_t, std::string> pipelineAlias_;
};

// How people read a module's parts (the language's own words where it can).
// Built on the disassembler's (bc::durationText, bc::quoted); workdays read "1 workday".
std::string duration(int64_t seconds, int32_t workdays);
std::string quote(std::string_view text, size_t max = 60);
// `on email_opened(welcome) from clarify once when …`, `after 2d unless link_clicked`
std::string ruleHead(const bc::Module& m, const bc::RuleDef& rule);
// What matches a rule to its counterpart when its body changed: its event
// (with argument and `from`), or "timer" for a timed rule.
std::string ruleKey(const bc::Module& m, const bc::RuleDef& rule);
// The actions a block performs, in order, as the source would say them;
// texts shown where they are constants or simple interpolations.
std::vector<std::string> blockActions(const bc::Module& m, int32_t function);
// The text an expression function returns, as far as it is written out
// (`"Hello, {contact.name}!"`), or "…" where it is computed.
std::string expressionText(const bc::Module& m, int32_t function);

}  // namespace voronka::moddiff
