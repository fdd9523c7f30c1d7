#include "compiler/check/program.h"

namespace voronka::check {

int EnumInfo::find(std::string_view member) const {
  for (size_t i = 0; i < members.size(); ++i) {
    if (members[i] == member) return static_cast<int>(i);
  }
  return kNone;
}

const EventParam* EventInfo::param(std::string_view name) const {
  for (const auto& p : params) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

bool CalendarInfo::hasWorkhours() const {
  for (const auto& day : windows) {
    if (!day.empty()) return true;
  }
  return false;
}

int PipelineInfo::findStage(std::string_view name) const {
  for (size_t i = 0; i < stages.size(); ++i) {
    if (stages[i].name == name) return static_cast<int>(i);
  }
  return kNone;
}

int CheckedProgram::lookup(const std::map<std::string, int, std::less<>>& table, std::string_view name) {
  auto it = table.find(name);
  return it == table.end() ? kNone : it->second;
}

const ExprInfo* CheckedProgram::info(const ast::Expr* e) const {
  auto it = exprs.find(e);
  return it == exprs.end() ? nullptr : &it->second;
}

}  // namespace voronka::check
