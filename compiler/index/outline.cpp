// Document symbols: what a file declares, pipelines with their stages. Only
// the AST is needed, so a file with syntax errors still gets its outline
// (whatever the parser recovered).
#include "compiler/index/index.h"

namespace voronka::index {
namespace {

std::string titleOf(const std::optional<ast::Text>& t) { return t ? t->value : std::string(); }

OutlineItem item(SymbolKind kind, const ast::Ident& name, SourceRange range, std::string detail) {
  OutlineItem i;
  i.kind = kind;
  i.name = name.text.empty() ? "(unnamed)" : name.text;
  i.detail = std::move(detail);
  i.range = range;
  i.nameRange = name.range.valid() ? name.range : range;
  return i;
}

}  // namespace

std::vector<OutlineItem> outline(const ast::Module& module) {
  std::vector<OutlineItem> out;
  for (const auto& dp : module.decls) {
    const ast::Decl& d = *dp;
    using K = ast::DeclKind;
    switch (d.kind) {
      case K::Calendar: {
        const auto& c = d.as<ast::CalendarDecl>();
        out.push_back(item(SymbolKind::Calendar, c.name, d.range, titleOf(c.title)));
        break;
      }
      case K::Account: {
        const auto& c = d.as<ast::CalendarDecl>();
        OutlineItem i;
        i.kind = SymbolKind::Calendar;
        i.name = "account";
        i.detail = titleOf(c.title);
        i.range = i.nameRange = d.range;
        out.push_back(std::move(i));
        break;
      }
      case K::Field: {
        const auto& f = d.as<ast::FieldDecl>();
        OutlineItem i = item(SymbolKind::Field, f.name, d.range, titleOf(f.title));
        for (const auto& m : f.type.members) {
          i.children.push_back(item(SymbolKind::EnumMember, m.name, m.name.range, titleOf(m.title)));
        }
        out.push_back(std::move(i));
        break;
      }
      case K::Enum: {
        const auto& e = d.as<ast::EnumDecl>();
        OutlineItem i = item(SymbolKind::Enum, e.name, d.range, titleOf(e.title));
        for (const auto& m : e.members) {
          i.children.push_back(item(SymbolKind::EnumMember, m.name, m.name.range, titleOf(m.title)));
        }
        out.push_back(std::move(i));
        break;
      }
      case K::Team: {
        const auto& t = d.as<ast::TeamDecl>();
        OutlineItem i = item(SymbolKind::Team, t.name, d.range, titleOf(t.title));
        for (const auto& m : t.members)
          i.children.push_back(item(SymbolKind::User, m.name, m.name.range, titleOf(m.title)));
        out.push_back(std::move(i));
        break;
      }
      case K::Template: {
        const auto& t = d.as<ast::TemplateDecl>();
        out.push_back(item(SymbolKind::Template, t.name, d.range, t.title ? t.title->display() : ""));
        break;
      }
      case K::Form: {
        const auto& f = d.as<ast::FormDecl>();
        out.push_back(item(SymbolKind::Form, f.name, d.range, titleOf(f.title)));
        break;
      }
      case K::Integration: {
        const auto& in = d.as<ast::IntegrationDecl>();
        out.push_back(item(SymbolKind::Integration, in.name, d.range, titleOf(in.title)));
        break;
      }
      case K::Event: {
        const auto& e = d.as<ast::EventDecl>();
        OutlineItem i = item(SymbolKind::Event, e.name, d.range, titleOf(e.title));
        for (const auto& p : e.params)
          i.children.push_back(item(SymbolKind::Payload, p.name, p.name.range, p.type.name.text));
        out.push_back(std::move(i));
        break;
      }
      case K::TaskType:
        out.push_back(
            item(SymbolKind::TaskType, d.as<ast::SimpleDecl>().name, d.range, titleOf(d.as<ast::SimpleDecl>().title)));
        break;
      case K::Channel:
        out.push_back(
            item(SymbolKind::Channel, d.as<ast::SimpleDecl>().name, d.range, titleOf(d.as<ast::SimpleDecl>().title)));
        break;
      case K::Reasons: out.push_back(item(SymbolKind::Reasons, d.as<ast::ReasonsDecl>().name, d.range, "")); break;
      case K::Pipeline: {
        const auto& p = d.as<ast::PipelineDecl>();
        OutlineItem i = item(SymbolKind::Pipeline, p.name, d.range, titleOf(p.title));
        for (const auto& s : p.stages)
          i.children.push_back(item(SymbolKind::Stage, s->name, s->range, titleOf(s->title)));
        out.push_back(std::move(i));
        break;
      }
      case K::Test: {
        const auto& t = d.as<ast::TestDecl>();
        OutlineItem i;
        i.kind = SymbolKind::Test;
        i.name = t.title.value.empty() ? "(test)" : t.title.value;
        i.range = d.range;
        i.nameRange = t.title.range.valid() ? t.title.range : d.range;
        out.push_back(std::move(i));
        break;
      }
      case K::Use:
      case K::Rule: break;
    }
  }
  return out;
}

}  // namespace voronka::index
