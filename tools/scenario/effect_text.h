// How tests talk about an effect in the outbox: a short label ("email
// price_segments", "sms \"Ваш заказ готов\"") and the text people read in it,
// which `expect … contains "…"` searches.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace voronka::scenario {

// "email offer", "sms \"…\"", "notify responsible \"…\"", "webhook https://…".
std::string effectLabel(std::string_view kind, const nlohmann::json& payload);

// The rendered text of a letter (subject and body), a message, an SMS, a
// notification; empty for effects without one.
std::string effectText(std::string_view kind, const nlohmann::json& payload);

// At most `limit` bytes of `text` on one line, cut between characters, with
// "…" when cut: for quoting texts in failure messages.
std::string shortText(std::string_view text, size_t limit = 120);

}  // namespace voronka::scenario
