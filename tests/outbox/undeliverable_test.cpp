// Effects the outbox gives up on at once, judged by their payload: the same
// rule the connectors apply and `voronka test` enforces.
#include <gtest/gtest.h>

#include "common/language/effects.h"
#include "runtime/outbox/undeliverable.h"

namespace voronka {
namespace {

using nlohmann::json;
using outbox::undeliverableReason;

TEST(Undeliverable, LettersNeedAValidAddress) {
  EXPECT_EQ(undeliverableReason("email", {{"to", ""}}), "the contact has no email address");
  EXPECT_EQ(undeliverableReason("email", {{"to", "anna at example"}}),
            "the contact's email address \"anna at example\" is not valid");
  EXPECT_EQ(undeliverableReason("email", {{"to", "anna@example.ru"}}), std::nullopt);
}

TEST(Undeliverable, SmsNeedsAPhoneAndNotificationsSomeone) {
  EXPECT_EQ(undeliverableReason("sms", {{"to", ""}}), "the contact has no phone number");
  EXPECT_EQ(undeliverableReason("sms", {{"to", "+79001234567"}}), std::nullopt);
  EXPECT_EQ(undeliverableReason("notify", {{"to", json::array()}, {"recipient", "responsible"}}),
            "nobody to notify: the deal had no responsible user when the rule ran");
  EXPECT_EQ(undeliverableReason("notify", {{"to", {"ivanov"}}}), std::nullopt);
}

TEST(Undeliverable, WebhooksNeedAWebAddress) {
  EXPECT_EQ(undeliverableReason("webhook", {{"url", "/hook"}}),
            "the webhook URL \"/hook\" does not start with http:// or https://");
  EXPECT_EQ(undeliverableReason("webhook", {{"url", "https://crm.example.ru/hook"}}), std::nullopt);
}

// effects.def's column `needs` is what the checker reads to accept
// `expect undeliverable KIND`: it must agree with the outbox's rule.
TEST(Undeliverable, AgreesWithTheNeedsOfEffectsDef) {
  for (std::string_view kind : lang::kEffectNames) {
    bool mayFail = !lang::effectNeeds(*lang::effectNamed(kind)).empty();
    EXPECT_EQ(undeliverableReason(kind, json::object()).has_value(), mayFail) << kind;
  }
}

}  // namespace
}  // namespace voronka
