// Effects that can never reach anyone, whatever serve.toml says: a letter to
// a contact without an email address, an SMS without a phone number, a
// notification with nobody to notify, a webhook without a web address. The
// connectors give up on these at once (a dead letter, no retries), and
// `voronka test` fails a test that produces one unless the test expects it
// (`expect undeliverable KIND`). One function decides for both, so a test
// never passes on an effect that production would throw away.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace voronka::outbox {

// Why an effect of `kind` with this payload (an object, as the engine writes
// it) cannot be delivered ("the contact has no email address"), or nullopt
// when its payload names someone to deliver it to. Kinds whose column
// `needs` of common/language/effects.def is empty always pass.
std::optional<std::string> undeliverableReason(std::string_view kind, const nlohmann::json& payload);

}  // namespace voronka::outbox
