// Effects production would give up on at once (runtime/outbox/
// undeliverable.h): a letter to a contact without an email address, an SMS
// without a phone number, a notification with nobody to notify, a webhook
// without a web address. A test that makes one fails with the outbox's
// reason, unless it says `expect undeliverable KIND`: a test must not pass
// on an effect that would never reach anyone.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/store/store.h"
#include "tools/scenario/scenario.h"

namespace voronka::scenario {

class Undelivered {
 public:
  // Looks at the effects made since the last call; `statement` made them.
  void collect(store::Transaction& tx, SourceRange statement);
  // `expect undeliverable KIND` about `deal` (and the deals its rules
  // created): marks those effects as meant. A failure message if there is
  // none of that kind.
  std::optional<std::string> expect(std::string_view kind, const std::string& deal);
  // A failure for each one that no `expect undeliverable` accounted for.
  std::vector<Failure> unexpected() const;

 private:
  struct Effect {
    std::string deal, kind, label, reason;
    SourceRange statement;
    bool meant = false;
  };
  std::vector<Effect> effects_;
  std::set<std::string> seen_;  // keys of the effects looked at
};

}  // namespace voronka::scenario
