#include "tools/voronka/crm_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "compiler/ast/ast.h"
#include "compiler/lower/lower.h"
#include "runtime/crm/crm_config.h"
#include "runtime/crm/mapping.h"
#include "runtime/crm/pull.h"

namespace voronka::tool {

namespace {

std::string at(const SourceManager& sources, const SourceRange& range) {
  if (!range.valid()) return "<funnel>";
  const SourceFile& f = sources.file(range.file);
  LineColumn lc = f.position(range.begin);
  return fmt::format("{}:{}:{}", f.path(), lc.line, lc.column);
}

CrmProblem problem(bool error, const std::string& where, const std::string& message, const char* id) {
  return {error, fmt::format("{}: {}: {} [{}]", where, error ? "error" : "warning", message, id)};
}

}  // namespace

std::vector<CrmProblem> checkCrmMapping(const std::string& crmToml, const check::CheckedProgram& program,
                                        const SourceManager& sources) {
  std::vector<CrmProblem> problems;
  // The mapping is checked, not the secrets: every variable counts as set.
  auto anyEnvironment = [](const std::string&) -> std::optional<std::string> { return "set-at-run-time-0123456789"; };
  auto loaded = crm::loadCrmConfig(crmToml, anyEnvironment);
  if (!loaded) {
    for (const auto& e : loaded.error()) problems.push_back({true, e.find(": ") != std::string::npos ? e : e});
    for (auto& p : problems) {
      size_t colon = p.text.find(": ");
      p.text = p.text.substr(0, colon) + ": error" + p.text.substr(colon) + " [crm-config]";
    }
    return problems;
  }
  const crm::CrmConfig& config = *loaded;
  bc::Module module = lower::lowerProgram(program, sources);
  auto mapping = crm::Mapping::resolve(config, module);
  if (!mapping) {
    for (const auto& e : mapping.error()) {
      size_t colon = e.find(": ", e.find(':', e.find(':', e.find(':') + 1) + 1));
      problems.push_back({true, e.substr(0, colon) + ": error" + e.substr(colon) + " [crm-unknown-name]"});
    }
    return problems;
  }
  for (const check::PipelineInfo& p : program.pipelines) {
    auto bound = std::find_if(config.pipelines.begin(), config.pipelines.end(),
                              [&](const crm::PipelineBinding& b) { return b.name == p.name; });
    if (bound == config.pipelines.end()) {
      problems.push_back(problem(
          false, at(sources, p.decl ? p.decl->name.range : SourceRange{}),
          fmt::format("pipeline `{}` is not in {}: its deals stay in Voronka", p.name, config.source), "crm-unmapped"));
      continue;
    }
    for (const check::StageInfo& s : p.stages) {
      bool mapped = std::any_of(bound->stages.begin(), bound->stages.end(),
                                [&](const crm::Binding& b) { return b.name == s.name; });
      if (!mapped) {
        problems.push_back(problem(true, at(sources, s.decl ? s.decl->name.range : SourceRange{}),
                                   fmt::format("stage `{}.{}` has no status in {} ([pipelines.{}.stages])", p.name,
                                               s.name, config.source, p.name),
                                   "crm-unmapped"));
      }
    }
  }
  for (size_t f = 0; f < program.fields.size(); ++f) {
    const check::FieldInfo& field = program.fields[f];
    std::string where = at(sources, field.decl ? field.decl->name.range : SourceRange{});
    auto bound = std::find_if(config.fields.begin(), config.fields.end(),
                              [&](const crm::FieldBinding& b) { return b.name == field.name; });
    if (bound == config.fields.end()) {
      problems.push_back(
          problem(false, where,
                  fmt::format("field `{}` is not in {} [fields]: the CRM will not see it", field.name, config.source),
                  "crm-unmapped"));
      continue;
    }
    const bc::FieldDef& def = module.fields[f];
    std::string type = bound->crmType;
    if (crm::isBuiltinCrmField(config.kind, bound->crmId) && type.empty())
      type = bound->crmId == "price" || bound->crmId == "OPPORTUNITY" ? "price" : "";
    if (!crm::typeFits(def.type, type)) {
      problems.push_back(problem(true, where,
                                 fmt::format("field `{}` is {} in the CRM, which cannot hold the funnel's values",
                                             field.name, type.empty() ? "?" : type),
                                 "crm-type-mismatch"));
    }
    if (def.type == bc::ValueType::Enum) {
      const bc::EnumDef& e = module.enums[static_cast<size_t>(def.enumId)];
      for (int32_t member : e.members) {
        const std::string& name = module.str(member);
        bool mapped = std::any_of(bound->enumMembers.begin(), bound->enumMembers.end(),
                                  [&](const crm::Binding& b) { return b.name == name; });
        if (!mapped) {
          problems.push_back(problem(
              true, where,
              fmt::format("member `{}` of field `{}` has no value id in {} (enums)", name, field.name, config.source),
              "crm-unmapped"));
        }
      }
    }
  }
  for (const check::UserInfo& u : program.users) {
    bool mapped =
        std::any_of(config.users.begin(), config.users.end(), [&](const crm::Binding& b) { return b.name == u.name; });
    if (!mapped) {
      problems.push_back(problem(
          false, at(sources, u.declared),
          fmt::format("user `{}` is not in {} [users]: the CRM will not see it as responsible", u.name, config.source),
          "crm-unmapped"));
    }
  }
  return problems;
}

}  // namespace voronka::tool
