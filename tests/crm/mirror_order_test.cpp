// The order in which the CRM mirror (runtime/crm/mirror.h) hands the relay
// its due effects: the CRM's calls grouped by kind, yet a deal's effects in
// outbox order — a deal's CRM call never goes before its earlier webhook.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "runtime/bytecode/module.h"
#include "runtime/crm/effect_order.h"
#include "runtime/crm/mirror.h"
#include "runtime/engine/clock.h"
#include "runtime/outbox/delivery_scheduler.h"
#include "runtime/store/memory_store.h"

namespace voronka {
namespace {

store::EffectRecord effectOf(const std::string& deal, const std::string& kind) {
  store::EffectRecord e;
  e.deal = deal;
  e.kind = kind;
  e.key = deal + "|" + kind;
  e.payload = kind == "webhook" ? R"({"url":"http://hooks.example/in"})" : R"({"crm":"amocrm"})";
  return e;
}

// A MirrorStore over a memory store, for a funnel with nothing mapped: what
// the test adds is all there is in the outbox.
class MirrorOrderTest : public ::testing::Test {
 protected:
  MirrorOrderTest() : clock_(1000), mapping_(mappingOf(config())), mirror_(config(), mapping_, clock_) {}

  static crm::CrmConfig config() {
    crm::CrmConfig c;
    c.source = "crm.toml";
    c.dealPrefix = "amo-";
    return c;
  }
  crm::Mapping mappingOf(const crm::CrmConfig& c) {
    auto mapping = crm::Mapping::resolve(c, module_);
    if (!mapping) throw std::runtime_error("the empty mapping did not resolve");
    return *mapping;
  }
  void add(const std::vector<store::EffectRecord>& effects) {
    auto tx = mirrored_.begin();
    for (const auto& e : effects) tx->addEffect(e);
    tx->commit();
  }
  std::vector<store::EffectRecord> due() {
    auto tx = mirrored_.begin();
    return tx->dueEffects(clock_.now(), 100);
  }

  bc::Module module_;
  engine::VirtualClock clock_;
  crm::Mapping mapping_;
  crm::Mirror mirror_;
  store::MemoryStore inner_;
  crm::MirrorStore mirrored_{inner_, mirror_};
};

std::vector<std::string> described(const std::vector<store::EffectRecord>& effects) {
  std::vector<std::string> out;
  for (const auto& e : effects) out.push_back(e.deal + ":" + e.kind);
  return out;
}

TEST_F(MirrorOrderTest, ADealsWebhookComesBeforeItsLaterCrmUpdate) {
  add({effectOf("amo-1", "webhook"), effectOf("amo-1", "crm_update")});
  EXPECT_EQ(described(due()), (std::vector<std::string>{"amo-1:webhook", "amo-1:crm_update"}));
}

TEST_F(MirrorOrderTest, OtherDealsCrmCallsStillGoAheadGroupedByKind) {
  add({effectOf("amo-1", "webhook"), effectOf("amo-1", "crm_update"), effectOf("amo-2", "crm_task"),
       effectOf("amo-3", "crm_update"), effectOf("amo-2", "webhook")});
  EXPECT_EQ(described(due()), (std::vector<std::string>{"amo-3:crm_update", "amo-2:crm_task", "amo-1:webhook",
                                                        "amo-1:crm_update", "amo-2:webhook"}));
}

// What the relay does with them: the first claim starts the webhook, and
// the deal's CRM call waits for it (it is not in the CRM's batch).
TEST_F(MirrorOrderTest, TheRelaysFirstClaimStartsTheWebhookNotTheDealsCrmCall) {
  add({effectOf("amo-1", "webhook"), effectOf("amo-1", "crm_update"), effectOf("amo-2", "crm_update")});
  outbox::DeliveryScheduler scheduler(outbox::SchedulerLimits{});
  std::vector<outbox::DeliveryJob> jobs = scheduler.pick(due());
  std::vector<std::string> started;
  for (const auto& job : jobs) {
    for (const auto& e : job.effects) started.push_back(e.deal + ":" + e.kind);
  }
  std::sort(started.begin(), started.end());
  EXPECT_EQ(started, (std::vector<std::string>{"amo-1:webhook", "amo-2:crm_update"}));
}

TEST(GroupedByKind, KeepsEachDealsOrderAndGroupsWhatItMay) {
  std::mt19937 random(7);
  const std::vector<std::string> kinds = {"crm_update", "crm_task", "crm_note", "webhook", "email"};
  for (int round = 0; round < 200; ++round) {
    std::vector<store::EffectRecord> effects;
    size_t n = 1 + random() % 20;
    for (size_t i = 0; i < n; ++i) {
      store::EffectRecord e = effectOf("D" + std::to_string(random() % 4), kinds[random() % kinds.size()]);
      e.id = static_cast<int64_t>(i + 1);
      effects.push_back(e);
    }
    std::vector<store::EffectRecord> grouped = crm::groupedByKind(effects);
    ASSERT_EQ(grouped.size(), effects.size());
    std::map<std::string, int64_t> last;
    for (const auto& e : grouped) {
      EXPECT_GT(e.id, last[e.deal]) << "deal " << e.deal << " out of order in round " << round;
      last[e.deal] = e.id;
    }
  }
  // Deals of one effect each: a plain stable sort by kind.
  std::vector<store::EffectRecord> one = {effectOf("A", "webhook"), effectOf("B", "crm_note"),
                                          effectOf("C", "crm_update"), effectOf("D", "crm_note")};
  EXPECT_EQ(described(crm::groupedByKind(one)),
            (std::vector<std::string>{"C:crm_update", "B:crm_note", "D:crm_note", "A:webhook"}));
}

}  // namespace
}  // namespace voronka
