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
    case ExpectKind::Undeliverable: return "undeliverable";
  }
  return "?";
}

const char* keyword(SplitChoice choice) {
  switch (choice) {
    case SplitChoice::ByDeal: return "";
    case SplitChoice::First: return "first";
    case SplitChoice::Else: return "else";
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
