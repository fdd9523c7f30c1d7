// What a failing `expect` shows about its deal, so the reader sees why
// without rerunning anything: the stage it is in, the timers still pending
// (due times in the account's time zone) and its last effects.
#pragma once

#include <string>
#include <vector>

#include "runtime/bytecode/module.h"
#include "runtime/calendar/calendar.h"
#include "runtime/store/store.h"

namespace voronka::scenario {

// One line each: "deal d is in retail.clarify since 02.03.2026 09:00",
// "pending timers: none" or the timers one per line below it, the same for
// the last effects. `account` gives the time zone of every time shown.
std::vector<std::string> describeDeal(const bc::Module& m, store::Transaction& tx, const std::string& deal,
                                      const Calendar& account);

}  // namespace voronka::scenario
