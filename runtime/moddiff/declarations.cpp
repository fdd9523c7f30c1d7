// The account's declarations, matched by name: a declaration is added,
// removed, or changed when what people would read of it differs (its
// description) or its code differs (its canonical text).
#include <fmt/format.h>

#include <functional>
#include <map>

#include "runtime/moddiff/context.h"

namespace voronka::moddiff {
namespace {

struct Described {
  std::string text;   // for people
  std::string canon;  // for comparing; the text when empty
};

std::string typeName(bc::ValueType t) {
  switch (t) {
    case bc::ValueType::Number: return "number";
    case bc::ValueType::Money: return "money";
    case bc::ValueType::Text: return "text";
    case bc::ValueType::Bool: return "bool";
    case bc::ValueType::Date: return "date";
    case bc::ValueType::DateTime: return "datetime";
    case bc::ValueType::Duration: return "duration";
    case bc::ValueType::Time: return "time";
    case bc::ValueType::Url: return "url";
    case bc::ValueType::Email: return "email";
    case bc::ValueType::Phone: return "phone";
    case bc::ValueType::Enum: return "enum";
    case bc::ValueType::User: return "user";
    case bc::ValueType::Tags: return "tags";
    case bc::ValueType::Stage: return "stage";
  }
  return "?";
}

std::string enumText(const bc::Module& m, int32_t e) {
  if (e < 0) return "";
  const bc::EnumDef& d = m.enums[static_cast<size_t>(e)];
  std::string s = "{";
  for (size_t i = 0; i < d.members.size(); ++i)
    s += fmt::format("{}{} {}", i ? ", " : " ", m.str(d.members[i]), quote(m.str(d.titles[i])));
  return s + " }";
}

std::string typeText(const bc::Module& m, bc::ValueType t, int32_t e) {
  std::string s = typeName(t);
  if (t == bc::ValueType::Enum && e >= 0) s += " " + m.str(m.enums[e].owner) + " " + enumText(m, e);
  return s;
}

std::string names(const bc::Module& m, const auto& table, const std::vector<int32_t>& indexes) {
  std::string s;
  for (int32_t i : indexes) s += (s.empty() ? "" : ", ") + m.str(table[static_cast<size_t>(i)].name);
  return s;
}

template <class Def>
using Describe = std::function<Described(const Side&, const Def&)>;

// `nameOf` gives the key a declaration is matched by.
template <class Def>
void diffTable(Context& c, const std::string& what, const std::vector<Def>& before, const std::vector<Def>& after,
               const std::function<std::string(const bc::Module&, const Def&)>& nameOf, const Describe<Def>& describe,
               const std::function<bool(const bc::Module&, const Def&)>& include = {}) {
  std::map<std::string, const Def*> old;
  for (const Def& d : before) {
    if (!include || include(c.oldSide.m, d)) old.emplace(nameOf(c.oldSide.m, d), &d);
  }
  std::map<std::string, bool> seen;
  for (const Def& d : after) {
    if (include && !include(c.newSide.m, d)) continue;
    std::string name = nameOf(c.newSide.m, d);
    seen[name] = true;
    Described now = describe(c.newSide, d);
    auto it = old.find(name);
    if (it == old.end()) {
      c.add(ChangeKind::Added, what, "", "", name, now.text);
      continue;
    }
    Described was = describe(c.oldSide, *it->second);
    std::string wasCanon = was.canon.empty() ? was.text : was.canon;
    std::string nowCanon = now.canon.empty() ? now.text : now.canon;
    if (wasCanon == nowCanon) continue;
    Change& ch = c.add(ChangeKind::Changed, what, "", "", name);
    if (was.text == now.text) {
      ch.summary = "what it computes changed (the same text, other code)";
    } else {
      ch.details.push_back("was: " + was.text);
      ch.details.push_back("now: " + now.text);
    }
  }
  for (const Def& d : before) {
    if (include && !include(c.oldSide.m, d)) continue;
    std::string name = nameOf(c.oldSide.m, d);
    if (!seen.count(name)) c.add(ChangeKind::Removed, what, "", "", name, describe(c.oldSide, d).text);
  }
}

template <class Def>
std::string byName(const bc::Module& m, const Def& d) {
  return d.name >= 0 ? m.str(d.name) : "";
}

std::string calendarText(const bc::Module& m, const bc::CalendarDef& cal) {
  static const char* days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  std::string s = "timezone " + quote(m.str(cal.timezone)) + ", workhours";
  bool any = false;
  for (size_t d = 0; d < 7; ++d) {
    for (auto [from, to] : cal.windows[d]) {
      s += fmt::format(" {} {:02}:{:02}-{:02}:{:02}", days[d], from / 60, from % 60, to / 60, to % 60);
      any = true;
    }
  }
  if (!any) s += " none";
  std::string holidays;
  for (auto [from, to] : cal.holidays) holidays += fmt::format(" {}..{}", from, to);
  s += fmt::format(", {} holiday range{}", cal.holidays.size(), cal.holidays.size() == 1 ? "" : "s");
  if (cal.currency >= 0) s += ", currency " + m.str(cal.currency);
  return s;
}

}  // namespace

void diffDeclarations(Context& c) {
  const bc::Module& a = c.oldSide.m;
  const bc::Module& b = c.newSide.m;
  if (a.language != b.language) {
    c.add(ChangeKind::Changed, "language", "", "", "account",
          fmt::format("{} → {}", lang::code(a.language), lang::code(b.language)));
  }
  diffTable<bc::CalendarDef>(
      c, "calendar", a.calendars, b.calendars,
      [](const bc::Module& m, const bc::CalendarDef& d) { return d.name >= 0 ? m.str(d.name) : "account"; },
      [](const Side& s, const bc::CalendarDef& d) {
        // Holidays are compared whole but shown as a count.
        std::string canon = calendarText(s.m, d);
        for (auto [from, to] : d.holidays) canon += fmt::format(" {}..{}", from, to);
        return Described{calendarText(s.m, d), canon};
      });
  diffTable<bc::FieldDef>(c, "field", a.fields, b.fields, byName<bc::FieldDef>,
                          [](const Side& s, const bc::FieldDef& d) {
                            std::string t = typeText(s.m, d.type, d.enumId) + " " + quote(s.m.str(d.title));
                            if (d.defaultValue >= 0) t += " = " + s.canon.constant(d.defaultValue);
                            return Described{t, {}};
                          });
  // Enums declared by a field change with the field; named enums on their own.
  diffTable<bc::EnumDef>(
      c, "enum", a.enums, b.enums, [](const bc::Module& m, const bc::EnumDef& d) { return m.str(d.owner); },
      [](const Side& s, const bc::EnumDef& d) {
        return Described{enumText(s.m, static_cast<int32_t>(&d - s.m.enums.data())), {}};
      },
      [](const bc::Module& m, const bc::EnumDef& d) {
        for (const bc::FieldDef& f : m.fields) {
          if (f.type == bc::ValueType::Enum && f.enumId >= 0 && &m.enums[f.enumId] == &d &&
              m.str(f.name) == m.str(d.owner))
            return false;  // `field x: enum { … }`: shown with its field
        }
        return true;
      });
  diffTable<bc::UserDef>(c, "user", a.users, b.users, byName<bc::UserDef>, [](const Side& s, const bc::UserDef& d) {
    return Described{quote(s.m.str(d.title)), {}};
  });
  diffTable<bc::TeamDef>(c, "team", a.teams, b.teams, byName<bc::TeamDef>, [](const Side& s, const bc::TeamDef& d) {
    return Described{quote(s.m.str(d.title)) + " { " + names(s.m, s.m.users, d.members) + " }", {}};
  });
  diffTable<bc::TemplateDef>(
      c, "template", a.templates, b.templates, byName<bc::TemplateDef>, [](const Side& s, const bc::TemplateDef& d) {
        std::string text = std::string(lang::keyword(d.kind)) + " " + expressionText(s.m, d.subject) + " body " +
                           expressionText(s.m, d.body);
        return Described{text,
                         std::string(lang::keyword(d.kind)) + s.canon.function(d.subject) + s.canon.function(d.body)};
      });
  diffTable<bc::FormDef>(c, "form", a.forms, b.forms, byName<bc::FormDef>, [](const Side& s, const bc::FormDef& d) {
    return Described{quote(s.m.str(d.title)) + " fields " + names(s.m, s.m.fields, d.fields), {}};
  });
  diffTable<bc::IntegrationDef>(c, "integration", a.integrations, b.integrations, byName<bc::IntegrationDef>,
                                [](const Side& s, const bc::IntegrationDef& d) {
                                  std::string t =
                                      "url " + (d.url >= 0 ? expressionText(s.m, d.url) : "from serve.toml");
                                  if (!d.answers.empty()) t += ", answers " + names(s.m, s.m.events, d.answers);
                                  return Described{t, t + s.canon.function(d.url)};
                                });
  diffTable<bc::EventDef>(
      c, "event", a.events, b.events, byName<bc::EventDef>,
      [](const Side& s, const bc::EventDef& d) {
        std::string t = "(";
        for (size_t i = 0; i < d.params.size(); ++i)
          t += (i ? ", " : "") + s.m.str(d.params[i].name) + ": " + typeText(s.m, d.params[i].type, d.params[i].enumId);
        return Described{t + ")", {}};
      },
      [](const bc::Module&, const bc::EventDef& d) { return d.kind == bc::EventKind::Custom; });
  auto titled = [](const Side& s, const bc::NamedDef& d) {
    return Described{d.title >= 0 ? quote(s.m.str(d.title)) : "", {}};
  };
  diffTable<bc::NamedDef>(c, "task type", a.taskTypes, b.taskTypes, byName<bc::NamedDef>, titled);
  diffTable<bc::NamedDef>(c, "channel", a.channels, b.channels, byName<bc::NamedDef>, titled);
}

}  // namespace voronka::moddiff
