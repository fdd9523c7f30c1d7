#include "compiler/ast/ast.h"

namespace voronka::ast {

const char* spelling(BinaryOp op) {
  switch (op) {
    case BinaryOp::Or: return "or";
    case BinaryOp::And: return "and";
    case BinaryOp::Eq: return "==";
    case BinaryOp::Ne: return "!=";
    case BinaryOp::Lt: return "<";
    case BinaryOp::Le: return "<=";
    case BinaryOp::Gt: return ">";
    case BinaryOp::Ge: return ">=";
    case BinaryOp::In: return "in";
    case BinaryOp::NotIn: return "not in";
    case BinaryOp::Has: return "has";
    case BinaryOp::Add: return "+";
    case BinaryOp::Sub: return "-";
    case BinaryOp::Mul: return "*";
    case BinaryOp::Div: return "/";
  }
  return "?";
}

const char* keyword(ActionKind kind) {
  switch (kind) {
    case ActionKind::Move: return "move";
    case ActionKind::Win: return "win";
    case ActionKind::Lose: return "lose";
    case ActionKind::Task: return "task";
    case ActionKind::CompleteTasks: return "complete tasks";
    case ActionKind::Email: return "email";
    case ActionKind::Message: return "message";
    case ActionKind::Sms: return "sms";
    case ActionKind::Webhook: return "webhook";
    case ActionKind::Request: return "request";
    case ActionKind::Analytics: return "analytics";
    case ActionKind::Tag: return "tag";
    case ActionKind::Set: return "set";
    case ActionKind::Assign: return "assign";
    case ActionKind::CreateDeal: return "create deal";
    case ActionKind::Questionnaire: return "questionnaire";
    case ActionKind::Note: return "note";
    case ActionKind::Notify: return "notify";
    case ActionKind::If: return "if";
    case ActionKind::Split: return "split";
    case ActionKind::Then: return "then";
  }
  return "?";
}

const char* keyword(ExpectKind kind) {
  switch (kind) {
    case ExpectKind::Stage: return "stage";
    case ExpectKind::Task: return "task";
    case ExpectKind::Email: return "email";
    case ExpectKind::Message: return "message";
    case ExpectKind::Sms: return "sms";
    case ExpectKind::Webhook: return "webhook";
    case ExpectKind::Request: return "request";
    case ExpectKind::Tag: return "tag";
    case ExpectKind::Note: return "note";
    case ExpectKind::Notify: return "notify";
    case ExpectKind::Analytics: return "analytics";
    case ExpectKind::Responsible: return "responsible";
    case ExpectKind::DealIn: return "deal in";
    case ExpectKind::Won: return "won";
    case ExpectKind::Lost: return "lost";
    case ExpectKind::Condition: return "condition";
  }
  return "?";
}

bool InterpolatedText::isPlain() const {
  for (const auto& p : parts) {
    if (p.expr) return false;
  }
  return true;
}

std::string Path::joined() const {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += '.';
    out += p.text;
  }
  return out;
}

}  // namespace voronka::ast
