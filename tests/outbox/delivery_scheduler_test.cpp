// Which due effects the relay starts at once: the pool's size, the limit per
// receiver, one delivery per deal at a time in outbox order, CRM batches.
#include "runtime/outbox/delivery_scheduler.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace voronka {
namespace {

using outbox::DeliveryJob;
using outbox::DeliveryScheduler;
using outbox::SchedulerLimits;

store::EffectRecord webhook(int64_t id, const std::string& deal, const std::string& url) {
  store::EffectRecord e;
  e.id = id;
  e.deal = deal;
  e.kind = "webhook";
  e.key = "k" + std::to_string(id);
  e.payload = nlohmann::json{{"url", url}, {"body", nlohmann::json::object()}}.dump();
  return e;
}

store::EffectRecord ofKind(int64_t id, const std::string& deal, const std::string& kind) {
  store::EffectRecord e;
  e.id = id;
  e.deal = deal;
  e.kind = kind;
  e.payload = "{}";
  return e;
}

std::vector<int64_t> idsOf(const std::vector<DeliveryJob>& jobs) {
  std::vector<int64_t> ids;
  for (const DeliveryJob& job : jobs) {
    for (const auto& e : job.effects) ids.push_back(e.id);
  }
  return ids;
}

TEST(DeliveryTarget, IsTheSchemeHostAndPortOfAWebhook) {
  EXPECT_EQ(outbox::originOf("http://Example.ru/hook?x=1"), "http://example.ru:80");
  EXPECT_EQ(outbox::originOf("https://example.ru"), "https://example.ru:443");
  EXPECT_EQ(outbox::originOf("https://user:pw@example.ru:8443/a#b"), "https://example.ru:8443");
  EXPECT_EQ(outbox::originOf("http://[::1]/x"), "http://[::1]:80");
  EXPECT_EQ(outbox::originOf("http://[::1]:9000/x"), "http://[::1]:9000");
  EXPECT_EQ(outbox::originOf("ftp://x"), "ftp://x");
  EXPECT_EQ(outbox::deliveryTargetOf(webhook(1, "D", "http://a.ru/one")).name,
            outbox::deliveryTargetOf(webhook(2, "E", "http://a.ru:80/two")).name);
  EXPECT_EQ(outbox::deliveryTargetOf(ofKind(1, "D", "email")).name, "email");
  EXPECT_EQ(outbox::deliveryTargetOf(ofKind(1, "D", "crm_update")).name, "crm");
  EXPECT_TRUE(outbox::deliveryTargetOf(ofKind(1, "D", "crm_task")).serial);
}

TEST(DeliveryScheduler, StartsUpToTheConcurrency) {
  DeliveryScheduler s(SchedulerLimits{.concurrency = 3, .perTarget = 10});
  std::vector<store::EffectRecord> due;
  for (int i = 1; i <= 5; ++i) due.push_back(webhook(i, "D" + std::to_string(i), "http://a.ru/"));
  std::vector<DeliveryJob> jobs = s.pick(due);
  EXPECT_EQ(idsOf(jobs), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_TRUE(s.full());
  EXPECT_TRUE(s.pick({due[3], due[4]}).empty());
  s.finished(jobs[0]);
  EXPECT_EQ(idsOf(s.pick({due[3], due[4]})), (std::vector<int64_t>{4}));
}

TEST(DeliveryScheduler, ASlowTargetHoldsOnlyItsOwnSlots) {
  DeliveryScheduler s(SchedulerLimits{.concurrency = 8, .perTarget = 2});
  std::vector<store::EffectRecord> due;
  // Five to the slow receiver first, then three to another one.
  for (int i = 1; i <= 5; ++i) due.push_back(webhook(i, "S" + std::to_string(i), "http://slow.ru/"));
  for (int i = 6; i <= 8; ++i) due.push_back(webhook(i, "F" + std::to_string(i), "https://fast.ru/x"));
  std::vector<DeliveryJob> jobs = s.pick(due);
  EXPECT_EQ(idsOf(jobs), (std::vector<int64_t>{1, 2, 6, 7}));
  EXPECT_EQ(s.inFlightTo("http://slow.ru:80"), 2u);
  EXPECT_EQ(s.inFlightTo("https://fast.ru:443"), 2u);
  // The fast ones finish while the slow ones hang: the next fast one starts.
  s.finished(jobs[2]);
  s.finished(jobs[3]);
  EXPECT_EQ(idsOf(s.pick({due[2], due[3], due[4], due[7]})), (std::vector<int64_t>{8}));
}

TEST(DeliveryScheduler, ADealHasOneDeliveryAtATimeInOrder) {
  DeliveryScheduler s(SchedulerLimits{.concurrency = 8, .perTarget = 8});
  std::vector<store::EffectRecord> due = {webhook(1, "D", "http://a.ru/"), webhook(2, "D", "http://b.ru/"),
                                          webhook(3, "E", "http://b.ru/"), webhook(4, "D", "http://c.ru/")};
  std::vector<DeliveryJob> jobs = s.pick(due);
  EXPECT_EQ(idsOf(jobs), (std::vector<int64_t>{1, 3}));
  EXPECT_TRUE(s.dealInFlight("D"));
  // D's second effect waits for its first, even though it is due.
  EXPECT_TRUE(s.pick({due[1], due[3]}).empty());
  s.finished(jobs[0]);
  EXPECT_EQ(idsOf(s.pick({due[1], due[3]})), (std::vector<int64_t>{2}));
}

TEST(DeliveryScheduler, AnEffectHeldBackByItsTargetHoldsItsDealsLaterOnes) {
  DeliveryScheduler s(SchedulerLimits{.concurrency = 8, .perTarget = 1});
  std::vector<DeliveryJob> first = s.pick({webhook(1, "A", "http://slow.ru/")});
  ASSERT_EQ(first.size(), 1u);
  // D's effect to the busy receiver waits, and so does D's next one to an idle receiver.
  std::vector<DeliveryJob> jobs = s.pick(
      {webhook(2, "D", "http://slow.ru/"), webhook(3, "D", "http://idle.ru/"), webhook(4, "E", "http://idle2.ru/")});
  EXPECT_EQ(idsOf(jobs), (std::vector<int64_t>{4}));
  EXPECT_FALSE(s.dealInFlight("D"));
}

TEST(DeliveryScheduler, TheBudgetLimitsTheEffectsTaken) {
  DeliveryScheduler s(SchedulerLimits{.concurrency = 8, .perTarget = 8});
  std::vector<DeliveryJob> jobs =
      s.pick({webhook(1, "A", "http://a.ru/"), webhook(2, "B", "http://a.ru/"), webhook(3, "C", "http://a.ru/")}, 2);
  EXPECT_EQ(idsOf(jobs), (std::vector<int64_t>{1, 2}));
}

TEST(DeliveryScheduler, TheCrmsCallsGoOneBatchAtATime) {
  DeliveryScheduler s(SchedulerLimits{.concurrency = 8, .perTarget = 4, .maxBatch = 2});
  std::vector<store::EffectRecord> due = {ofKind(1, "A", "crm_update"), ofKind(2, "B", "crm_update"),
                                          ofKind(3, "A", "crm_update"), ofKind(4, "C", "crm_update"),
                                          ofKind(5, "D", "crm_task"),   ofKind(6, "E", "email")};
  std::vector<DeliveryJob> jobs = s.pick(due);
  // One batch of two updates (A's second one rides with its first), the email beside it.
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(idsOf({jobs[0]}), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(idsOf({jobs[1]}), (std::vector<int64_t>{6}));
  EXPECT_EQ(s.inFlightTo("crm"), 1u);
  s.finished(jobs[0]);
  EXPECT_EQ(idsOf(s.pick({due[2], due[3], due[4]})), (std::vector<int64_t>{3, 4}));
}

TEST(DeliveryScheduler, ACrmBatchTakesItsKindsInTheOrderGiven) {
  DeliveryScheduler s(SchedulerLimits{.concurrency = 8, .perTarget = 4, .maxBatch = 32});
  std::vector<DeliveryJob> jobs =
      s.pick({ofKind(1, "A", "crm_update"), ofKind(2, "B", "crm_update"), ofKind(3, "A", "crm_complete_task"),
              ofKind(4, "B", "crm_note"), ofKind(5, "C", "webhook")});
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(idsOf({jobs[0]}), (std::vector<int64_t>{1, 2, 3, 4}));
}

TEST(DeliveryScheduler, FinishingFreesEverySlot) {
  DeliveryScheduler s(SchedulerLimits{.concurrency = 2, .perTarget = 1});
  std::vector<DeliveryJob> jobs = s.pick({webhook(1, "A", "http://a.ru/"), webhook(2, "B", "http://b.ru/")});
  ASSERT_EQ(jobs.size(), 2u);
  for (const DeliveryJob& job : jobs) s.finished(job);
  EXPECT_EQ(s.jobsInFlight(), 0u);
  EXPECT_EQ(s.inFlightTo("http://a.ru:80"), 0u);
  EXPECT_FALSE(s.dealInFlight("A"));
  EXPECT_EQ(s.pick({webhook(3, "A", "http://a.ru/"), webhook(4, "B", "http://a.ru/")}).size(), 1u);
}

}  // namespace
}  // namespace voronka
