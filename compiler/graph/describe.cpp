#include "compiler/graph/describe.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "common/utf8.h"

namespace voronka::graph {
namespace {

constexpr size_t kMaxText = 40;  // a task's or note's text in a robot line

// Binding strength, loosest first, for parentheses where the words need them.
int precedence(ast::BinaryOp op) {
  switch (op) {
    case ast::BinaryOp::Or: return 1;
    case ast::BinaryOp::And: return 2;
    case ast::BinaryOp::Add:
    case ast::BinaryOp::Sub: return 4;
    case ast::BinaryOp::Mul:
    case ast::BinaryOp::Div: return 5;
    default: return 3;  // comparisons
  }
}

std::string_view mathSign(ast::BinaryOp op) {
  switch (op) {
    case ast::BinaryOp::Eq: return "=";
    case ast::BinaryOp::Ne: return "≠";
    case ast::BinaryOp::Lt: return "<";
    case ast::BinaryOp::Le: return "≤";
    case ast::BinaryOp::Gt: return ">";
    case ast::BinaryOp::Ge: return "≥";
    case ast::BinaryOp::Add: return "+";
    case ast::BinaryOp::Sub: return "−";
    case ast::BinaryOp::Mul: return "×";
    case ast::BinaryOp::Div: return "/";
    default: return "";
  }
}

// `https://hooks.example.ru/deal/{deal.id}` → `hooks.example.ru`.
std::string host(std::string url) {
  size_t scheme = url.find("://");
  if (scheme != std::string::npos) url = url.substr(scheme + 3);
  size_t end = url.find_first_of("/?#");
  return end == std::string::npos ? url : url.substr(0, end);
}

std::string percent(double p) {
  std::string s = fmt::format("{:.2f}", p);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += separator;
    out += p;
  }
  return out;
}

}  // namespace

std::string shorten(std::string s, size_t limit) {
  if (utf8::codePointCount(s) <= limit) return s;
  std::string out;
  size_t i = 0, n = 0;
  while (i < s.size() && n + 1 < limit) {
    size_t len = utf8::sequenceLength(static_cast<unsigned char>(s[i]));
    out += s.substr(i, len);
    i += len;
    ++n;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out + "…";
}

std::string wrap(const std::string& s, size_t width) {
  // Words, keeping the groups of a number together: `1 000 000`.
  std::vector<std::string> words;
  size_t start = 0;
  while (start <= s.size()) {
    size_t space = std::min(s.find(' ', start), s.size());
    std::string word = s.substr(start, space - start);
    bool digitGroup = !words.empty() && !words.back().empty() && !word.empty() &&
                      std::isdigit(static_cast<unsigned char>(words.back().back())) &&
                      std::isdigit(static_cast<unsigned char>(word.front()));
    if (digitGroup) {
      words.back() += " " + word;
    } else {
      words.push_back(std::move(word));
    }
    start = space + 1;
  }
  std::string out;
  size_t lineLength = 0;
  for (const auto& word : words) {
    size_t length = utf8::codePointCount(word);
    if (lineLength > 0 && lineLength + 1 + length > width) {
      out += '\n';
      lineLength = 0;
    } else if (lineLength > 0) {
      out += ' ';
      ++lineLength;
    }
    out += word;
    lineLength += length;
  }
  return out;
}

Describer::Describer(const check::CheckedProgram& program, const SourceManager& sources, const Words& words)
    : program_(program), sources_(sources), words_(words) {}

std::string Describer::quoted(std::string_view title) const {
  return fmt::format("{}{}{}", words_.quoteOpen, title, words_.quoteClose);
}

std::string Describer::duration(const ast::Duration& d) const {
  auto count = [&](int64_t n, const Unit& unit) { return fmt::format("{} {}", n, n == 1 ? unit.one : unit.many); };
  std::vector<std::string> parts;
  if (d.workdays) parts.push_back(count(d.workdays, words_.workdays));
  int64_t s = d.seconds;
  if (s > 0 && s % (7 * 86400) == 0) {
    parts.push_back(count(s / (7 * 86400), words_.weeks));
    s = 0;
  }
  if (s >= 86400) parts.push_back(count(s / 86400, words_.days));
  if (s % 86400 >= 3600) parts.push_back(count(s % 86400 / 3600, words_.hours));
  if (s % 3600 >= 60) parts.push_back(count(s % 3600 / 60, words_.minutes));
  if (parts.empty()) parts.push_back(count(0, words_.minutes));
  return join(parts, " ");
}

std::string Describer::stageTitle(analysis::StageRef s) const {
  const check::StageInfo& stage = program_.pipelines[s.pipeline].stages[s.stage];
  return stage.title.empty() ? stage.name : stage.title;
}

std::string Describer::pipelineTitle(int pipeline) const {
  const check::PipelineInfo& p = program_.pipelines[pipeline];
  return p.title.empty() ? p.name : p.title;
}

std::string Describer::templateTitle(std::string_view name) const {
  int i = check::CheckedProgram::lookup(program_.templateIndex, name);
  if (i == check::kNone) return std::string(name);
  const ast::TemplateDecl* decl = program_.templates[i].decl;
  return decl && decl->title ? decl->title->display() : std::string(name);
}

std::string Describer::fieldTitle(std::string_view name) const {
  int i = check::CheckedProgram::lookup(program_.fieldIndex, name);
  if (i == check::kNone || program_.fields[i].title.empty()) return std::string(name);
  return program_.fields[i].title;
}

// Built-in task types in the account's language; declared ones by their title.
std::string Describer::taskTypeTitle(std::string_view name) const {
  int i = check::CheckedProgram::lookup(program_.taskTypeIndex, name);
  if (i == check::kNone) return std::string(name);
  const check::SimpleInfo& type = program_.taskTypes[i];
  if (type.builtin) {
    if (const std::string_view* title = words_.taskType(name)) return std::string(*title);
  }
  return type.title.empty() ? std::string(name) : type.title;
}

std::string Describer::recipient(std::string_view name) const {
  if (name == "responsible") return std::string(words_.responsible);
  if (int u = check::CheckedProgram::lookup(program_.userIndex, name); u != check::kNone) {
    if (!program_.users[u].title.empty()) return program_.users[u].title;
  }
  if (int t = check::CheckedProgram::lookup(program_.teamIndex, name); t != check::kNone) {
    if (!program_.teams[t].title.empty()) return program_.teams[t].title;
  }
  return std::string(name);
}

// A text as one line: a text block's lines run on.
std::string Describer::text(const ast::InterpolatedText& t) const {
  std::string one;
  for (char c : t.display()) {
    bool space = c == '\n' || c == '\r' || c == '\t' || c == ' ';
    if (space && (one.empty() || one.back() == ' ')) continue;
    one += space ? ' ' : c;
  }
  while (!one.empty() && one.back() == ' ') one.pop_back();
  return quoted(shorten(one, kMaxText));
}

// ───────────────────────────── events and rule heads ──────────────────────

std::string Describer::eventArg(lang::EventArg kind, const std::string& arg) const {
  auto titleIn = [&](const auto& index, const auto& table) -> std::string {
    int i = check::CheckedProgram::lookup(index, arg);
    if (i == check::kNone) return arg;
    const auto& info = table[i];
    if constexpr (requires { info.title; }) {
      return info.title.empty() ? arg : info.title;
    } else {
      return info.decl && info.decl->title ? info.decl->title->value : arg;
    }
  };
  switch (kind) {
    case lang::EventArg::EmailTemplate:
    case lang::EventArg::AnyTemplate: return quoted(templateTitle(arg));
    case lang::EventArg::Form: return quoted(titleIn(program_.formIndex, program_.forms));
    case lang::EventArg::Channel: return titleIn(program_.channelIndex, program_.channels);
    case lang::EventArg::TaskType: return quoted(taskTypeTitle(arg));
    case lang::EventArg::Field: return quoted(fieldTitle(arg));
    case lang::EventArg::Tag:
    case lang::EventArg::None: return quoted(arg);
  }
  return quoted(arg);
}

std::string Describer::event(const ast::EventRef& ref) const {
  int index = check::CheckedProgram::lookup(program_.eventIndex, ref.name.text);
  const check::EventInfo* info = index == check::kNone ? nullptr : &program_.events[index];
  if (info && info->builtin == lang::EventKind::Custom) {
    return info->decl && info->decl->title ? info->decl->title->value : ref.name.text;
  }
  const EventPhrase* phrase = words_.event(ref.name.text);
  if (!phrase) return ref.name.text;
  if (!ref.arg) return std::string(phrase->withoutArg);
  std::string arg = eventArg(info ? info->arg : lang::EventArg::None, ref.arg->text);
  return fmt::format(fmt::runtime(phrase->withArg), arg);
}

std::string Describer::timing(const ast::Timing& t) const {
  switch (t.kind) {
    case ast::TimingKind::None: return "";
    case ast::TimingKind::After: {
      std::string out = fmt::format(fmt::runtime(words_.after), duration(t.delay));
      if (t.atTime) {
        out += fmt::format(fmt::runtime(words_.atTimeOfDay),
                           fmt::format("{:02}:{:02}", t.atTime->minutes / 60, t.atTime->minutes % 60));
      }
      return out;
    }
    case ast::TimingKind::At: return fmt::format(fmt::runtime(words_.atMoment), t.at ? condition(*t.at) : "");
    case ast::TimingKind::Every: {
      std::string out = fmt::format(fmt::runtime(words_.every), duration(t.delay));
      if (t.whileCondition) out += fmt::format(fmt::runtime(words_.whileCond), condition(*t.whileCondition));
      return out;
    }
  }
  return "";
}

std::string Describer::enterClauses(const check::RuleInfo& info) const {
  const ast::Rule& rule = *info.rule;
  std::vector<std::string> parts;
  if (rule.once) parts.emplace_back(words_.once);
  if (rule.from && info.pipeline != check::kNone) {
    const check::PipelineInfo& p = program_.pipelines[info.pipeline];
    int s = p.findStage(rule.from->text);
    std::string title = s == check::kNone ? rule.from->text : stageTitle({info.pipeline, s});
    parts.push_back(fmt::format(fmt::runtime(words_.fromStage), quoted(title)));
  }
  if (rule.when) parts.push_back(fmt::format(fmt::runtime(words_.when), condition(*rule.when)));
  return join(parts, ", ");
}

std::string Describer::head(const check::RuleInfo& info) const {
  const ast::Rule& rule = *info.rule;
  bool onEnter = rule.event && rule.event->name.text == "enter";
  std::vector<std::string> parts;
  if (rule.timing.kind != ast::TimingKind::None) {
    if (rule.event && !onEnter) parts.push_back(event(*rule.event));
    parts.push_back(timing(rule.timing));
  } else if (rule.event) {
    parts.push_back(onEnter ? std::string(words_.atOnce) : event(*rule.event));
  }
  if (rule.unless && !parts.empty())
    parts.back() += " " + fmt::format(fmt::runtime(words_.unless), event(*rule.unless));
  parts.push_back(enterClauses(info));
  if (rule.withinWorkhours) parts.emplace_back(words_.withinWorkhours);
  return join(parts, ", ");
}

std::string Describer::context(const Step& step) const {
  std::vector<std::string> parts;
  for (const Guard& g : step.guards) {
    switch (g.kind) {
      case Guard::Kind::Condition: {
        std::string c = condition(*g.condition);
        if (!g.holds) c = fmt::format("{} ({})", words_.notWord, c);
        parts.push_back(fmt::format(fmt::runtime(words_.when), c));
        break;
      }
      case Guard::Kind::SplitFirst:
        parts.push_back(fmt::format(fmt::runtime(words_.splitShare), percent(g.percent)));
        break;
      case Guard::Kind::SplitRest:
        parts.push_back(fmt::format(fmt::runtime(words_.splitRest), percent(100 - g.percent)));
        break;
    }
  }
  if (step.inThen) {
    parts.push_back(fmt::format(fmt::runtime(words_.thenAfter), duration(step.delay)));
    if (step.thenWithinWorkhours) parts.emplace_back(words_.withinWorkhours);
  }
  return join(parts, ", ");
}

// ───────────────────────────── robots ─────────────────────────────────────

std::string Describer::robot(const ast::Action& a) const {
  std::string noun(words_.noun(ast::keyword(a.kind)));
  switch (a.kind) {
    case ast::ActionKind::Task: {
      const auto& t = a.as<ast::TaskAction>();
      std::vector<std::string> parts{noun + " " + text(t.text)};
      if (t.type) parts.back() += fmt::format(" ({})", taskTypeTitle(t.type->text));
      if (t.due) parts.push_back(fmt::format(fmt::runtime(words_.due), duration(*t.due)));
      if (t.at) parts.push_back(fmt::format(fmt::runtime(words_.dueAt), condition(*t.at)));
      if (t.to) parts.push_back(recipient(t.to->text));
      if (t.withinWorkhours) parts.emplace_back(words_.withinWorkhours);
      return join(parts, ", ");
    }
    case ast::ActionKind::Email:
    case ast::ActionKind::Message:
    case ast::ActionKind::Sms: {
      const auto& s = a.as<ast::SendAction>();
      std::string out =
          noun + " " + (s.templateName.text.empty() ? text(s.text) : quoted(templateTitle(s.templateName.text)));
      if (s.via) {
        int i = check::CheckedProgram::lookup(program_.channelIndex, s.via->text);
        out += fmt::format(" ({})", i == check::kNone ? s.via->text : program_.channels[i].title);
      }
      if (s.withinWorkhours) out += ", " + std::string(words_.withinWorkhours);
      return out;
    }
    case ast::ActionKind::Webhook: return noun + " " + host(a.as<ast::WebhookAction>().url.display());
    case ast::ActionKind::Request: {
      const auto& r = a.as<ast::RequestAction>();
      int i = check::CheckedProgram::lookup(program_.integrationIndex, r.integration.text);
      const ast::IntegrationDecl* decl = i == check::kNone ? nullptr : program_.integrations[i].decl;
      return noun + " " + quoted(decl && decl->title ? decl->title->value : r.integration.text);
    }
    case ast::ActionKind::Analytics: return noun + " " + quoted(a.as<ast::AnalyticsAction>().event.value);
    case ast::ActionKind::Tag: {
      const auto& t = a.as<ast::TagAction>();
      return noun + " " + fmt::format(fmt::runtime(t.add ? words_.tagAdd : words_.tagRemove), quoted(t.tag.value));
    }
    case ast::ActionKind::Set: {
      const auto& s = a.as<ast::SetAction>();
      std::string field = s.target.parts.empty() ? "" : fieldTitle(s.target.parts.back().text);
      return fmt::format("{} {} = {}", noun, field, s.value ? expr(*s.value, 0) : "");
    }
    case ast::ActionKind::Assign: {
      const ast::Assignee& who = a.as<ast::AssignAction>().who;
      if (!who.team) return noun + " " + recipient(who.name.text);
      std::string team = quoted(recipient(who.team->text));
      std::string_view how = who.name.text == "least_busy" ? words_.leastBusy : words_.roundRobin;
      return noun + " " + fmt::format(fmt::runtime(how), team);
    }
    case ast::ActionKind::Questionnaire: {
      const auto& q = a.as<ast::QuestionnaireAction>();
      return noun + " " + eventArg(lang::EventArg::Form, q.form.text);
    }
    case ast::ActionKind::Note: return noun + " " + text(a.as<ast::NoteAction>().text);
    case ast::ActionKind::Notify: {
      const auto& n = a.as<ast::NotifyAction>();
      return fmt::format("{} ({}) {}", noun, recipient(n.recipient.text), text(n.text));
    }
    case ast::ActionKind::CompleteTasks: {
      const auto& c = a.as<ast::CompleteTasksAction>();
      return c.type ? fmt::format("{} ({})", noun, taskTypeTitle(c.type->text)) : noun;
    }
    case ast::ActionKind::Move:
    case ast::ActionKind::Win:
    case ast::ActionKind::Lose:
    case ast::ActionKind::CreateDeal:
    case ast::ActionKind::Then:
    case ast::ActionKind::Split:
    case ast::ActionKind::If: return "";
  }
  return noun;
}

std::string Describer::outcome(const ast::Action& a, const std::optional<analysis::StageRef>& to) const {
  if (a.kind == ast::ActionKind::Lose) {
    const auto& lose = a.as<ast::LoseAction>();
    if (lose.reason) return fmt::format(fmt::runtime(words_.lose), quoted(lose.reason->value));
  }
  if (a.kind == ast::ActionKind::CreateDeal) {
    return fmt::format("{} → {}", words_.newDeal, to ? quoted(stageTitle(*to)) : "");
  }
  return to ? "→ " + quoted(stageTitle(*to)) : "";
}

// ───────────────────────────── conditions ─────────────────────────────────

std::string Describer::condition(const ast::Expr& e) const { return expr(e, 0); }

// A name as the client knows it: a field's title, an enum member's title,
// a built-in name in words; otherwise as written.
std::string Describer::name(const ast::Expr& e) const {
  const check::ExprInfo* info = program_.info(&e);
  if (!info || !info->name) return source(e.range);
  switch (*info->name) {
    case check::NameKind::Field:
      if (info->index != check::kNone && !program_.fields[info->index].title.empty())
        return program_.fields[info->index].title;
      break;
    case check::NameKind::EnumMember:
      if (info->type.kind == check::TypeKind::Enum && info->type.enumId < program_.enums.size()) {
        const check::EnumInfo& en = program_.enums[info->type.enumId];
        if (info->index >= 0 && static_cast<size_t>(info->index) < en.titles.size() && !en.titles[info->index].empty())
          return en.titles[info->index];
      }
      break;
    case check::NameKind::User:
      if (info->index != check::kNone && !program_.users[info->index].title.empty())
        return program_.users[info->index].title;
      break;
    default:
      if (const std::string_view* phrase = words_.builtin(*info->name)) return std::string(*phrase);
      break;
  }
  return source(e.range);
}

std::string Describer::expr(const ast::Expr& e, int parent) const {
  auto wrap = [&](std::string s, int own) { return own < parent ? "(" + s + ")" : s; };
  switch (e.kind) {
    case ast::ExprKind::Number: {
      std::string s = source(e.range);
      for (char& c : s) {
        if (c == '_') c = ' ';
      }
      return s;
    }
    case ast::ExprKind::String: return quoted(e.as<ast::StringExpr>().value);
    case ast::ExprKind::Duration: return duration(e.as<ast::DurationExpr>().value);
    case ast::ExprKind::Bool: return std::string(e.as<ast::BoolExpr>().value ? words_.yes : words_.no);
    case ast::ExprKind::None: return std::string(words_.empty);
    case ast::ExprKind::Name:
    case ast::ExprKind::Member: return name(e);
    case ast::ExprKind::Unary: {
      const auto& u = e.as<ast::UnaryExpr>();
      if (u.op == ast::UnaryOp::Negate) return "−" + expr(*u.operand, 6);
      return wrap(fmt::format("{} {}", words_.notWord, expr(*u.operand, 3)), 3);
    }
    case ast::ExprKind::Binary: {
      const auto& b = e.as<ast::BinaryExpr>();
      int own = precedence(b.op);
      bool withNone = b.rhs->kind == ast::ExprKind::None;
      switch (b.op) {
        case ast::BinaryOp::And:
        case ast::BinaryOp::Or:
          return wrap(fmt::format("{} {} {}", expr(*b.lhs, own),
                                  b.op == ast::BinaryOp::And ? words_.andWord : words_.orWord, expr(*b.rhs, own)),
                      own);
        case ast::BinaryOp::Eq:
        case ast::BinaryOp::Ne:
          if (withNone) {
            return wrap(
                fmt::format("{} {}", expr(*b.lhs, own + 1), b.op == ast::BinaryOp::Eq ? words_.isEmpty : words_.isSet),
                own);
          }
          break;
        case ast::BinaryOp::In:
        case ast::BinaryOp::NotIn: {
          std::string items;
          if (b.rhs->kind == ast::ExprKind::List) {
            for (const auto& item : b.rhs->as<ast::ListExpr>().items)
              items += (items.empty() ? "" : ", ") + expr(*item, 0);
          } else {
            items = expr(*b.rhs, own + 1);
          }
          return wrap(fmt::format("{} {} {}", expr(*b.lhs, own + 1),
                                  b.op == ast::BinaryOp::In ? words_.oneOf : words_.noneOf, items),
                      own);
        }
        case ast::BinaryOp::Has:
          return wrap(fmt::format("{} {} {}", expr(*b.lhs, own + 1), words_.has, expr(*b.rhs, own + 1)), own);
        default: break;
      }
      return wrap(fmt::format("{} {} {}", expr(*b.lhs, own), mathSign(b.op), expr(*b.rhs, own + 1)), own);
    }
    default: return source(e.range);  // times, dates, calls, lists, `if`: as written
  }
}

}  // namespace voronka::graph
