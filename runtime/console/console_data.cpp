#include "runtime/console/console_data.h"

#include <algorithm>
#include <set>
#include <unordered_set>

#include "common/language/kinds.h"
#include "runtime/engine/values.h"

namespace voronka::console {

namespace {

const char* kKinds[] = {"working", "won", "lost"};

bool validStage(const bc::Module& m, int32_t p, int32_t s) {
  return p >= 0 && static_cast<size_t>(p) < m.pipelines.size() && s >= 0 &&
         static_cast<size_t>(s) < m.pipelines[p].stages.size();
}

int64_t stageKey(int32_t p, int32_t s) { return (static_cast<int64_t>(p) << 32) | static_cast<uint32_t>(s); }

std::string userName(const bc::Module& m, int32_t user) {
  return user >= 0 && static_cast<size_t>(user) < m.users.size() ? m.str(m.users[user].name) : "";
}

// The first money field: what a deal is worth on the board.
int32_t moneyField(const bc::Module& m) {
  for (size_t i = 0; i < m.fields.size(); ++i) {
    if (m.fields[i].type == bc::ValueType::Money) return static_cast<int32_t>(i);
  }
  return -1;
}

double moneyOf(const store::DealRecord& d, int32_t field) {
  if (field < 0 || static_cast<size_t>(field) >= d.fields.size()) return 0;
  const store::FieldValue& v = d.fields[field];
  return v.tag == bc::Tag::Number ? v.num : 0;
}

nlohmann::json parsedOrText(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? nlohmann::json(text) : j;
}

std::string iso(int64_t t) { return t ? engine::isoUtc(t) : ""; }

// "retail.collect" as the page shows it: the stage's title.
nlohmann::json stageRef(const bc::Module& m, int32_t p, int32_t s) {
  if (!validStage(m, p, s)) return nullptr;
  return {{"pipeline", m.str(m.pipelines[p].name)},
          {"stage", m.str(m.pipelines[p].stages[s].name)},
          {"title", m.str(m.pipelines[p].stages[s].title)}};
}

nlohmann::json ruleRef(const bc::Module& m, int32_t rule) {
  if (rule < 0 || static_cast<size_t>(rule) >= m.rules.size()) return nullptr;
  const bc::RuleDef& r = m.rules[rule];
  nlohmann::json j = {{"index", rule}, {"line", r.line}};
  if (r.file != bc::kNo) j["file"] = m.str(r.file);
  if (r.body != bc::kNo && static_cast<size_t>(r.body) < m.functions.size()) {
    j["name"] = m.str(m.functions[r.body].name);
  }
  return j;
}

int32_t eventNamed(const bc::Module& m, const std::string& name) {
  for (size_t e = 0; e < m.events.size(); ++e) {
    if (m.str(m.events[e].name) == name) return static_cast<int32_t>(e);
  }
  return bc::kNo;
}

// The rules of the module that run on `event` in a stage (`from`: the stage
// a deal entered it from, for `on enter from X`). The store does not record
// which of them fired (their `when` may have been false): these are the
// candidates, for the page to name.
nlohmann::json rulesOn(const bc::Module& m, int32_t event, int32_t pipeline, int32_t stage, int32_t from = bc::kNo) {
  nlohmann::json out = nlohmann::json::array();
  if (event == bc::kNo || pipeline < 0) return out;
  for (size_t r = 0; r < m.rules.size(); ++r) {
    const bc::RuleDef& rule = m.rules[r];
    if (rule.event != event || rule.pipeline != pipeline) continue;
    if (rule.stage != bc::kNo && rule.stage != stage) continue;
    if (rule.fromStage != bc::kNo && rule.fromStage != from) continue;
    out.push_back(ruleRef(m, static_cast<int32_t>(r)));
  }
  return out;
}

}  // namespace

nlohmann::json moduleOutline(const bc::Module& m) {
  nlohmann::json pipelines = nlohmann::json::array();
  for (const bc::PipelineDef& p : m.pipelines) {
    nlohmann::json stages = nlohmann::json::array();
    for (const bc::StageDef& s : p.stages) {
      stages.push_back(
          {{"name", m.str(s.name)}, {"title", m.str(s.title)}, {"kind", kKinds[static_cast<int>(s.kind)]}});
    }
    pipelines.push_back({{"name", m.str(p.name)}, {"title", m.str(p.title)}, {"stages", std::move(stages)}});
  }
  nlohmann::json users = nlohmann::json::array();
  for (const bc::UserDef& u : m.users) users.push_back({{"name", m.str(u.name)}, {"title", m.str(u.title)}});
  std::string timezone = "UTC", currency;
  if (!m.calendars.empty()) {
    if (m.calendars[0].timezone != bc::kNo) timezone = m.str(m.calendars[0].timezone);
    if (m.calendars[0].currency != bc::kNo) currency = m.str(m.calendars[0].currency);
  }
  return {{"pipelines", std::move(pipelines)},
          {"users", std::move(users)},
          {"timezone", timezone},
          {"currency", currency},
          {"language", std::string(lang::code(m.language))}};
}

StageP90 p90OfStages(const nlohmann::json& stats, const bc::Module& m) {
  StageP90 out;
  const nlohmann::json& pipelines = stats["pipelines"];
  for (size_t p = 0; p < pipelines.size() && p < m.pipelines.size(); ++p) {
    const nlohmann::json& stages = pipelines[p]["stages"];
    for (size_t s = 0; s < stages.size(); ++s) {
      const nlohmann::json& row = stages[s];
      if (row.contains("time_in_stage") && row["time_in_stage"].contains("p90")) {
        out[stageKey(static_cast<int32_t>(p), static_cast<int32_t>(s))] = row["time_in_stage"]["p90"].get<int64_t>();
      }
    }
  }
  return out;
}

nlohmann::json board(const bc::Module& m, store::Transaction& tx, const BoardFilter& filter, const StageP90& p90,
                     int64_t now, const std::string& version, const ModuleOfVersion& moduleOf) {
  if (filter.pipeline < 0 || static_cast<size_t>(filter.pipeline) >= m.pipelines.size()) return nullptr;
  const bc::PipelineDef& pipeline = m.pipelines[filter.pipeline];
  struct Card {
    std::string id, name;
    double money = 0;
    int32_t responsible = -1;
    int64_t enteredAt = 0;
    bool stuck = false;
    bool flagged = false;  // stuck or overdue
    std::vector<std::string> tags;
  };
  struct Column {
    int64_t count = 0;
    double money = 0;
    int64_t flagged = 0;
    std::vector<Card> cards;
  };
  std::vector<Column> columns(pipeline.stages.size());
  std::set<std::string> tags;
  int32_t money = moneyField(m);

  std::unordered_set<std::string> overdue;
  for (const store::TaskRecord& t : tx.openTasksDueBefore(now)) overdue.insert(t.deal);
  // Flagged deals first, then the longest in the stage: only the first few go to the page.
  auto before = [](const Card& a, const Card& b) {
    return std::make_pair(a.flagged ? 0 : 1, a.enteredAt) < std::make_pair(b.flagged ? 0 : 1, b.enteredAt);
  };
  // Keeps a column's cards to the first `dealsPerStage` (amortized: trimmed when twice as many).
  auto trim = [&](std::vector<Card>& cards) {
    if (cards.size() <= filter.dealsPerStage) return;
    std::nth_element(cards.begin(), cards.begin() + static_cast<std::ptrdiff_t>(filter.dealsPerStage), cards.end(),
                     before);
    cards.resize(filter.dealsPerStage);
  };

  // Where a deal on another version stands in `m`: the stage of the same names, by (pipeline << 32 | stage).
  std::map<std::string, std::map<int64_t, std::pair<int32_t, int32_t>>> renamed;
  auto stageIn = [&](const bc::Module& from, int32_t p, int32_t s) -> std::pair<int32_t, int32_t> {
    if (!validStage(from, p, s)) return {-1, -1};
    std::string pipelineName = from.str(from.pipelines[p].name), stageName = from.str(from.pipelines[p].stages[s].name);
    for (size_t tp = 0; tp < m.pipelines.size(); ++tp) {
      if (m.str(m.pipelines[tp].name) != pipelineName) continue;
      for (size_t ts = 0; ts < m.pipelines[tp].stages.size(); ++ts) {
        if (m.str(m.pipelines[tp].stages[ts].name) == stageName)
          return {static_cast<int32_t>(tp), static_cast<int32_t>(ts)};
      }
    }
    return {-1, -1};
  };
  int64_t notMoved = 0;

  tx.forEachDeal([&](const store::DealRecord& d) {
    for (const std::string& tag : d.tags) tags.insert(tag);
    int32_t dealPipeline = d.pipeline, dealStage = d.stage;
    if (moduleOf && d.moduleVersion != version) {
      if (const bc::Module* own = moduleOf(d.moduleVersion)) {
        auto& known = renamed[d.moduleVersion];
        auto at = known.find(stageKey(d.pipeline, d.stage));
        if (at == known.end())
          at = known.emplace(stageKey(d.pipeline, d.stage), stageIn(*own, d.pipeline, d.stage)).first;
        std::tie(dealPipeline, dealStage) = at->second;
        if (dealPipeline < 0) {
          ++notMoved;
          return;
        }
      }
    }
    if (dealPipeline != filter.pipeline || !validStage(m, dealPipeline, dealStage)) return;
    if (filter.responsible >= 0 && d.responsible != filter.responsible) return;
    if (!filter.tag.empty() && std::find(d.tags.begin(), d.tags.end(), filter.tag) == d.tags.end()) return;
    Column& c = columns[dealStage];
    double worth = moneyOf(d, money);
    ++c.count;
    c.money += worth;
    auto limit = p90.find(stageKey(dealPipeline, dealStage));
    bool stuck = pipeline.stages[dealStage].kind == bc::StageKind::Working && limit != p90.end() &&
                 now - d.enteredAt > limit->second;
    bool flagged = stuck || overdue.count(d.id) > 0;
    if (flagged) ++c.flagged;
    c.cards.push_back({d.id, d.name, worth, d.responsible, d.enteredAt, stuck, flagged, d.tags});
    if (c.cards.size() >= 2 * filter.dealsPerStage + 16) trim(c.cards);
  });

  nlohmann::json stages = nlohmann::json::array();
  for (size_t s = 0; s < pipeline.stages.size(); ++s) {
    Column& c = columns[s];
    const bc::StageDef& stage = pipeline.stages[s];
    trim(c.cards);
    std::sort(c.cards.begin(), c.cards.end(), before);
    size_t shown = c.cards.size();
    nlohmann::json deals = nlohmann::json::array();
    for (size_t i = 0; i < shown; ++i) {
      const Card& card = c.cards[i];
      deals.push_back({{"id", card.id},
                       {"name", card.name},
                       {"money", card.money},
                       {"responsible", userName(m, card.responsible)},
                       {"entered_at", iso(card.enteredAt)},
                       {"overdue", overdue.count(card.id) > 0},
                       {"stuck", card.stuck},
                       {"tags", card.tags}});
    }
    nlohmann::json row = {{"name", m.str(stage.name)},
                          {"title", m.str(stage.title)},
                          {"kind", kKinds[static_cast<int>(stage.kind)]},
                          {"deals", c.count},
                          {"money", c.money},
                          {"flagged", c.flagged},
                          {"shown", std::move(deals)}};
    auto limit = p90.find(stageKey(filter.pipeline, static_cast<int32_t>(s)));
    if (limit != p90.end()) row["p90"] = limit->second;
    stages.push_back(std::move(row));
  }
  return {{"pipeline", m.str(pipeline.name)},
          {"title", m.str(pipeline.title)},
          {"money_field", money >= 0 ? nlohmann::json(m.str(m.fields[money].name)) : nlohmann::json(nullptr)},
          {"stages", std::move(stages)},
          {"tags", tags},
          {"not_moved", notMoved}};
}

std::optional<nlohmann::json> dealPage(const bc::Module& m, store::Transaction& tx, const std::string& id) {
  std::optional<store::DealRecord> d = tx.deal(id);
  if (!d) return std::nullopt;
  nlohmann::json fields = nlohmann::json::object();
  for (size_t f = 0; f < m.fields.size() && f < d->fields.size(); ++f) {
    if (d->fields[f].tag == bc::Tag::None) continue;
    fields[m.str(m.fields[f].name)] = {{"title", m.str(m.fields[f].title)},
                                       {"value", engine::valueToJson(m, d->fields[f])}};
  }
  nlohmann::json deal = {
      {"id", d->id},
      {"name", d->name},
      {"stage", stageRef(m, d->pipeline, d->stage)},
      {"responsible", userName(m, d->responsible)},
      {"tags", d->tags},
      {"fields", std::move(fields)},
      {"contact", {{"name", d->contactName}, {"email", d->contactEmail}, {"phone", d->contactPhone}}},
      {"company", d->companyName},
      {"created_at", iso(d->createdAt)},
      {"entered_at", iso(d->enteredAt)},
      {"module_version", d->moduleVersion},
      {"lost_reason", d->lostReason},
      {"error", d->error}};

  // The timeline: every record the store keeps of the deal, by time; at
  // one instant the event first, then what it did in the order recorded.
  struct Line {
    int64_t at;
    int order;
    nlohmann::json entry;
  };
  std::vector<Line> lines;
  std::map<std::string, std::string> eventTypes;  // cause → type, for the moves
  std::vector<store::HistoryRecord> history = tx.historyOf(id);
  // The stage the deal was in when an event came: the one its move left, or where the last move before it led.
  auto stageAt = [&](const store::EventRecord& e) -> std::pair<int32_t, int32_t> {
    std::pair<int32_t, int32_t> at{-1, -1};
    for (const store::HistoryRecord& h : history) {
      if (h.cause == e.id && h.how != "created") return {h.fromPipeline, h.fromStage};
      if (h.at <= e.at) at = {h.toPipeline, h.toStage};
    }
    return at;
  };
  for (const store::EventRecord& e : tx.eventsOf(id)) {
    eventTypes[e.id] = e.type;
    nlohmann::json entry = {{"what", "event"},      {"id", e.id},      {"type", e.type},
                            {"outcome", e.outcome}, {"at", iso(e.at)}, {"module_version", e.moduleVersion}};
    if (!e.body.empty()) entry["body"] = parsedOrText(e.body);
    auto [pipeline, stage] = stageAt(e);
    nlohmann::json rules = rulesOn(m, eventNamed(m, e.type), pipeline, stage);
    if (!rules.empty()) entry["rules"] = std::move(rules);
    lines.push_back({e.at, 0, std::move(entry)});
  }
  int32_t enter = eventNamed(m, "enter");
  for (const store::HistoryRecord& h : history) {
    nlohmann::json entry = {{"what", "move"},
                            {"at", iso(h.at)},
                            {"from", stageRef(m, h.fromPipeline, h.fromStage)},
                            {"to", stageRef(m, h.toPipeline, h.toStage)},
                            {"how", h.how},
                            {"cause", h.cause}};
    auto type = eventTypes.find(h.cause);
    if (type != eventTypes.end()) entry["cause_type"] = type->second;
    nlohmann::json rules =
        rulesOn(m, enter, h.toPipeline, h.toStage, h.fromPipeline == h.toPipeline ? h.fromStage : bc::kNo);
    if (!rules.empty()) entry["rules"] = std::move(rules);
    lines.push_back({h.at, 1, std::move(entry)});
  }
  for (const store::TaskRecord& t : tx.tasksOf(id)) {
    nlohmann::json entry = {{"what", "task"}, {"id", t.id},          {"at", iso(t.createdAt)},
                            {"text", t.text}, {"due", iso(t.due)},   {"responsible", userName(m, t.responsible)},
                            {"done", t.done}, {"comment", t.comment}};
    if (t.type >= 0 && static_cast<size_t>(t.type) < m.taskTypes.size())
      entry["type"] = m.str(m.taskTypes[t.type].name);
    lines.push_back({t.createdAt, 2, entry});
    if (t.done && t.completedAt) {
      lines.push_back(
          {t.completedAt, 2, {{"what", "task_done"}, {"id", t.id}, {"at", iso(t.completedAt)}, {"text", t.text}}});
    }
  }
  for (const store::EffectRecord& e : tx.effectsOf(id)) {
    nlohmann::json entry = {{"what", "effect"},
                            {"id", e.id},
                            {"kind", e.kind},
                            {"at", iso(e.createdAt)},
                            {"status", e.status},
                            {"attempts", e.attempts},
                            {"last_error", e.lastError},
                            {"payload", parsedOrText(e.payload)}};
    if (e.notBefore > e.createdAt) entry["not_before"] = iso(e.notBefore);
    if (e.deliveredAt) entry["delivered_at"] = iso(e.deliveredAt);
    if (e.status == "pending" && e.nextAttemptAt) entry["next_attempt_at"] = iso(e.nextAttemptAt);
    lines.push_back({e.createdAt, 3, std::move(entry)});
  }
  for (const store::NoteRecord& n : tx.notesOf(id)) {
    lines.push_back({n.at, 4, {{"what", "note"}, {"at", iso(n.at)}, {"text", n.text}}});
  }
  std::stable_sort(lines.begin(), lines.end(),
                   [](const Line& a, const Line& b) { return std::tie(a.at, a.order) < std::tie(b.at, b.order); });
  nlohmann::json timeline = nlohmann::json::array();
  for (Line& l : lines) timeline.push_back(std::move(l.entry));

  nlohmann::json timers = nlohmann::json::array();
  static const char* kTimerKinds[] = {"rule", "then", "task_overdue"};
  for (const store::TimerRecord& t : tx.timersOf(id)) {
    nlohmann::json entry = {{"id", t.id},
                            {"due", iso(t.due)},
                            {"kind", kTimerKinds[static_cast<int>(t.kind)]},
                            {"scheduled_at", iso(t.scheduledAt)},
                            {"cause", t.cause},
                            {"rule", ruleRef(m, t.rule)}};
    if (t.kind == store::TimerKind::TaskOverdue) entry["task"] = t.task;
    timers.push_back(std::move(entry));
  }
  return nlohmann::json{{"deal", std::move(deal)}, {"timeline", std::move(timeline)}, {"timers", std::move(timers)}};
}

nlohmann::json outbox(store::Transaction& tx, const std::string& status, size_t limit) {
  bool failing = status == "failing";
  std::vector<store::EffectRecord> effects =
      tx.effectsWithStatus(failing ? "pending" : status, failing ? 100000 : limit);
  nlohmann::json list = nlohmann::json::array();
  for (const store::EffectRecord& e : effects) {
    if (failing && e.attempts == 0) continue;
    if (list.size() >= limit) break;
    nlohmann::json j = {{"id", e.id},
                        {"deal", e.deal},
                        {"kind", e.kind},
                        {"status", e.status},
                        {"attempts", e.attempts},
                        {"created_at", iso(e.createdAt)},
                        {"last_error", e.lastError},
                        {"payload", parsedOrText(e.payload)}};
    if (e.status == "pending" && e.nextAttemptAt) j["next_attempt_at"] = iso(e.nextAttemptAt);
    list.push_back(std::move(j));
  }
  store::StoreCounts counts = tx.counts();
  return {{"status", status},
          {"effects", std::move(list)},
          {"pending", counts.effectsPending},
          {"dead", counts.effectsDead}};
}

nlohmann::json versions(store::Transaction& tx, const std::string& running) {
  nlohmann::json kept = nlohmann::json::array();
  for (const store::ModuleRecord& v : tx.moduleVersions()) {
    kept.push_back({{"version", v.version}, {"source", v.source}, {"added_at", iso(v.addedAt)}});
  }
  nlohmann::json journal = nlohmann::json::array();
  for (const store::DeploymentRecord& d : tx.deployments(100)) {
    journal.push_back({{"id", d.id},
                       {"started_at", iso(d.startedAt)},
                       {"finished_at", iso(d.finishedAt)},
                       {"by", d.by},
                       {"from", d.fromVersion},
                       {"to", d.toVersion},
                       {"status", d.status},
                       {"result", parsedOrText(d.result)}});
  }
  return {{"running", running},
          {"active", tx.meta("active_version").value_or("")},
          {"deploying", deploymentInProgress(tx)},
          {"versions", std::move(kept)},
          {"deployments", std::move(journal)}};
}

nlohmann::json deploymentInProgress(store::Transaction& tx) {
  for (const store::DeploymentRecord& d : tx.deployments(10)) {
    if (d.status != "running") continue;
    // Its result is its progress so far, saved with each chunk of deals moved.
    nlohmann::json progress = nlohmann::json::parse(d.result.empty() ? "{}" : d.result, nullptr, false);
    if (!progress.is_object()) progress = nlohmann::json::object();
    return {{"id", d.id},
            {"from", d.fromVersion},
            {"to", d.toVersion},
            {"started_at", iso(d.startedAt)},
            {"deals_moved", progress.value("deals", 0)},
            {"deals_in_store", progress.value("deals_in_store", 0)}};
  }
  return nullptr;
}

}  // namespace voronka::console
