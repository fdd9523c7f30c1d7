// Helpers for the store tests: a temporary directory, records to write, and a store's whole
// observable state as text (so two states compare with a readable diff).
#pragma once

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/store/memory_store.h"
#include "runtime/store/sqlite_store.h"

namespace voronka::testing {

// A fresh directory under the system's temp directory, removed afterwards.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("voronka_store_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// ───────────────────────────── records ────────────────────────────────────

inline store::FieldValue textField(const std::string& s) {
  store::FieldValue f;
  f.tag = bc::Tag::Text;
  f.text = s;
  return f;
}
inline store::FieldValue numberField(double d) {
  store::FieldValue f;
  f.tag = bc::Tag::Number;
  f.num = d;
  return f;
}
inline store::FieldValue intField(bc::Tag tag, int64_t i, uint16_t aux = 0) {
  store::FieldValue f;
  f.tag = tag;
  f.i = i;
  f.aux = aux;
  return f;
}

// A deal with every member set to something other than its default.
inline store::DealRecord sampleDeal(const std::string& id, int32_t pipeline = 0, int32_t stage = 1) {
  store::DealRecord d;
  d.id = id;
  d.pipeline = pipeline;
  d.stage = stage;
  d.previousPipeline = 1;  // came over from another pipeline
  d.previousStage = 4;
  d.epoch = 3;
  d.enteredAt = 1772431200;
  d.createdAt = 1772431100;
  d.name = "Сделка " + id;
  d.fields = {store::FieldValue{},
              numberField(90000.5),
              textField("диван «Кёльн»"),
              intField(bc::Tag::Bool, 1),
              intField(bc::Tag::Date, 20515),
              intField(bc::Tag::DateTime, -86400),
              intField(bc::Tag::Duration, 5, bc::kWorkdays),
              intField(bc::Tag::Time, 600),
              intField(bc::Tag::Enum, 2, 7),
              intField(bc::Tag::User, 1),
              numberField(-std::numeric_limits<double>::infinity()),
              numberField(-0.0)};
  d.tags = {"vip", "повтор", ""};
  d.responsible = 2;
  d.contactName = "Вера";
  d.contactEmail = "vera@example.com";
  d.contactPhone = "+7 900 000-00-00";
  d.companyName = "ООО «Ромашка»";
  d.visits = {{int64_t{0} << 32 | 1, 2}, {int64_t{1} << 32 | 0, 1}, {-5, -1}};
  d.lostReason = "Дорого";
  d.error = "e1: deeper than 32";
  d.childDeals = 4;
  d.version = std::numeric_limits<uint64_t>::max();  // kept bit for bit
  d.moduleVersion = "0123456789abcdef";
  return d;
}

inline store::TaskRecord sampleTask(const std::string& deal, const std::string& text, int64_t due = 1772517600) {
  store::TaskRecord t;
  t.deal = deal;
  t.type = 1;
  t.text = text;
  t.due = due;
  t.responsible = 2;
  t.createdAt = 1772431200;
  t.comment = "";
  t.epoch = 1;
  return t;
}

inline store::TimerRecord sampleTimer(const std::string& deal, int64_t due) {
  store::TimerRecord t;
  t.deal = deal;
  t.due = due;
  t.kind = store::TimerKind::Then;
  t.rule = 3;
  t.action = 4;
  t.epoch = 2;
  t.event = 5;
  t.payload = R"({"amount":45000})";
  t.unlessEvent = 6;
  t.unlessArg = 7;
  t.task = 8;
  t.scheduledAt = due - 3600;
  t.cause = "evt-" + std::to_string(due);
  return t;
}

inline store::EffectRecord sampleEffect(const std::string& deal, const std::string& key, int64_t notBefore = 0,
                                        const std::string& status = "pending") {
  store::EffectRecord e;
  e.deal = deal;
  e.kind = "email";
  e.key = key;
  e.payload = R"({"template":"hi"})";
  e.createdAt = 1772431200;
  e.notBefore = notBefore;
  e.status = status;
  return e;
}

// ───────────────────────────── as text ────────────────────────────────────

inline std::string show(const store::FieldValue& f) {
  std::ostringstream out;
  out << "(" << static_cast<int>(f.tag) << " aux=" << f.aux << " num=" << std::hexfloat << f.num << std::defaultfloat
      << " i=" << f.i << " text=\"" << f.text << "\")";
  return out.str();
}

inline std::string show(const store::DealRecord& d) {
  std::ostringstream out;
  out << "deal " << d.id << " at " << d.pipeline << "." << d.stage << " from " << d.previousPipeline << "."
      << d.previousStage << " epoch=" << d.epoch << " entered=" << d.enteredAt << " created=" << d.createdAt
      << " name=\"" << d.name << "\" responsible=" << d.responsible << " contact=\"" << d.contactName << "|"
      << d.contactEmail << "|" << d.contactPhone << "|" << d.companyName << "\" lost=\"" << d.lostReason
      << "\" error=\"" << d.error << "\" children=" << d.childDeals << " version=" << d.version << " on=\""
      << d.moduleVersion << "\"\n  fields:";
  for (const auto& f : d.fields) out << " " << show(f);
  out << "\n  tags:";
  for (const auto& t : d.tags) out << " \"" << t << "\"";
  out << "\n  visits:";
  for (const auto& [k, v] : d.visits) out << " " << k << "=" << v;
  return out.str();
}

inline std::string show(const store::TaskRecord& t) {
  std::ostringstream out;
  out << "task " << t.id << " of " << t.deal << " type=" << t.type << " \"" << t.text << "\" due=" << t.due
      << " responsible=" << t.responsible << " done=" << t.done << " created=" << t.createdAt
      << " completed=" << t.completedAt << " comment=\"" << t.comment << "\" epoch=" << t.epoch;
  return out.str();
}

inline std::string show(const store::TimerRecord& t) {
  std::ostringstream out;
  out << "timer " << t.id << " of " << t.deal << " due=" << t.due << " kind=" << static_cast<int>(t.kind)
      << " rule=" << t.rule << " action=" << t.action << " epoch=" << t.epoch << " event=" << t.event
      << " payload=" << t.payload << " unless=" << t.unlessEvent << "/" << t.unlessArg << " task=" << t.task
      << " scheduled=" << t.scheduledAt << " cause=" << t.cause;
  return out.str();
}

inline std::string show(const store::EffectRecord& e) {
  std::ostringstream out;
  out << "effect " << e.id << " of " << e.deal << " " << e.kind << " key=" << e.key << " payload=" << e.payload
      << " created=" << e.createdAt << " notBefore=" << e.notBefore << " status=" << e.status
      << " attempts=" << e.attempts << " next=" << e.nextAttemptAt << " delivered=" << e.deliveredAt << " error=\""
      << e.lastError << "\"";
  return out.str();
}

inline std::string show(const store::EventRecord& e) {
  std::string out = "event " + e.id + " of " + e.deal + " " + e.type + " at=" + std::to_string(e.at) + " " + e.outcome +
                    " by=" + e.moduleVersion + " body=" + e.body;
  for (const auto& f : e.fired)
    out += " fired=" + std::to_string(f.rule) + ":" + f.name + "@" + f.file + ":" + std::to_string(f.line);
  return out;
}
inline std::string show(const store::AttemptRecord& a) {
  std::ostringstream out;
  out << "attempt " << a.attempt << " of effect " << a.effect << " (" << a.deal << ") at=" << a.at << " " << a.outcome
      << " http=" << a.httpStatus << " error=\"" << a.error << "\" ms=" << a.durationMs;
  return out.str();
}
inline std::string show(const store::HistoryRecord& h) {
  std::ostringstream out;
  out << "history " << h.deal << " " << h.fromPipeline << "." << h.fromStage << " -> " << h.toPipeline << "."
      << h.toStage << " at=" << h.at << " cause=" << h.cause << " how=" << h.how;
  return out.str();
}
inline std::string show(const store::NoteRecord& n) {
  return "note " + n.deal + " at=" + std::to_string(n.at) + " \"" + n.text + "\"";
}

template <typename T>
std::vector<std::string> showAll(const std::vector<T>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(show(r));
  return out;
}

// What to look at beyond the store's own lists: deals, events, counters and
// meta keys a test may have touched.
struct Probe {
  std::vector<std::string> deals, events, counters, metaKeys;
};

// Everything a store shows through its interface, as text. Reads in a
// transaction that is never committed (so taking counters changes nothing).
inline std::string snapshot(store::Store& s, const Probe& probe) {
  std::ostringstream out;
  auto tx = s.begin();
  std::vector<std::string> deals = tx->dealIds();
  out << "dealIds:";
  for (const auto& id : deals) out << " " << id;
  out << "\n";
  for (const auto& id : probe.deals) {
    if (std::find(deals.begin(), deals.end(), id) == deals.end()) deals.push_back(id);
  }
  for (const auto& id : deals) {
    if (auto d = tx->deal(id)) out << show(*d) << "\n";
    for (const auto& r : tx->tasksOf(id)) out << show(r) << "\n";
    for (const auto& r : tx->timersOf(id)) out << show(r) << "\n";
    for (const auto& r : tx->effectsOf(id)) out << show(r) << "\n";
    for (const auto& r : tx->attemptsOf(id)) out << show(r) << "\n";
    for (const auto& r : tx->historyOf(id)) out << show(r) << "\n";
    for (const auto& r : tx->notesOf(id)) out << show(r) << "\n";
  }
  for (const auto& id : probe.events) {
    out << id << " seen=" << tx->eventSeen(id);
    if (auto e = tx->event(id)) out << " " << show(*e);
    out << "\n";
  }
  for (const auto& name : probe.counters) out << "counter " << name << "=" << tx->takeCounter(name) << "\n";
  for (const auto& key : probe.metaKeys) out << "meta " << key << "=" << tx->meta(key).value_or("(none)") << "\n";
  out << "due timers:";
  for (const auto& t : tx->dueTimers(std::numeric_limits<int64_t>::max(), 1000)) out << " " << t.id;
  out << "\ndue effects:";
  for (const auto& e : tx->dueEffects(std::numeric_limits<int64_t>::max(), 1000)) out << " " << e.id;
  for (const char* status : {"pending", "delivered", "dead"}) {
    out << "\n" << status << ":";
    for (const auto& e : tx->effectsWithStatus(status, 1000)) out << " " << e.id;
  }
  store::StoreCounts c = tx->counts();
  out << "\ncounts: deals=" << c.deals << " timers=" << c.timersPending << " pending=" << c.effectsPending
      << " dead=" << c.effectsDead << " events=" << c.events << "\nper stage:";
  for (const auto& sc : tx->dealsPerStage()) out << " " << sc.pipeline << "." << sc.stage << "=" << sc.deals;
  tx.reset();
  auto due = s.nextDue();
  out << "\nnext due: " << (due ? std::to_string(*due) : "none") << "\n";
  return out.str();
}

// Records of every kind, all committed by the caller: three deals (one with
// empty lists), tasks (one updated), timers (one removed), effects (one dead),
// events, history, notes on a deal that has no record, a counter and meta.
inline void writeEveryKind(store::Transaction& tx) {
  tx.putDeal(sampleDeal("d1", 0, 1));
  tx.putDeal(sampleDeal("d2", 0, 2));
  store::DealRecord d3 = sampleDeal("d3", 1, 0);
  d3.fields.clear();
  d3.tags.clear();
  d3.visits.clear();
  tx.putDeal(d3);
  tx.addTask(sampleTask("d1", "Позвонить"));
  store::TaskRecord meeting = sampleTask("d2", "Встреча");
  meeting.id = tx.addTask(meeting);
  tx.addTask(sampleTask("d1", "Письмо", 0));
  meeting.done = true;
  meeting.completedAt = 1772440000;
  meeting.comment = "Клиент придёт в пятницу";
  tx.putTask(meeting);
  tx.addTimer(sampleTimer("d1", 2000));
  tx.addTimer(sampleTimer("d2", 1000));
  tx.removeTimer(tx.addTimer(sampleTimer("d1", 500)));
  tx.addEffect(sampleEffect("d1", "k1"));
  tx.addEffect(sampleEffect("d2", "k2", 5000));
  tx.addEffect(sampleEffect("d1", "k3"));
  store::EffectRecord dead = tx.effectsOf("d1").back();
  dead.status = "dead";
  dead.attempts = 5;
  dead.lastError = "550 mailbox unavailable";
  dead.attempt = store::AttemptRecord{0, "", 5, 1772431250, "dead", 550, "550 mailbox unavailable", 80};
  tx.putEffect(dead);
  store::EventRecord created{"e1", "d1", "deal_created", 1772431200, "applied"};
  created.fired = {{0, "s.new on create body", "a.funnel", 7}};
  tx.recordEvent(created);
  tx.recordEvent({"e2", "d2", "link_clicked", 1772431300, "failed: deeper than 32"});
  tx.addHistory({"d1", -1, -1, 0, 1, 1772431200, "e1", "created"});
  tx.addHistory({"d2", -1, -1, 0, 2, 1772431300, "e2", "created"});
  tx.addHistory({"d1", 0, 1, 0, 2, 1772431400, "timer:1", "automatic"});
  tx.addNote({"d1", 1772431200, "первая"});
  tx.addNote({"ghost", 1772431250, "a note of a deal with no record"});
  tx.addNote({"d1", 1772431300, "вторая"});
  tx.takeCounter("rr:sales");
  tx.takeCounter("rr:sales");
  tx.putMeta("module", "sha256:abc");
  tx.putMeta("format", "1");
}

inline Probe everyKindProbe() {
  return {{"d1", "d2", "d3", "d4", "ghost"},
          {"e1", "e2", "e3", "nope"},
          {"rr:sales", "rr:new"},
          {"module", "format", "new"}};
}

}  // namespace voronka::testing
