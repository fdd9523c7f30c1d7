#include <fmt/format.h>

#include "compiler/check/checker_impl.h"
#include "compiler/check/suggest.h"

namespace voronka::check {

CheckedProgram checkProgram(const std::vector<const ast::Module*>& modules, DiagnosticSink& sink) {
  return Checker(sink).run(modules);
}

CheckedProgram Checker::run(const std::vector<const ast::Module*>& modules) {
  prog_.modules = modules;
  declareBuiltins();
  // Pass 1: every name of every file, so declarations may come in any order.
  // Used files first: a name declared again is reported where it is repeated.
  for (auto it = modules.rbegin(); it != modules.rend(); ++it) collect(**it);
  // Pass 2: what the declarations say.
  checkDeclarations();
  for (size_t p = 0; p < prog_.pipelines.size(); ++p) checkPipelineShape(static_cast<int>(p));
  for (size_t p = 0; p < prog_.pipelines.size(); ++p) checkPipelineRules(static_cast<int>(p));
  checkTopLevelRules();
  checkMoveCycles();
  checkTests();
  return std::move(prog_);
}

bool Checker::declare(NameTable& table, std::string_view kind, const ast::Ident& name, int index,
                      const std::function<SourceRange(int)>& firstAt) {
  if (name.text.empty()) return false;  // a parse error already reported
  auto [it, inserted] = table.emplace(name.text, index);
  if (inserted) return true;
  sink_.emit(diag::DuplicateName, name.range, kind, name.text).note(firstAt(it->second), "first declared here");
  return false;
}

Diagnostic& Checker::unknown(std::string_view kind, const ast::Ident& name, const std::vector<std::string>& candidates,
                             std::string_view context) {
  Diagnostic& d = sink_.emit(diag::UnknownName, name.range, kind, name.text, context);
  if (auto best = closestName(name.text, candidates)) d.note(fmt::format("did you mean `{}`?", *best));
  if (mixesScripts(name.text)) {
    d.note(fmt::format("`{}` mixes Cyrillic and Latin letters that look alike", name.text));
  }
  return d;
}

int Checker::resolve(const NameTable& table, std::string_view kind, const ast::Ident& name) {
  if (name.text.empty()) return kNone;
  int index = CheckedProgram::lookup(table, name.text);
  if (index == kNone) unknown(kind, name, keys(table));
  return index;
}

Diagnostic& Checker::unknownStage(int pipeline, const ast::Ident& name, bool withFinals) {
  const PipelineInfo& p = prog_.pipelines[pipeline];
  std::vector<std::string> names;
  int count = withFinals ? static_cast<int>(p.stages.size()) : p.workingCount();
  for (int i = 0; i < count; ++i) names.push_back(p.stages[i].name);
  return unknown("stage", name, names, fmt::format(" in pipeline `{}`", p.name));
}

std::vector<std::string> Checker::keys(const NameTable& table) {
  std::vector<std::string> out;
  out.reserve(table.size());
  for (const auto& [name, index] : table) out.push_back(name);
  return out;
}

std::string Checker::stageDisplay(int pipeline, int stage) const {
  const PipelineInfo& p = prog_.pipelines[pipeline];
  return fmt::format("{}.{}", p.name, p.stages[stage].name);
}

}  // namespace voronka::check
