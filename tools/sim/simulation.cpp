#include "tools/sim/simulation.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <optional>
#include <set>
#include <unordered_map>

#include "runtime/engine/clock.h"
#include "runtime/engine/engine.h"
#include "runtime/engine/names.h"
#include "runtime/engine/wire.h"
#include "runtime/store/memory_store.h"
#include "tools/sim/pending_queue.h"

namespace voronka::sim {

namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kWeek = 7 * kDay;

struct SimDeal {
  std::string id;
  uint32_t visit = 0;
  int32_t pipeline = -1, stage = -1;
  int64_t enteredAt = 0;
  const std::string* lostReason = nullptr;  // interned: a few reasons over a million deals
  // What the simulation set on the deal of the fields that a `from` reads,
  // by their place in Simulation::fromNames_ (null: not set). Nothing for
  // the others: a million deals keep only what is read back.
  std::vector<nlohmann::json> kept;
  std::vector<int64_t> visited, advanced;  // stage keys, each once
};

int64_t key(int32_t pipeline, int32_t stage) {
  return (static_cast<int64_t>(pipeline) << 32) | static_cast<uint32_t>(stage);
}

// A value the rates give an event, and where it goes in the event's call:
// worked out the first time it is drawn. Literal and chosen values are read
// once, the first time each is drawn; numbers and `from` values each time.
struct ValueSlot {
  const std::string* name;
  const ValueSpec* spec;
  size_t kept;    // its place among the fields a `from` reads (Simulation::fromSlot)
  size_t source;  // a `from`'s: the place of the field it reads
  std::optional<Result<engine::WireValueSlot>> where;          // where it goes in the call
  std::vector<std::optional<Result<store::FieldValue>>> read;  // Literal: [0]; Choose: by choice
};

// An event as the rates describe it: decoded once, with no values. Each
// event of it reuses `call`, with its own id, deal and drawn values (no JSON
// built and read per event).
struct Shape {
  engine::WireCall decoded;       // as decoded, without values
  engine::WireCall call;          // the event being applied: `decoded` with its own id, deal and values
  std::vector<ValueSlot> values;  // as the rates list them: the order they are drawn in
  std::vector<uint32_t> byName;   // places in `values` by name: the order they go into the call
};

class Simulation : public engine::Trace {
 public:
  Simulation(const bc::Module& m, const Rates& rates, const SimOptions& o)
      : m_(m),
        rates_(rates),
        options_(o),
        random_(o.seed),
        store_(store::MemoryStoreOptions{.keepRecords = false}),  // no outbox, event log or history: nobody reads them
        clock_(rates.start),
        engine_(m, store_, clock_),
        names_(m) {
    engine_.setTrace(this);
    result_.stages.resize(m.pipelines.size());
    for (size_t p = 0; p < m.pipelines.size(); ++p) result_.stages[p].resize(m.pipelines[p].stages.size());
    size_t weeks = static_cast<size_t>((o.horizon + kWeek - 1) / kWeek);
    result_.wonPerWeek.assign(weeks, 0);
    result_.revenuePerWeek.assign(weeks, 0);
    auto noteFrom = [&](const ValueSpec& spec) {
      if (spec.kind == ValueSpec::Kind::From && fromSlot(spec.from) == fromNames_.size())
        fromNames_.push_back(spec.from);
    };
    for (const auto& [name, spec] : rates.fields) noteFrom(spec);
    for (const auto& stages : rates.actions)
      for (const auto& actions : stages)
        for (const ClientAction& action : actions)
          for (const auto& [name, spec] : action.values) noteFrom(spec);
  }

  Result<RunResult> run();
  // The engine's typed facts (deals entering stages, tasks set), no JSON entries.
  void record(const nlohmann::json& /*entry*/) override {}
  bool wants(std::string_view /*what*/) const override { return false; }
  bool wantsFacts() const override { return true; }
  void fact(const engine::TraceFact& fact) override;

 private:
  uint32_t dealIndex(const std::string& id) {
    // The facts of one transaction are mostly of one deal: no hashing for those.
    if (lastDeal_ < deals_.size() && deals_[lastDeal_].id == id) return lastDeal_;
    // The deals the simulation makes, "d1" to "dN", are the first N, by
    // their number: a table of a million ids would cost a cache miss per
    // look (and 60 MB). Deals the funnel creates are looked up by id.
    if (uint32_t n = seededNumber(id); n != 0 && deals_[n - 1].id == id) return lastDeal_ = n - 1;
    auto [it, added] = index_.try_emplace(id, static_cast<uint32_t>(deals_.size()));
    if (added) {
      SimDeal deal;
      deal.id = id;
      deals_.push_back(std::move(deal));
    }
    lastDeal_ = it->second;
    return lastDeal_;
  }
  // N when `id` is "dN" for a deal the simulation made (1 to deals), else 0.
  uint32_t seededNumber(std::string_view id) const {
    if (id.size() < 2 || id.size() > 11 || id[0] != 'd' || id[1] == '0') return 0;
    uint64_t n = 0;
    for (char c : id.substr(1)) {
      if (c < '0' || c > '9') return 0;
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    return n <= seeded_ ? static_cast<uint32_t>(n) : 0;
  }
  // Tasks per day of a user (-1: nobody), found in result_.tasksPerDay once per user.
  std::vector<int64_t>& tasksPerDayOf(int32_t user) {
    auto at = static_cast<size_t>(user + 1);
    if (at >= tasksPerDayOf_.size()) tasksPerDayOf_.resize(at + 1, nullptr);
    if (!tasksPerDayOf_[at])
      tasksPerDayOf_[at] = &result_.tasksPerDay[user >= 0 ? m_.str(m_.users[static_cast<size_t>(user)].name) : ""];
    return *tasksPerDayOf_[at];
  }
  void entered(uint32_t d, int32_t pipeline, int32_t stage, const std::string* reason);
  Result<void> apply(const Pending& p);
  Result<void> drawValues(Shape& shape, SimDeal& deal, bool created, bool fills);
  // What `value` gives now, read for where it goes; none when a `from` reads a field the simulation did not set.
  // `json`: what was drawn, as the rates file gives it (null when nothing was).
  std::optional<Result<store::FieldValue>> draw(const engine::WireCall& call, ValueSlot& value, const SimDeal& deal,
                                                const nlohmann::json*& json);
  // Where `field` is in fromNames_ (its size when no `from` reads it).
  size_t fromSlot(const std::string& field) const;
  // The value the simulation set on the deal for the field at `at` in fromNames_, or null.
  const nlohmann::json* setValue(const SimDeal& deal, size_t at) const;
  // `at`: the field's place in fromNames_ (its size: no `from` reads it, and nothing is kept).
  void keep(SimDeal& deal, size_t at, const nlohmann::json& value) const;
  void finish();

  const bc::Module& m_;
  const Rates& rates_;
  const SimOptions& options_;
  Random random_;
  store::MemoryStore store_;
  engine::VirtualClock clock_;
  engine::Engine engine_;
  engine::Names names_;
  std::unordered_map<std::string, uint32_t> index_;
  std::vector<SimDeal> deals_;
  std::vector<std::string> fromNames_;                // the fields some `from` reads
  uint32_t lastDeal_ = UINT32_MAX;                    // dealIndex's last answer
  uint32_t seeded_ = 0;                               // deals "d1" to "dN" made: deals_[0, N)
  std::vector<std::vector<int64_t>*> tasksPerDayOf_;  // by user + 1: into result_.tasksPerDay
  std::set<std::string> reasons_;
  PendingQueue pending_;
  uint64_t order_ = 0;
  uint64_t eventIds_ = 0;
  // Each event's shape, decoded at its first use: a client action's, and a new deal's.
  std::unordered_map<const ClientAction*, std::optional<Shape>> shapes_;
  std::optional<Shape> created_;
  // One event's drawn values, by their place in Shape::values (none: nothing drawn).
  std::vector<std::optional<Result<store::FieldValue>>> drawn_;
  std::vector<std::pair<size_t, nlohmann::json>> filled_;  // what a form or field_set sets, to keep
  nlohmann::json drawnJson_;                               // the value draw() drew last, as JSON
  RunResult result_;
};

void Simulation::fact(const engine::TraceFact& fact) {
  if (fact.kind == engine::TraceFact::Kind::Task) {
    std::vector<int64_t>& days = tasksPerDayOf(fact.user);
    size_t day = static_cast<size_t>(std::max<int64_t>(0, clock_.now() - rates_.start) / kDay);
    if (days.size() <= day) days.resize(day + 1, 0);
    ++days[day];
    return;
  }
  int32_t p = fact.pipeline, s = fact.stage;
  uint32_t d = dealIndex(fact.deal);
  if (fact.created) {
    entered(d, p, s, nullptr);
    return;
  }
  SimDeal& deal = deals_[d];
  if (deal.pipeline == p && deal.stage + 1 == s && m_.pipelines[p].stages[deal.stage].kind == bc::StageKind::Working) {
    int64_t from = key(deal.pipeline, deal.stage);
    if (std::find(deal.advanced.begin(), deal.advanced.end(), from) == deal.advanced.end()) {
      deal.advanced.push_back(from);
      ++result_.stages[p][deal.stage].toNext;
    }
  }
  // A move into a lost stage carries its reason (maybe empty).
  bool lost = m_.pipelines[p].stages[s].kind == bc::StageKind::Lost;
  entered(d, p, s, lost ? &fact.reason : nullptr);
}

void Simulation::entered(uint32_t d, int32_t pipeline, int32_t stage, const std::string* reason) {
  SimDeal& deal = deals_[d];
  deal.visit += 1;
  deal.pipeline = pipeline;
  deal.stage = stage;
  deal.enteredAt = clock_.now();
  if (reason) deal.lostReason = &*reasons_.insert(*reason).first;
  int64_t k = key(pipeline, stage);
  if (std::find(deal.visited.begin(), deal.visited.end(), k) == deal.visited.end()) {
    deal.visited.push_back(k);
    ++result_.stages[pipeline][stage].entered;
  }
  const auto& actions = rates_.actions[pipeline][stage];
  // A choice draws once: the entry whose share of [0, 1) the draw falls in happens.
  std::vector<std::pair<const std::string*, double>> draws;  // choice → the draw, less the entries before
  for (size_t a = 0; a < actions.size(); ++a) {
    const ClientAction& action = actions[a];
    if (action.choice.empty()) {
      if (!random_.chance(action.probability)) continue;
    } else {
      auto it = std::find_if(draws.begin(), draws.end(), [&](const auto& d) { return *d.first == action.choice; });
      if (it == draws.end()) it = draws.insert(draws.end(), {&action.choice, random_.uniform()});
      double u = it->second;
      it->second -= action.probability;
      if (!(u >= 0 && u < action.probability)) continue;
    }
    int64_t at = clock_.now() + static_cast<int64_t>(std::llround(actions[a].delay.draw(random_)));
    pending_.push({at, order_++, d, deal.visit, pipeline, stage, static_cast<int32_t>(a)});
  }
}

Result<void> Simulation::apply(const Pending& p) {
  const ClientAction* action = p.action < 0 ? nullptr : &rates_.actions[p.pipeline][p.stage][p.action];
  auto refused = [&](const std::string& why) -> Result<void> {
    std::string where =
        action ? fmt::format("{}:{}", rates_.path, action->line) : fmt::format("{}: [fields]", rates_.path);
    return fail(fmt::format("{}: the engine refused the event this describes: {}", where, why));
  };
  std::optional<Shape>& shape = action ? shapes_[action] : created_;
  if (!shape) {
    nlohmann::json event =
        action ? action->event
               : nlohmann::json{{"type", "deal_created"}, {"pipeline", m_.str(m_.pipelines[rates_.pipeline].name)}};
    event["id"] = "";
    event["deal"] = "";
    if (action && !action->valuesKey.empty()) event[action->valuesKey] = nlohmann::json::object();  // filled per event
    Shape made;
    if (Result<void> ok = engine::decodeWireEvent(engine_, names_, event, made.decoded); !ok)
      return refused(ok.error());
    made.call = made.decoded;
    const auto& specs = action ? action->values : rates_.fields;
    if (!action || !action->valuesKey.empty()) {
      for (const auto& [name, spec] : specs)
        made.values.push_back({&name, &spec, fromSlot(name), fromSlot(spec.from), std::nullopt, {}});
    }
    made.byName.resize(made.values.size());
    std::iota(made.byName.begin(), made.byName.end(), 0u);
    std::sort(made.byName.begin(), made.byName.end(),
              [&](uint32_t a, uint32_t b) { return *made.values[a].name < *made.values[b].name; });
    shape = std::move(made);
  }
  // Only what differs from one event of the shape to the next is set: the
  // values (assigned back from the decoded call, keeping their room), the id and the deal.
  engine::WireCall& call = shape->call;
  call.created.values = shape->decoded.created.values;
  call.values = shape->decoded.values;
  call.event.payload = shape->decoded.event.payload;
  call.event.formValues = shape->decoded.event.formValues;
  SimDeal& deal = deals_[p.deal];
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, ++eventIds_);
  (void)ec;
  call.id.assign("sim-").append(digits, end);
  call.deal = deal.id;
  call.created.id = deal.id;
  // Form answers and set fields are the deal's values from now on.
  bool fills = action && (action->valuesKey == "fields" || call.type == "form_submitted");
  if (Result<void> drawn = drawValues(*shape, deal, !action, fills); !drawn) return refused(drawn.error());
  engine::Outcome outcome = engine::applyWireCall(engine_, call);
  ++result_.events;
  if (outcome.status == engine::Outcome::Status::Invalid) return refused(outcome.message);
  if (!outcome.ok()) ++result_.refused;
  return {};
}

Result<void> Simulation::drawValues(Shape& shape, SimDeal& deal, bool created, bool fills) {
  drawn_.assign(shape.values.size(), std::nullopt);
  filled_.clear();
  for (size_t i = 0; i < shape.values.size(); ++i) {
    ValueSlot& value = shape.values[i];
    const nlohmann::json* json = nullptr;
    drawn_[i] = draw(shape.call, value, deal, json);
    if (!drawn_[i] || value.kept == fromNames_.size()) continue;
    // Kept for a `from` that reads this field: a new deal's later fields
    // may draw from its earlier ones; a form's answers count from the next
    // event on.
    if (created)
      keep(deal, value.kept, *json);
    else if (fills)
      filled_.emplace_back(value.kept, *json);
  }
  for (const auto& [kept, value] : filled_) keep(deal, kept, value);
  // Into the call in the order of their names, as a JSON object of them
  // would give them to the engine: the first that cannot be read is said.
  for (uint32_t i : shape.byName) {
    if (!drawn_[i]) continue;
    if (!*drawn_[i]) return fail(drawn_[i]->error());
    engine::putWireValue(engine_, shape.call, shape.values[i].where->value(), std::move(drawn_[i]->value()));
  }
  return {};
}

std::optional<Result<store::FieldValue>> Simulation::draw(const engine::WireCall& call, ValueSlot& value,
                                                          const SimDeal& deal, const nlohmann::json*& json) {
  const ValueSpec& spec = *value.spec;
  size_t choice = 0;
  switch (spec.kind) {
    case ValueSpec::Kind::Literal: json = &spec.literal; break;
    case ValueSpec::Kind::Choose:
      choice = spec.choose(random_);
      json = &spec.choices[choice].first;
      break;
    case ValueSpec::Kind::Number:
      drawnJson_ = spec.drawNumber(random_);
      json = &drawnJson_;
      break;
    case ValueSpec::Kind::From:
      // A copy: keeping a value may move the deal's kept ones.
      if (const nlohmann::json* set = setValue(deal, value.source)) {
        drawnJson_ = *set;
        json = &drawnJson_;
      }
      break;
  }
  if (!json || json->is_null()) return std::nullopt;
  if (!value.where) value.where = engine::wireValueSlot(engine_, names_, call, *value.name);
  if (!*value.where) return fail(value.where->error());
  if (spec.kind == ValueSpec::Kind::Number || spec.kind == ValueSpec::Kind::From)
    return engine::readWireValue(engine_, value.where->value(), *value.name, *json);
  if (value.read.empty()) value.read.resize(spec.kind == ValueSpec::Kind::Choose ? spec.choices.size() : 1);
  std::optional<Result<store::FieldValue>>& read = value.read[choice];
  if (!read) read = engine::readWireValue(engine_, value.where->value(), *value.name, *json);
  return *read;
}

size_t Simulation::fromSlot(const std::string& field) const {
  return static_cast<size_t>(std::find(fromNames_.begin(), fromNames_.end(), field) - fromNames_.begin());
}

const nlohmann::json* Simulation::setValue(const SimDeal& deal, size_t at) const {
  return at < deal.kept.size() && !deal.kept[at].is_null() ? &deal.kept[at] : nullptr;
}

void Simulation::keep(SimDeal& deal, size_t at, const nlohmann::json& value) const {
  if (at == fromNames_.size()) return;  // no `from` reads it
  if (deal.kept.size() <= at) deal.kept.resize(at + 1);
  deal.kept[at] = value;
}

void Simulation::finish() {
  for (const SimDeal& deal : deals_) {
    if (deal.pipeline < 0) continue;
    ++result_.deals;
    bc::StageKind kind = m_.pipelines[deal.pipeline].stages[deal.stage].kind;
    if (kind == bc::StageKind::Lost) {
      ++result_.lost;
      ++result_.lostReasons[deal.lostReason ? *deal.lostReason : std::string()];
    } else if (kind == bc::StageKind::Won) {
      ++result_.won;
      for (int64_t k : deal.visited) ++result_.stages[k >> 32][static_cast<uint32_t>(k)].toWon;
      size_t week =
          std::min(result_.wonPerWeek.size() - 1, static_cast<size_t>((deal.enteredAt - rates_.start) / kWeek));
      ++result_.wonPerWeek[week];
      if (rates_.revenueField >= 0) {
        std::optional<store::DealRecord> record = store_.begin()->deal(deal.id);
        const store::FieldValue& v = record->fields[static_cast<size_t>(rates_.revenueField)];
        if (v.tag == bc::Tag::Number) result_.revenuePerWeek[week] += v.num;
      }
    } else {
      ++result_.open;
    }
  }
  result_.events += engine_.stats().timersFired;
}

Result<RunResult> Simulation::run() {
  const int64_t end = rates_.start + options_.horizon;
  // A million deals: no doubling growth of the two largest tables.
  deals_.reserve(static_cast<size_t>(options_.deals));
  pending_.reserveArrivals(static_cast<size_t>(options_.deals));
  for (int64_t i = 0; i < options_.deals; ++i) {
    auto d = static_cast<uint32_t>(deals_.size());
    SimDeal deal;
    deal.id = fmt::format("d{}", i + 1);
    deals_.push_back(std::move(deal));
    seeded_ = d + 1;
    int64_t at = rates_.start;
    if (!rates_.arriveAtStart) at += static_cast<int64_t>(random_.uniform() * static_cast<double>(options_.horizon));
    pending_.arrive({at, order_++, d, 0, -1, -1, -1});
  }
  // Client events and the engine's timers, in time order: a timer that falls
  // due before the next client event fires first.
  while (!pending_.empty() && pending_.top().at <= end) {
    Pending next = pending_.top();
    if (std::optional<int64_t> due = store_.nextDue(); due && *due <= next.at) {
      clock_.set(std::max(clock_.now(), *due));
      if (engine_.runDue(*due) > 0) continue;
    }
    pending_.pop();
    if (next.action >= 0 && deals_[next.deal].visit != next.visit) continue;  // the deal has moved on
    clock_.set(std::max(clock_.now(), next.at));
    if (Result<void> applied = apply(next); !applied) return fail(applied.error());
  }
  while (std::optional<int64_t> due = store_.nextDue()) {
    if (*due > end) break;
    clock_.set(std::max(clock_.now(), *due));
    if (engine_.runDue(*due) == 0) break;
  }
  clock_.set(std::max(clock_.now(), end));
  finish();
  return std::move(result_);
}

}  // namespace

Result<RunResult> simulate(const bc::Module& module, const Rates& rates, const SimOptions& options) {
  try {
    Simulation simulation(module, rates, options);
    return simulation.run();
  } catch (const std::exception& e) {
    return fail(fmt::format("the simulation stopped: {}", e.what()));
  }
}

}  // namespace voronka::sim
