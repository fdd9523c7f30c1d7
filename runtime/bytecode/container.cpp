#include "runtime/bytecode/container.h"

#include <fmt/format.h>

#include <cstring>
#include <map>

#include "runtime/bytecode/verifier.h"

namespace voronka::bc {
namespace {

// The last value of a kind declared in a common/language table.
template <typename Table>
constexpr uint8_t lastOf(const Table& table) {
  return static_cast<uint8_t>(std::size(table) - 1);
}

constexpr char kMagic[8] = {'V', 'R', 'N', 'K', 'F', 'N', 'L', 'C'};
constexpr size_t kHeaderSize = 24;
constexpr size_t kSectionEntrySize = 24;

enum class Section : uint32_t {
  Strings = 1,
  Constants = 2,
  Functions = 3,
  Schema = 4,
  Calendars = 5,
  Pipelines = 6,
  Rules = 7,
  Actions = 8,
  Settings = 9,  // format 2: the account's language
};
constexpr const char* sectionName(Section s) {
  switch (s) {
    case Section::Strings: return "strings";
    case Section::Constants: return "constants";
    case Section::Functions: return "functions";
    case Section::Schema: return "schema";
    case Section::Calendars: return "calendars";
    case Section::Pipelines: return "pipelines";
    case Section::Rules: return "rules";
    case Section::Actions: return "actions";
    case Section::Settings: return "settings";
  }
  return "?";
}

// ───────────────────────────── writing ────────────────────────────────────

class Writer {
 public:
  std::string out;
  void u8(uint8_t v) { out.push_back(static_cast<char>(v)); }
  void u16(uint16_t v) { raw(&v, 2); }
  void u32(uint32_t v) { raw(&v, 4); }
  void i32(int32_t v) { raw(&v, 4); }
  void i64(int64_t v) { raw(&v, 8); }
  void u64(uint64_t v) { raw(&v, 8); }
  void f64(double v) { raw(&v, 8); }
  void boolean(bool b) { u8(b ? 1 : 0); }
  void bytes(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out.append(s);
  }
  void ints(const std::vector<int32_t>& v) {
    u32(static_cast<uint32_t>(v.size()));
    for (int32_t x : v) i32(x);
  }
  template <typename T, typename F>
  void list(const std::vector<T>& items, F each) {
    u32(static_cast<uint32_t>(items.size()));
    for (const auto& item : items) each(item);
  }

 private:
  // The format is little-endian; so is every machine this runs on (x86-64).
  void raw(const void* p, size_t n) { out.append(static_cast<const char*>(p), n); }
};

// ───────────────────────────── reading ────────────────────────────────────

class Reader {
 public:
  Reader(std::string_view data, const char* section, uint16_t major = kFormatMajor)
      : data_(data), section_(section), major_(major) {}
  uint16_t major() const { return major_; }  // the file's format: what its records hold
  uint8_t u8() { return take<uint8_t>(); }
  uint16_t u16() { return take<uint16_t>(); }
  uint32_t u32() { return take<uint32_t>(); }
  int32_t i32() { return take<int32_t>(); }
  int64_t i64() { return take<int64_t>(); }
  uint64_t u64() { return take<uint64_t>(); }
  double f64() { return take<double>(); }
  bool boolean() {
    uint8_t b = u8();
    if (b > 1) fail("a boolean is neither 0 nor 1");
    return b == 1;
  }
  std::string bytes() {
    uint32_t n = u32();
    need(n);
    std::string s(data_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  std::vector<int32_t> ints() {
    uint32_t n = count(4);
    std::vector<int32_t> v(n);
    for (auto& x : v) x = i32();
    return v;
  }
  // A count of items that take at least `minSize` bytes each: a crafted
  // count cannot make us reserve more than the file could hold.
  uint32_t count(size_t minSize) {
    uint32_t n = u32();
    if (minSize > 0 && n > (data_.size() - pos_) / minSize) fail(fmt::format("a count of {} items does not fit", n));
    return n;
  }
  template <typename T, typename F>
  std::vector<T> list(size_t minSize, F each) {
    uint32_t n = count(minSize);
    std::vector<T> items;
    items.reserve(n);
    for (uint32_t i = 0; i < n; ++i) items.push_back(each());
    return items;
  }
  template <typename E>
  E enumeration(uint8_t last) {  // values 0..last
    uint8_t v = u8();
    if (v > last) fail(fmt::format("value {} is out of range", v));
    return static_cast<E>(v);
  }
  void finish() {
    if (pos_ != data_.size()) fail(fmt::format("{} bytes left over", data_.size() - pos_));
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw LoadError(fmt::format("{} section, byte {}: {}", section_, pos_, what));
  }

 private:
  void need(size_t n) const {
    if (n > data_.size() - pos_) fail("unexpected end of the section (the file is truncated or corrupted)");
  }
  template <typename T>
  T take() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string_view data_;
  const char* section_;
  uint16_t major_;
  size_t pos_ = 0;
};

// ───────────────────────────── sections ───────────────────────────────────

void writeParams(Writer& w, const std::vector<EventParam>& params) {
  w.list(params, [&](const EventParam& p) {
    w.i32(p.name);
    w.u8(static_cast<uint8_t>(p.type));
    w.i32(p.enumId);
  });
}

std::string writeSchema(const Module& m) {
  Writer w;
  w.list(m.fields, [&](const FieldDef& f) {
    w.i32(f.name);
    w.i32(f.title);
    w.u8(static_cast<uint8_t>(f.type));
    w.i32(f.enumId);
    w.i32(f.defaultValue);
  });
  w.list(m.enums, [&](const EnumDef& e) {
    w.i32(e.owner);
    w.ints(e.members);
    w.ints(e.titles);
  });
  w.list(m.users, [&](const UserDef& u) {
    w.i32(u.name);
    w.i32(u.title);
  });
  w.list(m.teams, [&](const TeamDef& t) {
    w.i32(t.name);
    w.i32(t.title);
    w.ints(t.members);
  });
  w.list(m.templates, [&](const TemplateDef& t) {
    w.i32(t.name);
    w.u8(static_cast<uint8_t>(t.kind));
    w.i32(t.subject);
    w.i32(t.body);
  });
  w.list(m.forms, [&](const FormDef& f) {
    w.i32(f.name);
    w.i32(f.title);
    w.ints(f.fields);
  });
  w.list(m.integrations, [&](const IntegrationDef& i) {
    w.i32(i.name);
    w.i32(i.url);
    w.ints(i.answers);
  });
  w.list(m.events, [&](const EventDef& e) {
    w.i32(e.name);
    w.u8(static_cast<uint8_t>(e.kind));
    w.u8(static_cast<uint8_t>(e.arg));
    w.boolean(e.lifecycle);
    writeParams(w, e.params);
  });
  auto named = [&](const NamedDef& n) {
    w.i32(n.name);
    w.i32(n.title);
  };
  w.list(m.taskTypes, named);
  w.list(m.channels, named);
  return std::move(w.out);
}

void readSchema(Reader& r, Module& m) {
  m.fields = r.list<FieldDef>(17, [&] {
    FieldDef f;
    f.name = r.i32();
    f.title = r.i32();
    f.type = r.enumeration<ValueType>(static_cast<uint8_t>(ValueType::Stage));
    f.enumId = r.i32();
    f.defaultValue = r.i32();
    return f;
  });
  m.enums = r.list<EnumDef>(12, [&] {
    EnumDef e;
    e.owner = r.i32();
    e.members = r.ints();
    e.titles = r.ints();
    return e;
  });
  m.users = r.list<UserDef>(8, [&] { return UserDef{r.i32(), r.i32()}; });
  m.teams = r.list<TeamDef>(12, [&] {
    TeamDef t;
    t.name = r.i32();
    t.title = r.i32();
    t.members = r.ints();
    return t;
  });
  m.templates = r.list<TemplateDef>(13, [&] {
    TemplateDef t;
    t.name = r.i32();
    t.kind = r.enumeration<TemplateKind>(lastOf(lang::kTemplateKindKeywords));
    t.subject = r.i32();
    t.body = r.i32();
    return t;
  });
  m.forms = r.list<FormDef>(12, [&] {
    FormDef f;
    f.name = r.i32();
    f.title = r.i32();
    f.fields = r.ints();
    return f;
  });
  m.integrations = r.list<IntegrationDef>(12, [&] {
    IntegrationDef i;
    i.name = r.i32();
    i.url = r.i32();
    i.answers = r.ints();
    return i;
  });
  m.events = r.list<EventDef>(11, [&] {
    EventDef e;
    e.name = r.i32();
    e.kind = r.enumeration<EventKind>(static_cast<uint8_t>(EventKind::Custom));
    e.arg = r.enumeration<ArgKind>(static_cast<uint8_t>(ArgKind::Tag));
    e.lifecycle = r.boolean();
    e.params = r.list<EventParam>(9, [&] {
      EventParam p;
      p.name = r.i32();
      p.type = r.enumeration<ValueType>(static_cast<uint8_t>(ValueType::Stage));
      p.enumId = r.i32();
      return p;
    });
    return e;
  });
  m.taskTypes = r.list<NamedDef>(8, [&] { return NamedDef{r.i32(), r.i32()}; });
  m.channels = r.list<NamedDef>(8, [&] { return NamedDef{r.i32(), r.i32()}; });
}

std::string writeCalendars(const Module& m) {
  Writer w;
  w.list(m.calendars, [&](const CalendarDef& c) {
    w.i32(c.name);
    w.i32(c.timezone);
    w.i32(c.currency);
    for (const auto& day : c.windows) {
      w.list(day, [&](const std::pair<int32_t, int32_t>& win) {
        w.i32(win.first);
        w.i32(win.second);
      });
    }
    w.list(c.holidays, [&](const std::pair<int32_t, int32_t>& h) {
      w.i32(h.first);
      w.i32(h.second);
    });
  });
  return std::move(w.out);
}

// Two ints in order (the arguments of a function call have no order).
std::pair<int32_t, int32_t> readPair(Reader& r) {
  int32_t first = r.i32();
  int32_t second = r.i32();
  return {first, second};
}

void readCalendars(Reader& r, Module& m) {
  m.calendars = r.list<CalendarDef>(40, [&] {
    CalendarDef c;
    c.name = r.i32();
    c.timezone = r.i32();
    c.currency = r.i32();
    for (auto& day : c.windows) {
      day = r.list<std::pair<int32_t, int32_t>>(8, [&] { return readPair(r); });
    }
    c.holidays = r.list<std::pair<int32_t, int32_t>>(8, [&] { return readPair(r); });
    return c;
  });
}

std::string writePipelines(const Module& m) {
  Writer w;
  w.list(m.pipelines, [&](const PipelineDef& p) {
    w.i32(p.name);
    w.i32(p.title);
    w.i32(p.initial);
    w.i32(p.won);
    w.i32(p.lost);
    w.boolean(p.manualForward);
    w.boolean(p.manualBackward);
    w.boolean(p.triggersForward);
    w.boolean(p.triggersBackward);
    w.i32(p.calendar);
    w.ints(p.reasons);
    w.i32(p.otherReason);
    w.list(p.stages, [&](const StageDef& s) {
      w.i32(s.name);
      w.i32(s.title);
      w.u8(static_cast<uint8_t>(s.kind));
      w.boolean(s.key);
      w.list(s.guards, [&](const GuardDef& g) {
        w.i32(g.condition);
        w.i32(g.message);
      });
      w.ints(s.rules);
    });
  });
  return std::move(w.out);
}

void readPipelines(Reader& r, Module& m) {
  m.pipelines = r.list<PipelineDef>(40, [&] {
    PipelineDef p;
    p.name = r.i32();
    p.title = r.i32();
    p.initial = r.i32();
    p.won = r.i32();
    p.lost = r.i32();
    p.manualForward = r.boolean();
    p.manualBackward = r.boolean();
    p.triggersForward = r.boolean();
    p.triggersBackward = r.boolean();
    p.calendar = r.i32();
    p.reasons = r.ints();
    p.otherReason = r.i32();
    p.stages = r.list<StageDef>(18, [&] {
      StageDef s;
      s.name = r.i32();
      s.title = r.i32();
      s.kind = r.enumeration<StageKind>(lastOf(lang::kStageKindKeywords));
      s.key = r.boolean();
      s.guards = r.list<GuardDef>(8, [&] { return GuardDef{r.i32(), r.i32()}; });
      s.rules = r.ints();
      return s;
    });
    return p;
  });
}

std::string writeRules(const Module& m) {
  Writer w;
  w.list(m.rules, [&](const RuleDef& rule) {
    w.i32(rule.pipeline);
    w.i32(rule.stage);
    w.i32(rule.event);
    w.i32(rule.arg);
    w.i32(rule.fromStage);
    w.boolean(rule.once);
    w.boolean(rule.trigger);
    w.i32(rule.when);
    w.u8(static_cast<uint8_t>(rule.timing));
    w.i64(rule.delaySeconds);
    w.i32(rule.delayWorkdays);
    w.i32(rule.atMinutes);
    w.i32(rule.at);
    w.ints(rule.atFields);
    w.i32(rule.whileCondition);
    w.i32(rule.unlessEvent);
    w.i32(rule.unlessArg);
    w.u8(static_cast<uint8_t>(rule.workhours));
    w.boolean(rule.lateSkip);
    w.i32(rule.body);
    w.i32(rule.line);
    w.i32(rule.file);
  });
  return std::move(w.out);
}

void readRules(Reader& r, Module& m) {
  m.rules = r.list<RuleDef>(70, [&] {
    RuleDef rule;
    rule.pipeline = r.i32();
    rule.stage = r.i32();
    rule.event = r.i32();
    rule.arg = r.i32();
    rule.fromStage = r.i32();
    rule.once = r.boolean();
    rule.trigger = r.boolean();
    rule.when = r.i32();
    rule.timing = r.enumeration<TimingKind>(static_cast<uint8_t>(TimingKind::Every));
    rule.delaySeconds = r.i64();
    rule.delayWorkdays = r.i32();
    rule.atMinutes = r.i32();
    rule.at = r.i32();
    rule.atFields = r.ints();
    rule.whileCondition = r.i32();
    rule.unlessEvent = r.i32();
    rule.unlessArg = r.i32();
    if (r.major() == 1) {
      rule.workhours = r.boolean() ? WorkhoursShift::Later : WorkhoursShift::None;
    } else {
      rule.workhours = r.enumeration<WorkhoursShift>(static_cast<uint8_t>(WorkhoursShift::Earlier));
      rule.lateSkip = r.boolean();
    }
    rule.body = r.i32();
    rule.line = r.i32();
    rule.file = r.i32();
    return rule;
  });
}

std::string writeActions(const Module& m) {
  Writer w;
  w.list(m.actions, [&](const ActionDesc& a) {
    w.u8(static_cast<uint8_t>(a.kind));
    w.i32(a.pipeline);
    w.i32(a.stage);
    w.boolean(a.isNext);
    w.i32(a.text);
    w.i32(a.taskType);
    w.i64(a.dueSeconds);
    w.i32(a.dueWorkdays);
    w.boolean(a.hasAt);
    w.i32(a.user);
    w.u8(static_cast<uint8_t>(a.workhours));
    w.u8(static_cast<uint8_t>(a.filter));
    w.i32(a.templ);
    w.i32(a.channel);
    w.i32(a.integration);
    w.ints(a.keys);
    w.boolean(a.hasLabel);
    w.boolean(a.add);
    w.u8(static_cast<uint8_t>(a.setTarget));
    w.i32(a.field);
    w.u8(static_cast<uint8_t>(a.assign));
    w.i32(a.team);
    w.ints(a.copy);
    w.i32(a.form);
    w.u8(static_cast<uint8_t>(a.recipient));
    w.i32(a.function);
    w.i32(a.next);
    w.f64(a.percent);
    w.i32(a.site);
    w.i32(a.line);
  });
  return std::move(w.out);
}

void readActions(Reader& r, Module& m) {
  m.actions = r.list<ActionDesc>(98, [&] {
    ActionDesc a;
    a.kind = r.enumeration<ActionKind>(lastOf(lang::kActions));
    a.pipeline = r.i32();
    a.stage = r.i32();
    a.isNext = r.boolean();
    a.text = r.i32();
    a.taskType = r.i32();
    a.dueSeconds = r.i64();
    a.dueWorkdays = r.i32();
    a.hasAt = r.boolean();
    a.user = r.i32();
    a.workhours = r.major() == 1 ? (r.boolean() ? WorkhoursShift::Later : WorkhoursShift::None)
                                 : r.enumeration<WorkhoursShift>(static_cast<uint8_t>(WorkhoursShift::Earlier));
    a.filter = r.enumeration<TaskFilter>(lastOf(lang::kTaskFilterKeywords));
    a.templ = r.i32();
    a.channel = r.i32();
    a.integration = r.i32();
    a.keys = r.ints();
    a.hasLabel = r.boolean();
    a.add = r.boolean();
    a.setTarget = r.enumeration<SetTarget>(static_cast<uint8_t>(SetTarget::CompanyName));
    a.field = r.i32();
    a.assign = r.enumeration<AssignMode>(static_cast<uint8_t>(AssignMode::LeastBusy));
    a.team = r.i32();
    a.copy = r.ints();
    a.form = r.i32();
    a.recipient = r.enumeration<Recipient>(static_cast<uint8_t>(Recipient::Team));
    a.function = r.i32();
    a.next = r.i32();
    a.percent = r.f64();
    a.site = r.i32();
    a.line = r.i32();
    return a;
  });
}

std::string writeFunctions(const Module& m) {
  Writer w;
  w.list(m.functions, [&](const Function& f) {
    w.u8(static_cast<uint8_t>(f.kind));
    w.u8(f.registers);
    w.i32(f.name);
    w.i32(f.file);
    w.i32(f.eventParams);
    w.u32(static_cast<uint32_t>(f.code.size()));
    for (uint32_t ins : f.code) w.u32(ins);
    w.ints(f.lines);
  });
  return std::move(w.out);
}

void readFunctions(Reader& r, Module& m) {
  m.functions = r.list<Function>(22, [&] {
    Function f;
    f.kind = r.enumeration<FunctionKind>(static_cast<uint8_t>(FunctionKind::Block));
    f.registers = r.u8();
    f.name = r.i32();
    f.file = r.i32();
    f.eventParams = r.i32();
    uint32_t n = r.count(4);
    f.code.resize(n);
    for (auto& ins : f.code) ins = r.u32();
    f.lines = r.ints();
    return f;
  });
}

std::string writeConstants(const Module& m) {
  Writer w;
  w.list(m.constants, [&](const Constant& c) {
    w.u8(static_cast<uint8_t>(c.tag));
    w.u16(c.aux);
    w.i64(c.i);
    w.f64(c.num);
    w.i32(c.str);
  });
  return std::move(w.out);
}

void readConstants(Reader& r, Module& m) {
  m.constants = r.list<Constant>(23, [&] {
    Constant c;
    c.tag = r.enumeration<Tag>(kLastTag);
    c.aux = r.u16();
    c.i = r.i64();
    c.num = r.f64();
    c.str = r.i32();
    return c;
  });
}

std::string writeStrings(const Module& m) {
  Writer w;
  w.list(m.strings, [&](const std::string& s) { w.bytes(s); });
  return std::move(w.out);
}

std::string writeSettings(const Module& m) {
  Writer w;
  w.u8(static_cast<uint8_t>(m.language));
  return std::move(w.out);
}

void readSettings(Reader& r, Module& m) { m.language = r.enumeration<lang::Language>(lastOf(lang::kLanguageCodes)); }

void readStrings(Reader& r, Module& m) {
  m.strings = r.list<std::string>(4, [&] { return r.bytes(); });
}

}  // namespace

std::string serialize(const Module& m) {
  std::vector<std::pair<Section, std::string>> sections = {
      {Section::Strings, writeStrings(m)},     {Section::Constants, writeConstants(m)},
      {Section::Functions, writeFunctions(m)}, {Section::Schema, writeSchema(m)},
      {Section::Calendars, writeCalendars(m)}, {Section::Pipelines, writePipelines(m)},
      {Section::Rules, writeRules(m)},         {Section::Actions, writeActions(m)},
      {Section::Settings, writeSettings(m)},
  };
  Writer body;
  uint64_t offset = kHeaderSize + kSectionEntrySize * sections.size();
  for (const auto& [id, data] : sections) {
    body.u32(static_cast<uint32_t>(id));
    body.u32(0);
    body.u64(offset);
    body.u64(data.size());
    offset += data.size();
  }
  for (const auto& [id, data] : sections) body.out += data;

  Writer head;
  head.out.append(kMagic, sizeof kMagic);
  head.u16(kFormatMajor);
  head.u16(kFormatMinor);
  head.u32(static_cast<uint32_t>(sections.size()));
  head.u64(fnv1a(body.out));
  return head.out + body.out;
}

Module load(std::string_view bytes) {
  if (bytes.size() < kHeaderSize) throw LoadError("the file is too short to be a compiled funnel module");
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    throw LoadError("not a compiled funnel module (bad magic bytes); build one with `voronka build`");
  }
  Reader header(bytes.substr(8, 16), "header");
  uint16_t major = header.u16();
  uint16_t minor = header.u16();
  uint32_t count = header.u32();
  uint64_t checksum = header.u64();
  if (major < kOldestReadableMajor || major > kFormatMajor) {
    throw LoadError(
        fmt::format("module format {}.{} is not supported by this voronka (it reads {}.x to {}.x); rebuild the module "
                    "with this voronka",
                    major, minor, kOldestReadableMajor, kFormatMajor));
  }
  if (fnv1a(bytes.substr(kHeaderSize)) != checksum)
    throw LoadError("the checksum does not match: the file is corrupted");
  if (count > (bytes.size() - kHeaderSize) / kSectionEntrySize)
    throw LoadError("the section table does not fit in the file");

  std::map<Section, std::string_view> found;
  Reader table(bytes.substr(kHeaderSize, kSectionEntrySize * count), "section table");
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t id = table.u32();
    table.u32();
    uint64_t offset = table.u64();
    uint64_t size = table.u64();
    if (offset > bytes.size() || size > bytes.size() - offset) {
      throw LoadError(fmt::format("section {} lies outside the file", id));
    }
    if (id < 1 || id > 9) continue;  // a section from a newer minor version
    if (!found.emplace(static_cast<Section>(id), bytes.substr(offset, size)).second) {
      throw LoadError(fmt::format("section {} appears twice", id));
    }
  }

  Module m;
  auto section = [&](Section s, auto read) {
    auto it = found.find(s);
    if (it == found.end()) throw LoadError(fmt::format("the {} section is missing", sectionName(s)));
    Reader r(it->second, sectionName(s), major);
    read(r, m);
    r.finish();
  };
  section(Section::Strings, readStrings);
  section(Section::Constants, readConstants);
  section(Section::Functions, readFunctions);
  section(Section::Schema, readSchema);
  section(Section::Calendars, readCalendars);
  section(Section::Pipelines, readPipelines);
  section(Section::Rules, readRules);
  section(Section::Actions, readActions);
  if (major >= 2) section(Section::Settings, readSettings);  // format 1 had none: Russian
  verify(m);
  return m;
}

const std::string& Module::noString() {
  static const std::string empty;
  return empty;
}

int32_t Module::findString(std::string_view s) const {
  for (size_t i = 0; i < strings.size(); ++i) {
    if (strings[i] == s) return static_cast<int32_t>(i);
  }
  return kNo;
}

}  // namespace voronka::bc
