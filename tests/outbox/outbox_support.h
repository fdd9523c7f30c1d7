// What the outbox tests share: a memory store with effects in it, a virtual
// clock, and relay options without jitter so the times are exact.
#pragma once

#include <nlohmann/json.hpp>

#include <set>
#include <stdexcept>
#include <string>

#include "runtime/engine/clock.h"
#include "runtime/outbox/relay.h"
#include "runtime/store/memory_store.h"

namespace voronka::testing {

inline constexpr int64_t kStart = 1772431200;  // Monday 2 March 2026, 06:00 UTC

inline outbox::RelayOptions exactOptions() {
  outbox::RelayOptions o;
  o.maxAttempts = 8;
  o.backoffInitial = 5;
  o.backoffMax = 3600;
  o.jitter = 0;
  o.batch = 32;
  o.lease = 600;
  return o;
}

struct Outbox {
  store::MemoryStore store;
  std::set<std::string> deals{"D-1"};  // the deals effects were added to
  engine::VirtualClock clock{kStart};

  // Adds an effect as the engine would; returns its id.
  int64_t add(const std::string& kind, const nlohmann::json& payload, const std::string& key = "k-1",
              int64_t notBefore = 0, const std::string& deal = "D-1") {
    deals.insert(deal);
    store::EffectRecord e;
    e.deal = deal;
    e.kind = kind;
    e.key = key;
    e.payload = payload.dump();
    e.createdAt = clock.now();
    e.notBefore = notBefore ? notBefore : clock.now();
    auto tx = store.begin();
    tx->addEffect(e);
    int64_t id = tx->effectsOf(deal).back().id;
    tx->commit();
    return id;
  }

  store::EffectRecord effect(int64_t id) {
    auto tx = store.begin();
    for (const std::string& deal : deals) {
      for (const auto& e : tx->effectsOf(deal)) {
        if (e.id == id) return e;
      }
    }
    throw std::logic_error("no effect " + std::to_string(id));
  }
};

}  // namespace voronka::testing
