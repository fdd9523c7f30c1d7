// The relay's bookkeeping, with connectors written in the test: claiming,
// backoff, dead letters, counters, at-least-once after a crash, the thread.
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "tests/outbox/outbox_support.h"

namespace voronka {
namespace {

using outbox::DeliveryResult;
using testing::exactOptions;
using testing::kStart;
using testing::Outbox;

// Answers from a script and remembers what it was given.
class ScriptedConnector : public outbox::Connector {
 public:
  explicit ScriptedConnector(std::vector<DeliveryResult> script = {}) : script_(std::move(script)) {}
  DeliveryResult deliver(const store::EffectRecord& effect) override {
    seen.push_back(effect);
    if (during) during(effect);
    if (failing.count(effect.key)) return DeliveryResult::retry("down");
    if (next_ < script_.size()) return script_[next_++];
    return DeliveryResult::delivered();
  }
  std::vector<store::EffectRecord> seen;
  std::function<void(const store::EffectRecord&)> during;
  std::set<std::string> failing;  // keys whose every attempt fails

 private:
  std::vector<DeliveryResult> script_;
  size_t next_ = 0;
};

// "k0", "k1"…: std::to_string appended, since "k" + std::to_string trips GCC 12's bogus -Wrestrict.
std::string keyOf(int i) {
  std::string key = "k";
  key += std::to_string(i);
  return key;
}

struct Fixture {
  Outbox box;
  std::shared_ptr<ScriptedConnector> connector;
  outbox::Connectors connectors;
  explicit Fixture(std::vector<DeliveryResult> script = {})
      : connector(std::make_shared<ScriptedConnector>(std::move(script))) {
    connectors.set("webhook", connector);
  }
};

TEST(Relay, DeliversAndRecordsTheTime) {
  Fixture f;
  int64_t id = f.box.add("webhook", {{"url", "http://x"}});
  outbox::OutboxRelay relay(f.box.store, f.connectors, exactOptions(), f.box.clock);
  EXPECT_EQ(relay.runOnce(), 1u);
  store::EffectRecord e = f.box.effect(id);
  EXPECT_EQ(e.status, "delivered");
  EXPECT_EQ(e.deliveredAt, kStart);
  EXPECT_EQ(e.attempts, 1);
  EXPECT_EQ(relay.runOnce(), 0u);  // delivered effects are not sent again
  EXPECT_EQ(relay.counters().delivered, 1u);
}

TEST(Relay, ClaimsBeforeDeliveringSoNoOtherRoundTakesTheEffect) {
  Fixture f;
  int64_t id = f.box.add("webhook", {});
  f.connector->during = [&](const store::EffectRecord&) {
    store::EffectRecord claimed = f.box.effect(id);
    EXPECT_EQ(claimed.status, "pending");
    EXPECT_EQ(claimed.attempts, 1);
    EXPECT_EQ(claimed.nextAttemptAt, kStart + 600);  // the lease
    EXPECT_TRUE(f.box.store.begin()->dueEffects(kStart, 10).empty());
  };
  outbox::OutboxRelay relay(f.box.store, f.connectors, exactOptions(), f.box.clock);
  relay.runOnce();
  EXPECT_EQ(f.connector->seen.size(), 1u);
}

TEST(Relay, BacksOffExponentiallyUpToTheMaximum) {
  outbox::RelayOptions o = exactOptions();
  o.backoffInitial = 5;
  o.backoffMax = 60;
  Fixture f;
  outbox::OutboxRelay relay(f.box.store, f.connectors, o, f.box.clock);
  EXPECT_EQ(relay.backoff(1), 5);
  EXPECT_EQ(relay.backoff(2), 10);
  EXPECT_EQ(relay.backoff(3), 20);
  EXPECT_EQ(relay.backoff(4), 40);
  EXPECT_EQ(relay.backoff(5), 60);
  EXPECT_EQ(relay.backoff(500), 60);
}

TEST(Relay, RetriesAtTheBackoffTimesThenDelivers) {
  Fixture f({DeliveryResult::retry("down"), DeliveryResult::retry("still down")});
  int64_t id = f.box.add("webhook", {});
  outbox::OutboxRelay relay(f.box.store, f.connectors, exactOptions(), f.box.clock);
  EXPECT_EQ(relay.runOnce(), 1u);
  EXPECT_EQ(f.box.effect(id).nextAttemptAt, kStart + 5);
  EXPECT_EQ(f.box.effect(id).lastError, "down");
  f.box.clock.advance(4);
  EXPECT_EQ(relay.runOnce(), 0u);
  f.box.clock.advance(1);
  EXPECT_EQ(relay.runOnce(), 1u);
  EXPECT_EQ(f.box.effect(id).nextAttemptAt, kStart + 5 + 10);
  f.box.clock.advance(10);
  EXPECT_EQ(relay.runOnce(), 1u);
  store::EffectRecord e = f.box.effect(id);
  EXPECT_EQ(e.status, "delivered");
  EXPECT_EQ(e.attempts, 3);
  EXPECT_EQ(e.lastError, "");
  EXPECT_EQ(relay.counters().retried, 2u);
  EXPECT_EQ(relay.counters().delivered, 1u);
}

TEST(Relay, JitterOnlyShortensTheWait) {
  outbox::RelayOptions o = exactOptions();
  o.backoffInitial = 100;
  o.jitter = 0.5;
  o.maxAttempts = 2;
  o.concurrency = 1;  // 20 deals: one delivery at a time all the same (the connector is not thread-safe)
  Fixture f;
  std::vector<int64_t> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(f.box.add("webhook", {}, keyOf(i), 0, "D-" + std::to_string(i)));
  f.connector = std::make_shared<ScriptedConnector>(std::vector<DeliveryResult>(20, DeliveryResult::retry("no")));
  f.connectors.set("webhook", f.connector);
  outbox::OutboxRelay relay(f.box.store, f.connectors, o, f.box.clock);
  relay.runOnce();
  std::set<int64_t> waits;
  for (int64_t id : ids) {
    int64_t wait = f.box.effect(id).nextAttemptAt - kStart;
    EXPECT_GE(wait, 50);
    EXPECT_LE(wait, 100);
    waits.insert(wait);
  }
  EXPECT_GT(waits.size(), 1u);  // spread out
}

TEST(Relay, RetryAfterLengthensTheWait) {
  Fixture f({DeliveryResult::retry("busy", 120)});
  int64_t id = f.box.add("webhook", {});
  outbox::OutboxRelay relay(f.box.store, f.connectors, exactOptions(), f.box.clock);
  relay.runOnce();
  EXPECT_EQ(f.box.effect(id).nextAttemptAt, kStart + 120);
}

TEST(Relay, GivesUpAfterTheLastAttempt) {
  outbox::RelayOptions o = exactOptions();
  o.maxAttempts = 3;
  Fixture f(std::vector<DeliveryResult>(10, DeliveryResult::retry("HTTP 500")));
  int64_t id = f.box.add("webhook", {});
  outbox::OutboxRelay relay(f.box.store, f.connectors, o, f.box.clock);
  for (int i = 0; i < 5; ++i) {
    relay.runOnce();
    f.box.clock.advance(3600);
  }
  store::EffectRecord e = f.box.effect(id);
  EXPECT_EQ(e.status, "dead");
  EXPECT_EQ(e.attempts, 3);
  EXPECT_EQ(e.lastError, "gave up after 3 attempts; the last: HTTP 500");
  EXPECT_EQ(f.connector->seen.size(), 3u);
  EXPECT_EQ(relay.counters().dead, 1u);
  EXPECT_EQ(relay.counters().retried, 2u);
  EXPECT_NE(relay.counters().lastError.find("gave up"), std::string::npos);
}

// Each recorded outcome is an attempt row of its own; a claim is not.
TEST(Relay, EachAttemptIsKeptAsARowWithItsOutcome) {
  outbox::RelayOptions o = exactOptions();
  o.maxAttempts = 3;
  DeliveryResult unavailable = DeliveryResult::retry("POST http://x: HTTP 503");
  unavailable.httpStatus = 503;
  DeliveryResult ok = DeliveryResult::delivered();
  ok.httpStatus = 200;
  Fixture f({unavailable, DeliveryResult::retry("POST http://x: no answer within 10 s"), ok});
  int64_t id = f.box.add("webhook", {});
  outbox::OutboxRelay relay(f.box.store, f.connectors, o, f.box.clock);
  std::vector<std::string> rows;
  for (int i = 0; i < 3; ++i) {
    relay.runOnce();
    f.box.clock.advance(3600);
  }
  auto tx = f.box.store.begin();
  for (const store::AttemptRecord& a : tx->attemptsOf("D-1")) {
    EXPECT_EQ(a.effect, id);
    EXPECT_GE(a.durationMs, 0);
    rows.push_back(std::to_string(a.attempt) + " " + a.outcome + " " + std::to_string(a.httpStatus) + " " + a.error);
  }
  EXPECT_EQ(rows, (std::vector<std::string>{"1 failed 503 POST http://x: HTTP 503",
                                            "2 failed 0 POST http://x: no answer within 10 s", "3 delivered 200 "}));
  EXPECT_FALSE(tx->effectsOf("D-1").at(0).attempt.has_value());
}

TEST(Relay, PermanentFailureIsADeadLetterAtOnce) {
  Fixture f({DeliveryResult::permanent("HTTP 400: bad")});
  int64_t id = f.box.add("webhook", {});
  outbox::OutboxRelay relay(f.box.store, f.connectors, exactOptions(), f.box.clock);
  relay.runOnce();
  store::EffectRecord e = f.box.effect(id);
  EXPECT_EQ(e.status, "dead");
  EXPECT_EQ(e.lastError, "HTTP 400: bad");
  auto dead = f.box.store.begin()->effectsWithStatus("dead", 10);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(relay.counters().lastError, "effect 1 (webhook, deal D-1): HTTP 400: bad");
}

TEST(Relay, AKindWithoutAConnectorIsADeadLetter) {
  Fixture f;
  int64_t id = f.box.add("carrier_pigeon", {});
  outbox::OutboxRelay relay(f.box.store, f.connectors, exactOptions(), f.box.clock);
  relay.runOnce();
  EXPECT_EQ(f.box.effect(id).status, "dead");
  EXPECT_NE(f.box.effect(id).lastError.find("carrier_pigeon"), std::string::npos);
}

TEST(Relay, AConnectorThatThrowsIsRetried) {
  Fixture f;
  f.connector->during = [](const store::EffectRecord&) { throw std::runtime_error("boom"); };
  int64_t id = f.box.add("webhook", {});
  outbox::OutboxRelay relay(f.box.store, f.connectors, exactOptions(), f.box.clock);
  relay.runOnce();
  EXPECT_EQ(f.box.effect(id).status, "pending");
  EXPECT_EQ(f.box.effect(id).lastError, "the connector failed: boom");
}

TEST(Relay, NotBeforeInTheFutureWaits) {
  Fixture f;
  int64_t id = f.box.add("webhook", {}, "k", kStart + 3600);
  outbox::OutboxRelay relay(f.box.store, f.connectors, exactOptions(), f.box.clock);
  EXPECT_EQ(relay.runOnce(), 0u);
  f.box.clock.advance(3599);
  EXPECT_EQ(relay.runOnce(), 0u);
  EXPECT_TRUE(f.connector->seen.empty());
  f.box.clock.advance(1);
  EXPECT_EQ(relay.runOnce(), 1u);
  EXPECT_EQ(f.box.effect(id).status, "delivered");
}

// A deal's effects go out in outbox order: one that failed holds back the
// deal's later ones until it is delivered, or given up on (a dead letter
// holds nothing back); other deals go on meanwhile.
TEST(Relay, AFailedEffectHoldsBackItsDealsLaterOnesUntilDeliveredOrDead) {
  outbox::RelayOptions o = exactOptions();
  o.maxAttempts = 2;
  o.concurrency = 1;  // the connector's `seen` is not shared between threads
  Fixture f;
  std::mutex seenMutex;  // the delivery threads
  std::vector<std::string> seen;
  f.connector->during = [&](const store::EffectRecord& e) {
    std::lock_guard lock(seenMutex);
    seen.push_back(e.key);
  };
  f.connector->failing = {"first"};  // every attempt of it fails
  int64_t first = f.box.add("webhook", {}, "first");
  int64_t second = f.box.add("webhook", {}, "second");
  int64_t other = f.box.add("webhook", {}, "other", 0, "D-2");
  int64_t third = f.box.add("webhook", {}, "third");
  outbox::OutboxRelay relay(f.box.store, f.connectors, o, f.box.clock);
  EXPECT_EQ(relay.runOnce(), 2u);  // first fails; other goes; second and third wait
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"first", "other"}));
  EXPECT_EQ(f.box.effect(other).status, "delivered");
  EXPECT_EQ(f.box.effect(second).attempts, 0);
  EXPECT_EQ(relay.runOnce(), 0u);  // still waiting for first's retry
  f.box.clock.advance(5);
  // first fails for good (a dead letter), then second and third go, in order.
  seen.clear();
  EXPECT_EQ(relay.runOnce(), 3u);
  EXPECT_EQ(seen, (std::vector<std::string>{"first", "second", "third"}));
  EXPECT_EQ(f.box.effect(first).status, "dead");
  EXPECT_EQ(f.box.effect(second).status, "delivered");
  EXPECT_EQ(f.box.effect(third).status, "delivered");
}

TEST(Relay, ClaimsAtMostABatchOldestFirst) {
  outbox::RelayOptions o = exactOptions();
  o.batch = 2;
  Fixture f;
  for (int i = 0; i < 5; ++i) f.box.add("webhook", {}, keyOf(i));
  outbox::OutboxRelay relay(f.box.store, f.connectors, o, f.box.clock);
  EXPECT_EQ(relay.runOnce(), 2u);
  EXPECT_EQ(relay.runOnce(), 2u);
  EXPECT_EQ(relay.runOnce(), 1u);
  ASSERT_EQ(f.connector->seen.size(), 5u);
  EXPECT_EQ(f.connector->seen[0].key, "k0");
  EXPECT_EQ(f.connector->seen[4].key, "k4");
}

// A store that fails every transaction after the first `allowed`: a process
// that dies after delivering but before recording.
class DyingStore : public store::Store {
 public:
  DyingStore(store::Store& inner, int allowed) : inner_(inner), allowed_(allowed) {}
  std::unique_ptr<store::Transaction> begin() override {
    if (allowed_-- <= 0) throw std::runtime_error("the process died");
    return inner_.begin();
  }
  std::optional<int64_t> nextDue() override { return inner_.nextDue(); }

 private:
  store::Store& inner_;
  int allowed_;
};

TEST(Relay, AnEffectDeliveredButNotRecordedIsSentAgainWithTheSameKey) {
  Fixture f;
  int64_t id = f.box.add("webhook", {}, "stable-key");
  DyingStore dying(f.box.store, 1);  // the claim commits, the record does not
  outbox::OutboxRelay first(dying, f.connectors, exactOptions(), f.box.clock);
  EXPECT_THROW(first.runOnce(), std::runtime_error);
  ASSERT_EQ(f.connector->seen.size(), 1u);
  EXPECT_EQ(f.box.effect(id).status, "pending");

  // The restarted relay waits for the claim to run out, then sends it again.
  outbox::OutboxRelay restarted(f.box.store, f.connectors, exactOptions(), f.box.clock);
  EXPECT_EQ(restarted.runOnce(), 0u);
  f.box.clock.advance(600);
  EXPECT_EQ(restarted.runOnce(), 1u);
  ASSERT_EQ(f.connector->seen.size(), 2u);
  EXPECT_EQ(f.connector->seen[1].key, "stable-key");
  EXPECT_EQ(f.box.effect(id).status, "delivered");
  EXPECT_EQ(f.box.effect(id).attempts, 2);
}

TEST(Relay, RunsInAThreadUntilStopped) {
  Fixture f;
  std::mutex storeMutex;
  outbox::RelayOptions o = exactOptions();
  o.pollInterval = std::chrono::milliseconds(20);
  o.storeMutex = &storeMutex;
  outbox::OutboxRelay relay(f.box.store, f.connectors, o, f.box.clock);
  std::atomic<bool> stop{false};
  std::thread thread([&] { relay.runUntilStopped(stop); });
  auto waitFor = [&](uint64_t delivered) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (relay.counters().delivered < delivered && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return relay.counters().delivered;
  };
  {
    std::lock_guard<std::mutex> lock(storeMutex);  // as the server would, around its transactions
    f.box.add("webhook", {}, "a");
  }
  relay.wake();
  EXPECT_EQ(waitFor(1), 1u);
  {
    std::lock_guard<std::mutex> lock(storeMutex);
    f.box.add("webhook", {}, "b");
  }
  EXPECT_EQ(waitFor(2), 2u);  // found by polling, without wake()
  auto stopping = std::chrono::steady_clock::now();
  stop = true;
  thread.join();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(1));
  EXPECT_GE(relay.counters().rounds, 2u);
}

// Webhooks to http://slow… wait until released; the rest are delivered at
// once. Counts what is in flight per receiver and per deal.
class GatedConnector : public outbox::Connector {
 public:
  DeliveryResult deliver(const store::EffectRecord& effect) override {
    std::string url = nlohmann::json::parse(effect.payload).value("url", "");
    bool slow = url.rfind("http://slow", 0) == 0;
    std::unique_lock<std::mutex> lock(mutex);
    size_t& inTarget = inFlight[outbox::originOf(url)];
    ++inTarget;
    maxInFlight[outbox::originOf(url)] = std::max(maxInFlight[outbox::originOf(url)], inTarget);
    if (++dealInFlight[effect.deal] > 1) dealOverlap = true;
    started.push_back(effect.key);
    changed.notify_all();
    if (slow) changed.wait(lock, [&] { return released; });
    --inTarget;
    --dealInFlight[effect.deal];
    delivered.push_back(effect.key);
    changed.notify_all();
    return DeliveryResult::delivered();
  }
  // Waits (a while at most) until `done` holds; the test then checks it.
  bool waitUntil(const std::function<bool()>& done) {
    std::unique_lock<std::mutex> lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(20), done);
  }
  void release() {
    std::lock_guard<std::mutex> lock(mutex);
    released = true;
    changed.notify_all();
  }

  std::mutex mutex;
  std::condition_variable changed;
  bool released = false;
  std::map<std::string, size_t> inFlight, maxInFlight;
  std::map<std::string, size_t> dealInFlight;
  bool dealOverlap = false;
  std::vector<std::string> started, delivered;
};

int64_t addWebhook(testing::Outbox& box, const std::string& deal, const std::string& url, const std::string& key) {
  store::EffectRecord e;
  e.deal = deal;
  e.kind = "webhook";
  e.key = key;
  e.payload = nlohmann::json{{"url", url}, {"body", nlohmann::json::object()}}.dump();
  e.createdAt = e.notBefore = box.clock.now();
  auto tx = box.store.begin();
  tx->addEffect(e);
  int64_t id = tx->effectsOf(deal).back().id;
  tx->commit();
  return id;
}

struct ConcurrentRelay {
  testing::Outbox box;
  std::shared_ptr<GatedConnector> connector = std::make_shared<GatedConnector>();
  outbox::Connectors connectors;
  std::unique_ptr<outbox::OutboxRelay> relay;
  std::atomic<bool> stop{false};
  std::thread thread;

  explicit ConcurrentRelay(size_t concurrency = 8, size_t perTarget = 2) {
    connectors.set("webhook", connector);
    outbox::RelayOptions o = exactOptions();
    o.concurrency = concurrency;
    o.perTarget = perTarget;
    o.pollInterval = std::chrono::milliseconds(10);
    relay = std::make_unique<outbox::OutboxRelay>(box.store, connectors, o, box.clock);
  }
  void start() {
    thread = std::thread([this] { relay->runUntilStopped(stop); });
  }
  ~ConcurrentRelay() {
    connector->release();
    stop = true;
    if (thread.joinable()) thread.join();
  }
};

TEST(RelayConcurrency, AHangingReceiverDoesNotHoldTheOthers) {
  ConcurrentRelay r;
  // The hanging receiver's webhooks come first in the outbox.
  for (int i = 0; i < 6; ++i) addWebhook(r.box, "S-" + std::to_string(i), "http://slow.example/hook", "s" + keyOf(i));
  for (int i = 0; i < 20; ++i) addWebhook(r.box, "F-" + std::to_string(i), "http://fast.example/hook", "f" + keyOf(i));
  r.start();
  // Every fast webhook is delivered while the slow receiver still holds its two.
  ASSERT_TRUE(r.connector->waitUntil([&] { return r.connector->delivered.size() == 20; }));
  {
    std::lock_guard<std::mutex> lock(r.connector->mutex);
    for (const std::string& key : r.connector->delivered) EXPECT_EQ(key[0], 'f');
    EXPECT_EQ(r.connector->inFlight["http://slow.example:80"], 2u);
    EXPECT_EQ(r.connector->maxInFlight["http://slow.example:80"], 2u);
    EXPECT_LE(r.connector->maxInFlight["http://fast.example:80"], 2u);
  }
  r.connector->release();
  ASSERT_TRUE(r.connector->waitUntil([&] { return r.connector->delivered.size() == 26; }));
  std::lock_guard<std::mutex> lock(r.connector->mutex);
  EXPECT_LE(r.connector->maxInFlight["http://slow.example:80"], 2u);
}

TEST(RelayConcurrency, ADealsEffectsGoOneAtATimeInOrder) {
  ConcurrentRelay r(8, 8);
  // Three deals, each with effects to three receivers, interleaved in the outbox.
  for (int i = 0; i < 12; ++i) {
    std::string deal = "D-" + std::to_string(i % 3);
    addWebhook(r.box, deal, "http://r" + std::to_string(i % 4) + ".example/", deal + "/" + keyOf(i));
  }
  r.start();
  ASSERT_TRUE(r.connector->waitUntil([&] { return r.connector->delivered.size() == 12; }));
  std::lock_guard<std::mutex> lock(r.connector->mutex);
  EXPECT_FALSE(r.connector->dealOverlap);
  for (const std::string deal : {"D-0", "D-1", "D-2"}) {
    std::vector<int> order;
    for (const std::string& key : r.connector->delivered) {
      if (key.rfind(deal, 0) == 0) order.push_back(std::stoi(key.substr(key.find("/k") + 2)));
    }
    EXPECT_TRUE(std::is_sorted(order.begin(), order.end())) << deal;
    EXPECT_EQ(order.size(), 4u);
  }
}

TEST(RelayConcurrency, StoppingWaitsForTheDeliveriesInFlightAndRecordsThem) {
  ConcurrentRelay r;
  int64_t id = addWebhook(r.box, "S-1", "http://slow.example/", "s1");
  r.start();
  ASSERT_TRUE(r.connector->waitUntil([&] { return r.connector->started.size() == 1; }));
  r.stop = true;
  r.connector->release();
  r.thread.join();
  auto tx = r.box.store.begin();
  EXPECT_EQ(tx->effectsOf("S-1").front().id, id);
  EXPECT_EQ(tx->effectsOf("S-1").front().status, "delivered");
}

TEST(RelayConcurrency, ARoundClaimsAtMostABatchAndRecordsItAll) {
  ConcurrentRelay r;
  r.connector->release();
  for (int i = 0; i < 40; ++i)
    addWebhook(r.box, "D-" + std::to_string(i), "http://a" + std::to_string(i % 5) + ".x/", keyOf(i));
  EXPECT_EQ(r.relay->runOnce(), 32u);
  EXPECT_EQ(r.connector->delivered.size(), 32u);
  EXPECT_EQ(r.relay->counters().delivered, 32u);
  EXPECT_EQ(r.relay->counters().inFlight, 0u);
  EXPECT_EQ(r.relay->runOnce(), 8u);
}

TEST(Relay, OptionsFollowTheConfiguration) {
  outbox::ServeConfig config;
  config.outbox.maxAttempts = 4;
  config.outbox.backoffInitial = 2;
  config.outbox.backoffMax = 30;
  config.outbox.batch = 10;
  config.outbox.timeout = 5;
  config.outbox.pollIntervalMs = 250;
  config.smtp.timeout = 20;
  outbox::RelayOptions o = outbox::relayOptionsOf(config);
  EXPECT_EQ(o.maxAttempts, 4);
  EXPECT_EQ(o.backoffInitial, 2);
  EXPECT_EQ(o.backoffMax, 30);
  EXPECT_EQ(o.batch, 10u);
  EXPECT_EQ(o.pollInterval, std::chrono::milliseconds(250));
  EXPECT_EQ(o.lease, 10 * 20 + 60);  // a whole batch at the longest timeout
  EXPECT_EQ(o.concurrency, 8u);
  EXPECT_EQ(o.perTarget, 2u);
  config.outbox.concurrency = 3;
  config.outbox.perTarget = 1;
  EXPECT_EQ(outbox::relayOptionsOf(config).concurrency, 3u);
  EXPECT_EQ(outbox::relayOptionsOf(config).perTarget, 1u);
}

}  // namespace
}  // namespace voronka
