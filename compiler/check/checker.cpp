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
  // Named enums first: the types of fields and event parameters name them.
  for (auto it = modules.rbegin(); it != modules.rend(); ++it) declareEnums(**it);
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
  suggest(d, name.text, candidates);
  return d;
}

void Checker::suggest(Diagnostic& d, std::string_view name, const std::vector<std::string>& candidates) {
  if (auto best = closestName(name, candidates)) d.note(fmt::format("did you mean `{}`?", *best));
  if (mixesScripts(name)) d.note(fmt::format("`{}` mixes Cyrillic and Latin letters that look alike", name));
}

int Checker::resolve(const NameTable& table, std::string_view kind, const ast::Ident& name) {
  if (name.text.empty()) return kNone;
  int index = CheckedProgram::lookup(table, name.text);
  if (index == kNone) unknown(kind, name, keys(table));
  return index;
}

Diagnostic& Checker::unknownStage(int pipeline, const ast::Ident& name, bool withFinals, bool qualifiedAllowed) {
  const PipelineInfo& p = prog_.pipelines[pipeline];
  std::string context = fmt::format(" in pipeline `{}`", p.name);
  // The exact name in another pipeline says more than a near miss in this one.
  Diagnostic& d = sink_.emit(diag::UnknownName, name.range, "stage", name.text, context);
  if (noteQualifiedStage(d, name.text, pipeline, qualifiedAllowed)) return d;
  std::vector<std::string> names;
  int count = withFinals ? static_cast<int>(p.stages.size()) : p.workingCount();
  for (int i = 0; i < count; ++i) names.push_back(p.stages[i].name);
  suggest(d, name.text, names);
  return d;
}

bool Checker::noteQualifiedStage(Diagnostic& d, std::string_view name, int except, bool qualifiedAllowed) {
  std::vector<std::string> pipelines;
  for (size_t p = 0; p < prog_.pipelines.size(); ++p) {
    const PipelineInfo& other = prog_.pipelines[p];
    int stage = other.findStage(name);
    // `won`/`lost` are in every pipeline: not a hint worth giving.
    if (static_cast<int>(p) != except && stage != kNone && other.stages[stage].kind == ast::StageKind::Working) {
      pipelines.push_back(other.name);
    }
  }
  if (pipelines.empty()) return false;
  // "`a`", "`a` and `b`", "`a`, `b` and `c`" (or "or" for the choices).
  auto join = [&](std::string_view last, auto&& show) {
    std::string out;
    for (size_t i = 0; i < pipelines.size(); ++i) {
      if (i > 0) out += i + 1 == pipelines.size() ? fmt::format(" {} ", last) : std::string(", ");
      out += show(pipelines[i]);
    }
    return out;
  };
  std::string where = fmt::format("`{}` is a stage of pipeline{} {}", name, pipelines.size() == 1 ? "" : "s",
                                  join("and", [](const std::string& p) { return fmt::format("`{}`", p); }));
  std::string qualified = join("or", [&](const std::string& p) { return fmt::format("`{}.{}`", p, name); });
  if (qualifiedAllowed) {
    d.note(fmt::format("{}; write {}", where, qualified));
  } else {
    d.note(fmt::format("{} ({}), but only a stage of this pipeline can stand here", where, qualified));
  }
  return true;
}

int Checker::resolvePipeline(const ast::Ident& name) {
  if (name.text.empty()) return kNone;
  int index = CheckedProgram::lookup(prog_.pipelineIndex, name.text);
  if (index != kNone) return index;
  Diagnostic& d = sink_.emit(diag::UnknownName, name.range, "pipeline", name.text, "");
  if (noteQualifiedStage(d, name.text, kNone)) return kNone;
  suggest(d, name.text, keys(prog_.pipelineIndex));
  return kNone;
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
