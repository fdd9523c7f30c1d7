// What rules can read of where a deal is: `deal.stage` and
// `deal.previous_stage` (compared with a stage: `contract` in the pipeline
// around, `retail.contract` anywhere), `deal.pipeline` (with a pipeline's
// name) and `deal.lost_reason` (a text that must be a declared loss reason).
// Also `level.beginner`, a member of a named enum written with the enum's name.
#include <fmt/format.h>

#include "compiler/check/checker_impl.h"
#include "compiler/check/suggest.h"

namespace voronka::check {
namespace {

bool isEquality(ast::BinaryOp op) {
  return op == ast::BinaryOp::Eq || op == ast::BinaryOp::Ne || op == ast::BinaryOp::In || op == ast::BinaryOp::NotIn;
}

}  // namespace

Type Checker::checkStageName(const ast::NameExpr& e, const Scope& scope) {
  ast::Ident name{e.name, e.range};
  if (scope.pipeline == kNone) {
    // No pipeline around (a test's `expect`, a template): only `pipeline.stage` says which stage.
    Diagnostic& d = sink_.emit(diag::UnknownName, e.range, "stage", e.name, " outside a pipeline");
    if (!noteQualifiedStage(d, e.name, kNone)) d.note("name a stage with its pipeline here: `PIPELINE.STAGE`");
    return record(e, Type{});
  }
  int stage = prog_.pipelines[scope.pipeline].findStage(e.name);
  if (stage == kNone) {
    Diagnostic& d = unknownStage(scope.pipeline, name, /*withFinals=*/true);
    if (CheckedProgram::lookup(prog_.pipelineIndex, e.name) != kNone) {
      d.note(fmt::format("`{}` is a pipeline; compare it with `deal.pipeline`", e.name));
    }
    return record(e, Type{});
  }
  Type t = record(e, Type::of(TypeKind::Stage), NameKind::Stage, stage);
  prog_.exprs[&e].pipeline = scope.pipeline;
  return t;
}

Type Checker::checkPipelineName(const ast::NameExpr& e) {
  int pipeline = resolvePipeline(ast::Ident{e.name, e.range});
  if (pipeline == kNone) return record(e, Type{});
  return record(e, Type::of(TypeKind::Pipeline), NameKind::Pipeline, pipeline);
}

std::optional<Type> Checker::checkQualifiedName(const ast::MemberExpr& e, const Scope& scope) {
  if (e.base->kind != ast::ExprKind::Name) return std::nullopt;
  const std::string& base = e.base->as<ast::NameExpr>().name;
  // A payload field, a deal field or a built-in value of that name wins.
  if (resolvesWithoutType(base, scope)) return std::nullopt;
  if (int p = CheckedProgram::lookup(prog_.pipelineIndex, base); p != kNone) {
    record(*e.base, Type::of(TypeKind::Pipeline), NameKind::Pipeline, p);
    int stage = prog_.pipelines[p].findStage(e.member.text);
    if (stage == kNone) {
      unknownStage(p, e.member, /*withFinals=*/true);
      return record(e, Type{});
    }
    Type t = record(e, Type::of(TypeKind::Stage), NameKind::Stage, stage);
    prog_.exprs[&e].pipeline = p;
    return t;
  }
  if (int named = CheckedProgram::lookup(prog_.enumIndex, base); named != kNone) {
    record(*e.base, Type{}, NameKind::Enum, named);
    const EnumInfo& en = prog_.enums[named];
    int member = en.find(e.member.text);
    if (member == kNone) {
      unknown("value", e.member, en.members, fmt::format(" of `{}`", en.owner));
      return record(e, Type{});
    }
    return record(e, Type::enumType(static_cast<uint16_t>(named)), NameKind::EnumMember, member);
  }
  return std::nullopt;
}

void Checker::checkReasonComparison(const ast::BinaryExpr& e, const Scope& scope) {
  if (!isEquality(e.op)) return;
  auto isReason = [&](const ast::Expr& x) {
    const ExprInfo* info = prog_.info(&x);
    return info && info->name == NameKind::DealLostReason;
  };
  const ast::Expr* text = nullptr;
  if (isReason(*e.lhs)) {
    text = e.rhs.get();
  } else if (isReason(*e.rhs) && e.op != ast::BinaryOp::In && e.op != ast::BinaryOp::NotIn) {
    text = e.lhs.get();
  }
  if (!text) return;
  if (text->kind == ast::ExprKind::List) {
    for (const auto& item : text->as<ast::ListExpr>().items) checkReasonText(*item, scope);
  } else {
    checkReasonText(*text, scope);
  }
}

void Checker::checkReasonText(const ast::Expr& text, const Scope& scope) {
  if (text.kind != ast::ExprKind::String) return;  // known only at run time
  ast::Text reason{text.as<ast::StringExpr>().value, text.range};
  if (scope.pipeline != kNone) {
    checkLossReason(scope.pipeline, reason);
    return;
  }
  // Outside a pipeline the deal may be in any of them: a reason of one will do.
  // The error names the pipeline whose reasons come closest (the first, if none is close).
  int reportIn = kNone;
  bool close = false;
  for (size_t p = 0; p < prog_.pipelines.size(); ++p) {
    const PipelineInfo& pipeline = prog_.pipelines[p];
    if (pipeline.reasons.empty()) return;  // any reason goes there
    for (const auto& r : pipeline.reasons) {
      if (r == reason.value) return;
    }
    if (!close && closestName(reason.value, pipeline.reasons)) {
      reportIn = static_cast<int>(p);
      close = true;
    }
    if (reportIn == kNone) reportIn = static_cast<int>(p);
  }
  if (reportIn != kNone) checkLossReason(reportIn, reason);
}

bool Checker::noteDistinctEnums(Diagnostic& d, const Type& a, const Type& b) {
  if (!a.is(TypeKind::Enum) || !b.is(TypeKind::Enum) || a.enumId == b.enumId) return false;
  d.note(
      fmt::format("`{}` and `{}` are different enums, even with the same values: each `enum {{ … }}` is a type "
                  "of its own; declare `enum NAME {{ … }}` once and give both the type NAME",
                  prog_.enums[a.enumId].owner, prog_.enums[b.enumId].owner));
  return true;
}

void Checker::explainOperands(Diagnostic& d, const ast::BinaryExpr& e, const Type& lhs, const Type& rhs,
                              const Scope& scope) {
  if (noteDistinctEnums(d, lhs, rhs)) return;
  bool stage = lhs.is(TypeKind::Stage) || rhs.is(TypeKind::Stage);
  bool pipeline = lhs.is(TypeKind::Pipeline) || rhs.is(TypeKind::Pipeline);
  if (!stage && !pipeline) return;
  if (!isEquality(e.op)) {
    d.note(fmt::format("{} are compared with `==`, `!=` and `in [ … ]`", stage ? "stages" : "pipelines"));
    return;
  }
  // `deal.stage == "contract"`: the name is right, the quotes are not.
  const ast::Expr& other = lhs.is(TypeKind::Stage) || lhs.is(TypeKind::Pipeline) ? *e.rhs : *e.lhs;
  if (other.kind == ast::ExprKind::String) {
    const std::string& written = other.as<ast::StringExpr>().value;
    bool known = stage ? scope.pipeline != kNone && prog_.pipelines[scope.pipeline].findStage(written) != kNone
                       : CheckedProgram::lookup(prog_.pipelineIndex, written) != kNone;
    if (known) {
      d.note(fmt::format("write the {} without quotes: `{}`", stage ? "stage" : "pipeline", written));
      return;
    }
  }
  // Examples from the program itself: the pipeline around, or the first one.
  int example = scope.pipeline != kNone ? scope.pipeline : prog_.pipelines.empty() ? kNone : 0;
  const PipelineInfo* p = example == kNone ? nullptr : &prog_.pipelines[example];
  std::string pipelineName = p ? p->name : "retail";
  std::string stageName = p && !p->stages.empty() ? p->stages.front().name : "contract";
  if (stage) {
    d.note(
        fmt::format("a stage compares with a stage, named without quotes: `{1}` in the pipeline around, "
                    "`{0}.{1}` anywhere",
                    pipelineName, stageName));
  } else {
    d.note(
        fmt::format("a pipeline compares with a pipeline, named without quotes: `deal.pipeline == {}`", pipelineName));
  }
}

}  // namespace voronka::check
