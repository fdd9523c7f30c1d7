// Named enums: `enum level { beginner "Начальный", advanced "Продвинутый" }`.
// They are declared before pass 1, so a field or an event parameter of any
// file may name one as its type; every place that names it shares its values.
#include <fmt/format.h>

#include "compiler/check/checker_impl.h"
#include "compiler/check/suggest.h"

namespace voronka::check {
namespace {

constexpr const char* kBuiltinTypes[] = {"number",   "money", "text",  "bool",  "date", "datetime",
                                         "duration", "url",   "email", "phone", "user", "tags"};

}  // namespace

void Checker::declareEnums(const ast::Module& module) {
  for (const auto& d : module.decls) {
    if (d->kind == ast::DeclKind::Enum) declareEnum(d->as<ast::EnumDecl>());
  }
}

void Checker::declareEnum(const ast::EnumDecl& decl) {
  if (decl.name.text.empty()) return;  // a parse error already reported
  if (typeFromName(decl.name.text)) {
    sink_.emit(diag::DuplicateName, decl.name.range, "type", decl.name.text)
        .note(fmt::format("`{}` is a built-in type; choose another name for the enum", decl.name.text));
    return;
  }
  int index = static_cast<int>(prog_.enums.size());
  if (!declare(prog_.enumIndex, "enum", decl.name, index, [&](int i) { return prog_.enums[i].decl->name.range; })) {
    return;
  }
  EnumInfo info = enumMembers(decl.members, decl.name.text);
  info.decl = &decl;
  prog_.enums.push_back(std::move(info));
}

EnumInfo Checker::enumMembers(const std::vector<ast::EnumMember>& members, const std::string& owner) {
  EnumInfo e;
  e.owner = owner;
  NameTable seen;
  for (size_t i = 0; i < members.size(); ++i) {
    const ast::EnumMember& m = members[i];
    if (declare(seen, fmt::format("member of `{}`", owner), m.name, static_cast<int>(e.members.size()),
                [&](int k) { return members[k].name.range; })) {
      e.members.push_back(m.name.text);
      e.titles.push_back(m.title ? m.title->value : m.name.text);
    }
  }
  return e;
}

void Checker::unknownType(const ast::Ident& name) {
  std::vector<std::string> candidates(std::begin(kBuiltinTypes), std::end(kBuiltinTypes));
  std::vector<std::string> enums = keys(prog_.enumIndex);
  candidates.insert(candidates.end(), enums.begin(), enums.end());
  std::string declared;
  for (const auto& e : enums) declared += fmt::format(", `{}`", e);
  unknown("type", name, candidates)
      .note(fmt::format("the types are number, money, text, bool, date, datetime, duration, url, email, phone, user, "
                        "tags and enum {{ … }}{}",
                        enums.empty() ? "; declare a named enum with `enum NAME { … }`"
                                      : "; the named enums are " + declared.substr(2)));
}

}  // namespace voronka::check
