// Reading a rates file (rates.h): TOML through toml++, every value checked
// against the module, every error with the file, line and column.
#include <fmt/format.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <stdexcept>

#include "common/read_file.h"
#include "runtime/engine/values.h"
#include "tools/sim/rates.h"

namespace voronka::sim {

namespace {

// A mistake in the file: where and what.
struct RatesError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Reader {
 public:
  Reader(const std::string& path, const bc::Module& m, const engine::Names& names, const Calendar& calendar)
      : path_(path), m_(m), names_(names), calendar_(calendar) {}

  Rates read(const toml::table& root);

 private:
  [[noreturn]] void error(const toml::node& at, const std::string& message) const { error(at.source(), message); }
  [[noreturn]] void error(const toml::key& at, const std::string& message) const { error(at.source(), message); }
  [[noreturn]] void error(const toml::source_region& r, const std::string& message) const {
    throw RatesError(fmt::format("{}:{}:{}: {}", path_, r.begin.line, r.begin.column, message));
  }
  std::string text(const toml::node& n, const std::string& what) const {
    if (!n.is_string()) error(n, fmt::format("{} must be a string", what));
    return **n.as_string();
  }
  double number(const toml::node& n, const std::string& what) const {
    if (n.is_integer()) return static_cast<double>(**n.as_integer());
    if (n.is_floating_point()) return **n.as_floating_point();
    error(n, fmt::format("{} must be a number", what));
  }
  // A duration ("2d") or, for field values, a number.
  double amount(const toml::node& n, bool duration, const std::string& what) const {
    if (!duration) return number(n, what);
    if (n.is_string()) {
      if (std::optional<double> d = parseDuration(**n.as_string())) return *d;
    }
    error(n, fmt::format("{} must be a duration like \"30m\", \"4h\", \"2d\" or \"1w\"", what));
  }
  Distribution distribution(const toml::node& n, bool duration, const std::string& what) const;
  ValueSpec value(const toml::node& n, const std::string& what) const;
  std::vector<std::pair<std::string, ValueSpec>> values(const toml::node& n, const std::string& what) const;
  void readStage(int32_t pipeline, const std::string& stageName, const toml::node& n, Rates& rates) const;
  ClientAction action(int32_t pipeline, const toml::node& n) const;
  int32_t field(const toml::node& at, const std::string& name) const {
    int32_t f = names_.field(name);
    if (f == bc::kNo) error(at, fmt::format("there is no field \"{}\" in the funnel", name));
    return f;
  }

  // A field, or one of the deal's own properties deal_created and field_set take.
  void fieldOrProperty(const toml::node& at, const std::string& name) const {
    static const char* kProperties[] = {"name",          "deal.name",     "contact.name",
                                        "contact.email", "contact.phone", "company.name"};
    if (std::find(std::begin(kProperties), std::end(kProperties), name) == std::end(kProperties)) field(at, name);
  }

  const std::string& path_;
  const bc::Module& m_;
  const engine::Names& names_;
  const Calendar& calendar_;
};

nlohmann::json toJson(const toml::node& n) {
  if (n.is_string()) return **n.as_string();
  if (n.is_integer()) return **n.as_integer();
  if (n.is_floating_point()) return **n.as_floating_point();
  if (n.is_boolean()) return **n.as_boolean();
  std::ostringstream text;
  if (n.is_date_time()) {
    const toml::date_time& t = **n.as_date_time();
    text << fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}", t.date.year, t.date.month, t.date.day, t.time.hour,
                        t.time.minute);
  } else if (n.is_date()) {
    text << **n.as_date();
  }
  return text.str();
}

Distribution Reader::distribution(const toml::node& n, bool duration, const std::string& what) const {
  Distribution d;
  const toml::table* t = n.as_table();
  if (!t) {
    d.a = amount(n, duration, what);
    return d;
  }
  int kinds = 0;
  for (const auto& [key, v] : *t) {
    std::string k(key.str());
    if (k == "fixed") {
      d.kind = Distribution::Kind::Fixed;
      d.a = amount(v, duration, what + ".fixed");
    } else if (k == "exponential") {
      d.kind = Distribution::Kind::Exponential;
      d.a = amount(v, duration, what + ".exponential (the median)");
    } else if (k == "lognormal") {
      d.kind = Distribution::Kind::Lognormal;
      d.a = amount(v, duration, what + ".lognormal (the median)");
    } else if (k == "uniform") {
      d.kind = Distribution::Kind::Uniform;
      const toml::array* a = v.as_array();
      if (!a || a->size() != 2) error(v, what + ".uniform must be [low, high]");
      d.a = amount(*a->get(0), duration, what + ".uniform");
      d.b = amount(*a->get(1), duration, what + ".uniform");
      if (d.b < d.a) error(v, what + ".uniform: the high end is below the low end");
    } else if (k != "p90") {
      error(key,
            fmt::format("{}: unknown key \"{}\"; a distribution is one of fixed, exponential, lognormal (with p90), "
                        "uniform",
                        what, k));
    }
    if (k != "p90") ++kinds;
  }
  if (kinds != 1) error(n, what + ": give exactly one of fixed, exponential, lognormal, uniform");
  if (const toml::node* p90 = t->get("p90")) {
    if (d.kind != Distribution::Kind::Lognormal) error(*p90, what + ": p90 goes with lognormal only");
    d.b = amount(*p90, duration, what + ".p90");
  } else if (d.kind == Distribution::Kind::Lognormal) {
    error(n, what + ": lognormal needs p90 (the value 9 draws in 10 stay below)");
  }
  if (d.kind == Distribution::Kind::Lognormal && !(d.a > 0 && d.b > d.a)) {
    error(n, what + ": lognormal needs 0 < median < p90");
  }
  if (d.kind == Distribution::Kind::Exponential && !(d.a > 0)) error(n, what + ": the median must be above 0");
  if (duration && d.a < 0) error(n, what + ": a delay cannot be negative");
  return d;
}

ValueSpec Reader::value(const toml::node& n, const std::string& what) const {
  ValueSpec v;
  const toml::table* t = n.as_table();
  if (!t) {
    if (n.is_array()) error(n, what + ": a value is a string, number, boolean or a table (docs/sim.md)");
    v.literal = toJson(n);
    return v;
  }
  if (const toml::node* choose = t->get("choose")) {
    if (t->size() != 1) error(n, what + ": choose stands alone");
    const toml::table* options = choose->as_table();
    if (!options || options->empty()) error(*choose, what + ".choose must be a table of value = weight");
    v.kind = ValueSpec::Kind::Choose;
    double total = 0;
    for (const auto& [key, weight] : *options) {
      double w = number(weight, what + ".choose." + std::string(key.str()));
      if (w < 0) error(weight, what + ": a weight cannot be negative");
      total += w;
      v.choices.emplace_back(std::string(key.str()), total);
    }
    if (total <= 0) error(*choose, what + ": the weights add up to 0");
    for (auto& c : v.choices) c.second /= total;
    v.choices.back().second = 1;
    return v;
  }
  if (const toml::node* from = t->get("from")) {
    if (t->size() != 1) error(n, what + ": from stands alone");
    v.kind = ValueSpec::Kind::From;
    v.from = text(*from, what + ".from");
    field(*from, v.from);
    return v;
  }
  v.kind = ValueSpec::Kind::Number;
  v.number = distribution(n, false, what);
  return v;
}

std::vector<std::pair<std::string, ValueSpec>> Reader::values(const toml::node& n, const std::string& what) const {
  const toml::table* t = n.as_table();
  if (!t) error(n, what + " must be a table of name = value");
  std::vector<std::pair<std::string, ValueSpec>> out;
  for (const auto& [key, v] : *t)
    out.emplace_back(std::string(key.str()), value(v, what + "." + std::string(key.str())));
  return out;
}

ClientAction Reader::action(int32_t pipeline, const toml::node& n) const {
  const toml::table* t = n.as_table();
  if (!t) error(n, "a stage's entry must be a table ([[stage.NAME]])");
  ClientAction a;
  a.line = n.source().begin.line;
  static const char* kKeys[] = {"probability", "delay", "event", "arg", "payload", "move", "reason", "set", "choice"};
  for (const auto& [key, v] : *t) {
    if (std::find(std::begin(kKeys), std::end(kKeys), key.str()) == std::end(kKeys)) {
      error(key, fmt::format("unknown key \"{}\"; an entry has probability, delay and one of event (with arg, "
                             "payload), move (with reason), set",
                             key.str()));
    }
  }
  if (const toml::node* p = t->get("probability")) {
    a.probability = number(*p, "probability");
    if (a.probability < 0 || a.probability > 1) error(*p, "probability must be between 0 and 1");
  }
  if (const toml::node* c = t->get("choice")) a.choice = text(*c, "choice");
  const toml::node* delay = t->get("delay");
  if (!delay) error(n, "the entry has no delay (how long after the deal entered the stage, e.g. delay = \"1d\")");
  a.delay = distribution(*delay, true, "delay");
  const toml::node* event = t->get("event");
  const toml::node* move = t->get("move");
  const toml::node* set = t->get("set");
  if ((event != nullptr) + (move != nullptr) + (set != nullptr) != 1) {
    error(n, "the entry needs exactly one of event = \"…\", move = \"stage\", set = { field = value }");
  }
  auto only = [&](const char* key, const char* with) {
    if (const toml::node* k = t->get(key)) error(*k, fmt::format("{} goes with {} only", key, with));
  };
  if (event) {
    only("reason", "move");
    std::string type = text(*event, "event");
    int32_t e = names_.event(type);
    if (e == bc::kNo || m_.events[e].lifecycle) {
      error(*event, fmt::format("there is no client event \"{}\"; events are {}", type, names_.eventList()));
    }
    a.event = {{"type", type}};
    if (const toml::node* arg = t->get("arg")) {
      std::string name = text(*arg, "arg");
      const bc::EventDef& def = m_.events[e];
      if (def.arg == bc::ArgKind::None) error(*arg, fmt::format("event {} takes no argument", type));
      if (def.arg != bc::ArgKind::Tag && !names_.argument(e, name)) {
        error(*arg, fmt::format("\"{}\" is not something event {} can name", name, type));
      }
      a.event["arg"] = name;
    }
    if (const toml::node* payload = t->get("payload")) {
      a.valuesKey = "payload";
      a.values = values(*payload, "payload");
    }
  } else if (move) {
    only("arg", "event");
    only("payload", "event");
    std::string stage = text(*move, "move");
    int32_t p = pipeline, s = bc::kNo;
    if (size_t dot = stage.find('.'); dot != std::string::npos) {
      p = names_.pipeline(stage.substr(0, dot));
      if (p != bc::kNo) s = names_.stage(p, stage.substr(dot + 1));
    } else {
      s = names_.stage(pipeline, stage);
    }
    if (s == bc::kNo) error(*move, fmt::format("there is no stage \"{}\" to move to", stage));
    a.event = {{"type", "manual_move"}, {"stage", stage}};
    const bc::PipelineDef& target = m_.pipelines[p];
    if (const toml::node* reason = t->get("reason")) {
      std::string why = text(*reason, "reason");
      if (target.stages[s].kind != bc::StageKind::Lost) error(*reason, "reason goes with a move to a lost stage only");
      bool known = target.reasons.empty();
      std::string list;
      for (int32_t r : target.reasons) {
        known = known || m_.str(r) == why;
        list += (list.empty() ? "\"" : ", \"") + m_.str(r) + "\"";
      }
      if (!known)
        error(*reason,
              fmt::format("\"{}\" is not a loss reason of pipeline {}; they are {}", why, m_.str(target.name), list));
      a.event["reason"] = why;
    }
  } else {
    only("arg", "event");
    only("payload", "event");
    only("reason", "move");
    a.event = {{"type", "field_set"}};
    a.valuesKey = "fields";
    a.values = values(*set, "set");
    const toml::table& st = *set->as_table();
    for (const auto& [key, v] : st) fieldOrProperty(v, std::string(key.str()));
  }
  return a;
}

void Reader::readStage(int32_t pipeline, const std::string& stageName, const toml::node& n, Rates& rates) const {
  int32_t stage = names_.stage(pipeline, stageName);
  if (stage == bc::kNo) {
    error(n, fmt::format("pipeline {} has no stage \"{}\"", m_.str(m_.pipelines[pipeline].name), stageName));
  }
  const toml::array* entries = n.as_array();
  if (!entries) error(n, fmt::format("write the stage's entries as [[stage.{}]] tables", stageName));
  std::map<std::string, double> choices;  // choice → probabilities so far
  for (const toml::node& entry : *entries) {
    ClientAction a = action(pipeline, entry);
    if (!a.choice.empty() && (choices[a.choice] += a.probability) > 1 + 1e-9) {
      error(entry,
            fmt::format("the probabilities of choice \"{}\" in stage {} add up to more than 1", a.choice, stageName));
    }
    rates.actions[pipeline][stage].push_back(std::move(a));
  }
}

Rates Reader::read(const toml::table& root) {
  Rates rates;
  rates.path = path_;
  static const char* kKeys[] = {"start", "pipeline", "arrive", "revenue", "fields", "stage"};
  for (const auto& [key, v] : root) {
    if (std::find(std::begin(kKeys), std::end(kKeys), key.str()) == std::end(kKeys)) {
      error(key, fmt::format("unknown key \"{}\"; the file has start, pipeline, arrive, revenue, [fields] and "
                             "[[stage.NAME]] entries",
                             key.str()));
    }
  }
  std::string start = "2027-01-04T09:00";  // a Monday: the same forecast whenever it is made
  if (const toml::node* s = root.get("start"))
    start = s->is_date_time() ? toJson(*s).get<std::string>() : text(*s, "start");
  std::optional<int64_t> at = engine::parseIsoDateTime(start, calendar_);
  if (!at) error(*root.get("start"), fmt::format("start: \"{}\" is not a date and time like 2027-01-04T09:00", start));
  rates.start = *at;
  if (const toml::node* p = root.get("pipeline")) {
    rates.pipeline = names_.pipeline(text(*p, "pipeline"));
    if (rates.pipeline == bc::kNo) error(*p, fmt::format("there is no pipeline \"{}\"", **p->as_string()));
  }
  if (const toml::node* a = root.get("arrive")) {
    std::string how = text(*a, "arrive");
    if (how != "start" && how != "spread") error(*a, "arrive must be \"spread\" (over the horizon) or \"start\"");
    rates.arriveAtStart = how == "start";
  }
  if (const toml::node* r = root.get("revenue")) {
    rates.revenueField = field(*r, text(*r, "revenue"));
    bc::ValueType type = m_.fields[rates.revenueField].type;
    if (type != bc::ValueType::Number && type != bc::ValueType::Money)
      error(*r, "revenue must name a number or money field");
  }
  if (const toml::node* f = root.get("fields")) {
    rates.fields = values(*f, "fields");
    for (const auto& [key, v] : *f->as_table()) fieldOrProperty(v, std::string(key.str()));
  }
  rates.actions.resize(m_.pipelines.size());
  for (size_t p = 0; p < m_.pipelines.size(); ++p) rates.actions[p].resize(m_.pipelines[p].stages.size());
  if (const toml::node* s = root.get("stage")) {
    const toml::table* stages = s->as_table();
    if (!stages) error(*s, "stage must be a table: write [[stage.NAME]] entries");
    for (const auto& [key, v] : *stages) {
      std::string name(key.str());
      if (const toml::table* inner = v.as_table()) {  // [[stage.PIPELINE.STAGE]]
        int32_t p = names_.pipeline(name);
        if (p == bc::kNo) error(v, fmt::format("there is no pipeline \"{}\"", name));
        for (const auto& [stageKey, entries] : *inner) readStage(p, std::string(stageKey.str()), entries, rates);
      } else {
        readStage(rates.pipeline, name, v, rates);
      }
    }
  }
  return rates;
}

}  // namespace

double Distribution::draw(Random& random) const {
  switch (kind) {
    case Kind::Fixed: return a;
    case Kind::Exponential: return random.exponentialMedian(a);
    case Kind::Lognormal: return random.lognormal(a, b);
    case Kind::Uniform: return a + (b - a) * random.uniform();
  }
  return a;
}

size_t ValueSpec::choose(Random& random) const {
  double u = random.uniform();
  for (size_t i = 0; i < choices.size(); ++i) {
    if (u < choices[i].second) return i;
  }
  return choices.size() - 1;
}

std::optional<double> parseDuration(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  double unit = 0;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 604800; break;
    default: return std::nullopt;
  }
  std::string number(text.substr(0, text.size() - 1));
  size_t used = 0;
  double n = 0;
  try {
    n = std::stod(number, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (used != number.size() || !(n >= 0) || !std::isfinite(n)) return std::nullopt;
  return n * unit;
}

Result<Rates> parseRates(std::string_view text, const std::string& path, const bc::Module& module,
                         const engine::Names& names, const Calendar& calendar) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return fail(fmt::format("{}:{}:{}: {}", path, e.source().begin.line, e.source().begin.column, e.description()));
  }
  try {
    return Reader(path, module, names, calendar).read(root);
  } catch (const RatesError& e) {
    return fail(e.what());
  }
}

Result<Rates> loadRates(const std::string& path, const bc::Module& module, const engine::Names& names,
                        const Calendar& calendar) {
  Result<std::string> text = readWholeFile(path);
  if (!text) return fail(fmt::format("cannot read {}: {}", path, text.error()));
  return parseRates(*text, path, module, names, calendar);
}

}  // namespace voronka::sim
