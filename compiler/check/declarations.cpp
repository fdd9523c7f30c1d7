// Pass 1 registers every declared name; checkDeclarations() then checks what
// the declarations outside pipelines say (field types and defaults, calendars,
// templates, forms, integrations).
#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <strings.h>

#include <algorithm>
#include <array>

#include "compiler/check/checker_impl.h"
#include "compiler/check/suggest.h"

namespace voronka::check {
namespace {

// The payload fields of each built-in event, typed (events.def, PARAM).
std::vector<EventParam> builtinPayload(lang::EventKind kind) {
  switch (kind) {
#define PARAM(name, T) \
  EventParam { #name, Type::of(TypeKind::T) }
#define EVENT(Name, Text, Arg, Presence, Origin, ...) \
  case lang::EventKind::Name:                         \
    return {__VA_ARGS__};
#include "common/language/events.def"
#undef EVENT
#undef PARAM
    case lang::EventKind::Custom: break;
  }
  return {};
}

constexpr std::array<const char*, 7> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

int dayIndex(std::string_view name) {
  for (size_t i = 0; i < kDays.size(); ++i) {
    if (name == kDays[i]) return static_cast<int>(i);
  }
  return kNone;
}

int32_t daysSinceEpoch(const ast::Date& d) {
  auto ymd = date::year{d.year} / date::month{static_cast<unsigned>(d.month)} / date::day{static_cast<unsigned>(d.day)};
  return static_cast<int32_t>(date::sys_days{ymd}.time_since_epoch().count());
}

std::string hhmm(int minutes) { return fmt::format("{:02}:{:02}", minutes / 60, minutes % 60); }

}  // namespace

void Checker::declareBuiltins() {
  for (const lang::EventInfo& spec : lang::kBuiltinEvents) {
    EventInfo e;
    e.name = spec.name;
    e.builtin = spec.kind;
    e.arg = spec.arg;
    e.argRequired = spec.argPresence == lang::ArgPresence::Required;
    e.lifecycle = spec.lifecycle();
    e.params = builtinPayload(spec.kind);
    prog_.eventIndex.emplace(e.name, static_cast<int>(prog_.events.size()));
    prog_.events.push_back(std::move(e));
  }
  for (const lang::BuiltinTaskType& t : lang::kBuiltinTaskTypes) {
    prog_.taskTypeIndex.emplace(t.name, static_cast<int>(prog_.taskTypes.size()));
    prog_.taskTypes.push_back(SimpleInfo{std::string(t.name), std::string(t.title), true, nullptr});
  }
  // The account's calendar always exists; an `account` declaration fills it in.
  prog_.calendars.push_back(CalendarInfo{});
}

void Checker::collect(const ast::Module& module) {
  for (const auto& d : module.decls) {
    switch (d->kind) {
      case ast::DeclKind::Use: break;  // followed by the driver
      case ast::DeclKind::Account:
      case ast::DeclKind::Calendar: declareCalendar(d->as<ast::CalendarDecl>()); break;
      case ast::DeclKind::Field: declareField(d->as<ast::FieldDecl>()); break;
      case ast::DeclKind::Team: declareTeam(d->as<ast::TeamDecl>()); break;
      case ast::DeclKind::Template: {
        const auto& t = d->as<ast::TemplateDecl>();
        int index = static_cast<int>(prog_.templates.size());
        if (declare(prog_.templateIndex, "template", t.name, index,
                    [&](int i) { return prog_.templates[i].decl->name.range; })) {
          prog_.templates.push_back(TemplateInfo{t.name.text, t.templateKind, &t});
        }
        break;
      }
      case ast::DeclKind::Form: {
        const auto& f = d->as<ast::FormDecl>();
        int index = static_cast<int>(prog_.forms.size());
        if (declare(prog_.formIndex, "form", f.name, index, [&](int i) { return prog_.forms[i].decl->name.range; })) {
          prog_.forms.push_back(FormInfo{f.name.text, {}, &f});
        }
        break;
      }
      case ast::DeclKind::Integration: {
        const auto& i = d->as<ast::IntegrationDecl>();
        int index = static_cast<int>(prog_.integrations.size());
        if (declare(prog_.integrationIndex, "integration", i.name, index,
                    [&](int k) { return prog_.integrations[k].decl->name.range; })) {
          prog_.integrations.push_back(IntegrationInfo{i.name.text, {}, &i});
        }
        break;
      }
      case ast::DeclKind::Event: declareEvent(d->as<ast::EventDecl>()); break;
      case ast::DeclKind::TaskType:
      case ast::DeclKind::Channel: {
        const auto& s = d->as<ast::SimpleDecl>();
        bool isTask = d->kind == ast::DeclKind::TaskType;
        auto& table = isTask ? prog_.taskTypeIndex : prog_.channelIndex;
        auto& list = isTask ? prog_.taskTypes : prog_.channels;
        int existing = CheckedProgram::lookup(table, s.name.text);
        if (existing != kNone && list[existing].builtin) {
          sink_.emit(diag::DuplicateName, s.name.range, "task type", s.name.text)
              .note(fmt::format("`{}` is a built-in task type", s.name.text));
          break;
        }
        int index = static_cast<int>(list.size());
        if (declare(table, isTask ? "task type" : "channel", s.name, index,
                    [&](int i) { return list[i].decl->name.range; })) {
          list.push_back(SimpleInfo{s.name.text, s.title ? s.title->value : "", false, &s});
        }
        break;
      }
      case ast::DeclKind::Reasons: {
        const auto& r = d->as<ast::ReasonsDecl>();
        int index = static_cast<int>(prog_.reasonSets.size());
        if (declare(prog_.reasonSetIndex, "reason list", r.name, index,
                    [&](int i) { return prog_.reasonSets[i].decl->name.range; })) {
          ReasonSetInfo info;
          info.name = r.name.text;
          info.decl = &r;
          prog_.reasonSets.push_back(std::move(info));
        }
        break;
      }
      case ast::DeclKind::Pipeline: declarePipeline(d->as<ast::PipelineDecl>()); break;
      case ast::DeclKind::Test: prog_.tests.push_back(&d->as<ast::TestDecl>()); break;
      case ast::DeclKind::Rule: topLevelRules_.push_back(&d->as<ast::Rule>()); break;
      case ast::DeclKind::Enum: break;  // declared before pass 1 (enums.cpp)
    }
  }
}

void Checker::declareCalendar(const ast::CalendarDecl& decl) {
  if (decl.kind == ast::DeclKind::Account) {
    if (account_) {
      sink_
          .emit(diag::DuplicateAccount,
                decl.range.valid() ? SourceRange{decl.range.file, decl.range.begin, decl.range.begin + 7} : decl.range)
          .note(SourceRange{account_->range.file, account_->range.begin, account_->range.begin + 7},
                "the account is declared here");
      return;
    }
    account_ = &decl;
    prog_.calendars[0].decl = &decl;
    return;
  }
  int index = static_cast<int>(prog_.calendars.size());
  if (declare(prog_.calendarIndex, "calendar", decl.name, index,
              [&](int i) { return prog_.calendars[i].decl->name.range; })) {
    CalendarInfo info;
    info.name = decl.name.text;
    info.decl = &decl;
    prog_.calendars.push_back(std::move(info));
  }
}

void Checker::checkCalendar(CalendarInfo& calendar) {
  const ast::CalendarDecl* decl = calendar.decl;
  if (!decl) return;
  if (decl->timezone) {
    calendar.timezone = decl->timezone->value;
    try {
      if (!date::locate_zone(calendar.timezone)) throw std::runtime_error("not found");
    } catch (const std::exception&) {
      std::vector<std::string> zones;
      try {
        for (const auto& z : date::get_tzdb().zones) zones.emplace_back(z.name());
      } catch (const std::exception&) {}
      // Report only when the database is there to compare with.
      if (!zones.empty()) unknownTimezone(*decl->timezone, zones);
    }
  }
  if (decl->currency && decl->kind == ast::DeclKind::Calendar) {
    sink_.emit(diag::ClauseNotAllowed, decl->currency->range, "a `calendar`", "`currency`")
        .note("the currency is the account's: put it in `account`");
  } else if (decl->currency) {
    const std::string& c = decl->currency->text;
    bool ok = c.size() == 3 && std::all_of(c.begin(), c.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; });
    if (!ok) sink_.emit(diag::BadCurrency, decl->currency->range, c);
    calendar.currency = c;
  }
  if (decl->language && decl->kind == ast::DeclKind::Calendar) {
    sink_.emit(diag::ClauseNotAllowed, decl->language->range, "a `calendar`", "`language`")
        .note("the language is the account's: put it in `account`");
  } else if (decl->language) {
    if (std::optional<lang::Language> l = lang::languageCoded(decl->language->text)) {
      prog_.language = *l;
    } else {
      unknown("language", *decl->language, {std::begin(lang::kLanguageCodes), std::end(lang::kLanguageCodes)});
    }
  }
  for (const auto& spec : decl->workhours) {
    int from = dayIndex(spec.fromDay.text);
    if (from == kNone) {
      unknown("day of the week", spec.fromDay, {kDays.begin(), kDays.end()});
      continue;
    }
    int to = from;
    if (spec.toDay) {
      to = dayIndex(spec.toDay->text);
      if (to == kNone) {
        unknown("day of the week", *spec.toDay, {kDays.begin(), kDays.end()});
        continue;
      }
      if (to < from) {
        sink_.emit(diag::BadCalendar, SourceRange::cover(spec.fromDay.range, spec.toDay->range),
                   fmt::format("the days `{}..{}` go backward; ranges run from Monday to Sunday, like `{}..{}`",
                               spec.fromDay.text, spec.toDay->text, spec.toDay->text, spec.fromDay.text));
        continue;
      }
    }
    for (const auto& w : spec.windows) {
      if (w.from.minutes >= w.to.minutes) {
        sink_.emit(
            diag::BadCalendar, w.range,
            fmt::format("the working window {}-{} ends before it starts", hhmm(w.from.minutes), hhmm(w.to.minutes)));
        continue;
      }
      for (int day = from; day <= to; ++day) {
        auto& windows = calendar.windows[day];
        bool overlaps = false;
        for (auto [a, b] : windows) {
          if (w.from.minutes < b && a < w.to.minutes) {
            sink_.emit(diag::BadCalendar, w.range,
                       fmt::format("working hours on {} overlap: {}-{} and {}-{}", kDays[day], hhmm(a), hhmm(b),
                                   hhmm(w.from.minutes), hhmm(w.to.minutes)));
            overlaps = true;
            break;
          }
        }
        if (overlaps) break;
        windows.emplace_back(w.from.minutes, w.to.minutes);
        std::sort(windows.begin(), windows.end());
      }
    }
  }
  for (const auto& h : decl->holidays) {
    int32_t from = daysSinceEpoch(h.from);
    int32_t to = h.to ? daysSinceEpoch(*h.to) : from;
    if (to < from) {
      sink_.emit(diag::BadCalendar, h.range, "this range of holidays ends before it starts");
      continue;
    }
    calendar.holidays.emplace_back(from, to);
  }
  std::sort(calendar.holidays.begin(), calendar.holidays.end());
}

void Checker::unknownTimezone(const ast::Text& zone, const std::vector<std::string>& zones) {
  Diagnostic& d = sink_.emit(diag::BadTimezone, zone.range, zone.value);
  // "Moscow" for "Europe/Moscow": a zone whose last part matches.
  std::vector<std::string> cities;
  for (const auto& z : zones) cities.push_back(z.substr(z.rfind('/') + 1));
  std::optional<std::string> best;
  std::string wanted = zone.value;
  std::replace(wanted.begin(), wanted.end(), ' ', '_');
  for (size_t i = 0; i < cities.size() && !best; ++i) {
    if (zones[i].find('/') != std::string::npos && strcasecmp(cities[i].c_str(), wanted.c_str()) == 0) best = zones[i];
  }
  if (!best) best = closestName(zone.value, zones);
  if (best) d.note(fmt::format("did you mean \"{}\"?", *best));
}

Type Checker::declaredType(const ast::TypeSyntax& syntax, const std::string& owner) {
  if (syntax.isEnum) {
    prog_.enums.push_back(enumMembers(syntax.members, owner));
    return Type::enumType(static_cast<uint16_t>(prog_.enums.size() - 1));
  }
  if (syntax.name.text.empty()) return Type{};
  if (auto kind = typeFromName(syntax.name.text)) return Type::of(*kind);
  int named = CheckedProgram::lookup(prog_.enumIndex, syntax.name.text);
  if (named != kNone) return Type::enumType(static_cast<uint16_t>(named));
  unknownType(syntax.name);
  return Type{};
}

void Checker::declareField(const ast::FieldDecl& decl) {
  int index = static_cast<int>(prog_.fields.size());
  if (!declare(prog_.fieldIndex, "field", decl.name, index, [&](int i) { return prog_.fields[i].decl->name.range; })) {
    return;
  }
  FieldInfo f;
  f.name = decl.name.text;
  f.title = decl.title ? decl.title->value : decl.name.text;
  f.type = declaredType(decl.type, decl.name.text);
  f.decl = &decl;
  prog_.fields.push_back(std::move(f));
}

void Checker::declareTeam(const ast::TeamDecl& decl) {
  int teamIndex = static_cast<int>(prog_.teams.size());
  if (!declare(prog_.teamIndex, "team", decl.name, teamIndex, [&](int i) { return prog_.teams[i].decl->name.range; })) {
    return;
  }
  TeamInfo team;
  team.name = decl.name.text;
  team.title = decl.title ? decl.title->value : decl.name.text;
  team.decl = &decl;
  NameTable members;
  for (size_t m = 0; m < decl.members.size(); ++m) {
    const auto& member = decl.members[m];
    if (!declare(members, fmt::format("member of team `{}`", decl.name.text), member.name, static_cast<int>(m),
                 [&](int i) { return decl.members[i].name.range; })) {
      continue;
    }
    // A user may belong to several teams; it is one user.
    int user = CheckedProgram::lookup(prog_.userIndex, member.name.text);
    if (user == kNone) {
      user = static_cast<int>(prog_.users.size());
      prog_.userIndex.emplace(member.name.text, user);
      prog_.users.push_back(
          UserInfo{member.name.text, member.title ? member.title->value : member.name.text, {}, member.name.range});
    }
    prog_.users[user].teams.push_back(teamIndex);
    team.members.push_back(user);
  }
  prog_.teams.push_back(std::move(team));
}

void Checker::declareEvent(const ast::EventDecl& decl) {
  int existing = CheckedProgram::lookup(prog_.eventIndex, decl.name.text);
  if (existing != kNone && prog_.events[existing].builtin != lang::EventKind::Custom) {
    sink_.emit(diag::DuplicateName, decl.name.range, "event", decl.name.text)
        .note(fmt::format("`{}` is a built-in event; choose another name", decl.name.text));
    return;
  }
  int index = static_cast<int>(prog_.events.size());
  if (!declare(prog_.eventIndex, "event", decl.name, index, [&](int i) { return prog_.events[i].decl->name.range; })) {
    return;
  }
  EventInfo e;
  e.name = decl.name.text;
  e.decl = &decl;
  NameTable params;
  for (size_t i = 0; i < decl.params.size(); ++i) {
    const auto& p = decl.params[i];
    if (!declare(params, fmt::format("parameter of `{}`", decl.name.text), p.name, static_cast<int>(i),
                 [&](int k) { return decl.params[k].name.range; })) {
      continue;
    }
    e.params.push_back(EventParam{p.name.text, declaredType(p.type, decl.name.text + "." + p.name.text)});
  }
  prog_.events.push_back(std::move(e));
}

bool Checker::isConstant(const ast::Expr& e) const {
  switch (e.kind) {
    case ast::ExprKind::Number:
    case ast::ExprKind::String:
    case ast::ExprKind::Duration:
    case ast::ExprKind::Time:
    case ast::ExprKind::Date:
    case ast::ExprKind::DateTime:
    case ast::ExprKind::Bool:
    case ast::ExprKind::None: return true;
    case ast::ExprKind::Unary: return isConstant(*e.as<ast::UnaryExpr>().operand);
    case ast::ExprKind::Name:
    case ast::ExprKind::Member: {
      const ExprInfo* info = prog_.info(&e);
      return info && (info->name == NameKind::EnumMember || info->type.isError());
    }
    default: return false;
  }
}

void Checker::checkDeclarations() {
  for (auto& calendar : prog_.calendars) checkCalendar(calendar);
  Scope none;
  for (const auto& f : prog_.fields) {
    if (!f.decl->defaultValue) continue;
    const ast::Expr& value = *f.decl->defaultValue;
    expectType(value, none, f.type, fmt::format("the default of `{}`", f.name));
    if (!isConstant(value)) sink_.emit(diag::DefaultNotConstant, value.range, f.name);
  }
  for (const auto& t : prog_.templates) {
    if (t.decl->subject && t.kind != ast::TemplateKind::Email) {
      sink_
          .emit(diag::ClauseNotAllowed, t.decl->subject->range,
                t.kind == ast::TemplateKind::Sms ? "an sms template" : "a message template", "a `subject`")
          .note("only emails have a subject");
    }
    if (t.decl->title) checkText(*t.decl->title, none);
    if (t.decl->subject) checkText(*t.decl->subject, none);
    if (t.decl->body) checkText(*t.decl->body, none);
  }
  for (auto& form : prog_.forms) {
    NameTable seen;
    for (size_t i = 0; i < form.decl->fields.size(); ++i) {
      const auto& name = form.decl->fields[i];
      if (!declare(seen, fmt::format("field of form `{}`", form.name), name, static_cast<int>(i),
                   [&](int k) { return form.decl->fields[k].range; })) {
        continue;
      }
      int field = resolve(prog_.fieldIndex, "field", name);
      if (field != kNone) form.fields.push_back(field);
    }
  }
  for (auto& integration : prog_.integrations) {
    if (integration.decl->url) {
      checkText(*integration.decl->url, none);
      checkUrl(*integration.decl->url);
    }
    for (const auto& answer : integration.decl->answers) {
      int event = resolve(prog_.eventIndex, "event", answer);
      if (event == kNone) continue;
      if (prog_.events[event].builtin != lang::EventKind::Custom) {
        sink_.emit(diag::WrongKind, answer.range, answer.text, "a built-in event",
                   "a custom event (declared with `event`)");
        continue;
      }
      integration.answers.push_back(event);
    }
  }
  for (auto& set : prog_.reasonSets) collectReasons(set.decl->reasons, set.reasons, set.other);
}

}  // namespace voronka::check
