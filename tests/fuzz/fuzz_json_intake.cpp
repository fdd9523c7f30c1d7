// libFuzzer harness: a request body as `voronka serve` takes it — the depth
// scan, the parse, the size and UTF-8 checks, then the wire event applied by
// the engine to a fresh in-memory store. Never a crash; whatever the engine
// stores can be printed as JSON again. The module is VORONKA_FUZZ_MODULE
// (built from tests/fuzz/intake.funnel by the scripts that run this).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "runtime/bytecode/container.h"
#include "runtime/engine/engine.h"
#include "runtime/engine/names.h"
#include "runtime/engine/wire.h"
#include "runtime/server/json_guard.h"
#include "runtime/server/limits.h"
#include "runtime/store/memory_store.h"

namespace {

voronka::bc::Module& module() {
  static voronka::bc::Module m = [] {
    const char* path = std::getenv("VORONKA_FUZZ_MODULE");
    if (!path) {
      std::cerr << "set VORONKA_FUZZ_MODULE to a .funnelc built from tests/fuzz/intake.funnel\n";
      std::abort();
    }
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return voronka::bc::load(bytes);
  }();
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace voronka;
  std::string body(reinterpret_cast<const char*>(data), size);
  if (!server::checkJsonDepth(body, server::limits::kMaxJsonDepth)) return 0;
  Result<nlohmann::json> parsed = server::parseJsonBody(body);
  if (!parsed) return 0;
  std::vector<nlohmann::json> events;
  if (parsed->is_array()) {
    for (auto& e : *parsed) events.push_back(e);
  } else {
    events.push_back(*parsed);
  }
  store::MemoryStore store;
  engine::VirtualClock clock(1772431200);
  engine::Engine engine(module(), store, clock);
  engine::Names names(module());
  for (const auto& e : events) {
    if (!server::checkEventSizes(e)) continue;
    (void)engine::applyWireEvent(engine, names, e);
  }
  engine.runDue(clock.now() + 400 * 86400, 100);
  auto tx = store.begin();
  for (const auto& id : tx->dealIds()) {
    std::optional<store::DealRecord> d = tx->deal(id);
    if (d) (void)engine::dealToJson(module(), *tx, *d, true).dump();
  }
  return 0;
}
