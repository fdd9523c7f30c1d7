// libFuzzer harness: the scanners of client-sent dates, times and durations
// (runtime/engine/text_scan.h). Any input: an answer or nullopt, never a
// crash, a hang or undefined behaviour; an accepted duration is in range.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "runtime/engine/text_scan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  namespace scan = voronka::engine::scan;
  if (auto d = scan::date(text); d && (d->month < 1 || d->month > 12 || d->day < 1 || d->day > 31)) std::abort();
  if (auto t = scan::dateTime(text); t && (t->hour > 23 || t->minute > 59 || t->second > 60)) std::abort();
  if (auto m = scan::minutesOfDay(text); m && (*m < 0 || *m >= 24 * 60)) std::abort();
  if (auto s = scan::durationSeconds(text); s && (*s < 0 || *s > scan::kMaxDurationSeconds)) std::abort();
  return 0;
}
