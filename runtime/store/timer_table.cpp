#include "runtime/store/timer_table.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <queue>
#include <stdexcept>

#include "common/same_text.h"
#include "common/text_hash.h"

namespace voronka::store {

namespace {

uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t unzigzag(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)); }

// Writes a varint at p (room for 10 bytes); returns the end.
char* putVarint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

uint64_t getVarint(const char*& p) {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    auto byte = static_cast<uint8_t>(*p++);
    v |= uint64_t{byte & 0x7Fu} << shift;
    if (byte < 0x80) return v;
  }
}

char* putText(char* p, std::string_view s) {
  p = putVarint(p, s.size());
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

std::string getText(const char*& p) {
  auto n = static_cast<size_t>(getVarint(p));
  std::string s(p, n);
  p += n;
  return s;
}

constexpr uint8_t kHasScheduledAt = 0x80;

// The six numbers after a blob's head (rule, action, epoch, event, unless
// event and argument) in one load, when each is a byte, as they usually
// are; nothing otherwise. `p` is just past the head: a blob has at least
// ten bytes (its head, seven varints and two text lengths).
std::optional<uint64_t> sixSmall(const char* p) {
  if constexpr (std::endian::native != std::endian::little) return std::nullopt;
  uint64_t w;
  std::memcpy(&w, p, sizeof w);
  if ((w & 0x0000808080808080ull) != 0) return std::nullopt;
  return w;
}

}  // namespace

char* TimerTable::Arena::room(size_t most) {
  if (used_ + most > kChunk) {
    if (chunks_.size() >= (1u << 16)) throw std::length_error("the memory store keeps at most 4 GiB of timer texts");
    // Not zeroed first: every byte is written before it is read.
    chunks_.push_back(std::make_unique_for_overwrite<char[]>(std::max(kChunk, most)));
    used_ = 0;
  }
  return chunks_.back().get() + used_;
}

uint32_t TimerTable::Arena::take(size_t used) {
  auto ref = static_cast<uint32_t>(((chunks_.size() - 1) << 16) | used_);
  // A blob larger than a chunk fills its own.
  used_ = used > kChunk ? kChunk : used_ + used;
  bytes_ += used;
  return ref;
}

uint32_t TimerTable::Arena::append(std::string_view bytes) {
  char* at = room(bytes.size());
  if (!bytes.empty()) std::memcpy(at, bytes.data(), bytes.size());
  return take(bytes.size());
}

std::pair<uint32_t, size_t> TimerTable::encode(const TimerView& t) {
  // Straight into the arena, in room for the longest encoding, written
  // through a pointer (no push_back per byte, no copy after).
  constexpr size_t kVarints = 10 * 10;
  size_t most = 1 + kVarints + t.cause.size() + t.payload.size();
  char* start = arena_.room(most);
  char* p = start;
  *p++ = static_cast<char>(static_cast<uint8_t>(t.kind) | (t.scheduledAt != 0 ? kHasScheduledAt : 0));
  p = putVarint(p, zigzag(t.rule));
  p = putVarint(p, zigzag(t.action));
  p = putVarint(p, t.epoch);
  p = putVarint(p, zigzag(t.event));
  p = putVarint(p, zigzag(t.unlessEvent));
  p = putVarint(p, zigzag(t.unlessArg));
  p = putVarint(p, zigzag(t.task));
  // Scheduled a little before it is due, as a rule: a small difference.
  if (t.scheduledAt != 0)
    p = putVarint(p, zigzag(static_cast<int64_t>(static_cast<uint64_t>(t.due) - static_cast<uint64_t>(t.scheduledAt))));
  p = putText(p, t.cause);
  p = putText(p, t.payload);
  auto size = static_cast<size_t>(p - start);
  return {arena_.take(size), size};
}

size_t TimerTable::blobSize(uint32_t pos) const {
  const char* start = arena_.at(slots_[pos].blob);
  const char* p = start;
  bool scheduled = static_cast<uint8_t>(*p++) & kHasScheduledAt;
  int varints = 7 + (scheduled ? 1 : 0);
  if (sixSmall(p)) {
    p += 6;
    varints -= 6;
  }
  for (int i = 0; i < varints; ++i) getVarint(p);
  for (int i = 0; i < 2; ++i) p += getVarint(p);
  return static_cast<size_t>(p - start);
}

TimerHead TimerTable::decodeHead(uint32_t pos, const char** tail) const {
  const Slot& s = slots_[pos];
  TimerHead t;
  t.id = s.id;
  const char* p = arena_.at(s.blob);
  auto head = static_cast<uint8_t>(*p++);
  t.kind = static_cast<TimerKind>(head & ~kHasScheduledAt);
  if (std::optional<uint64_t> w = sixSmall(p)) {
    auto byte = [&w](int k) { return (*w >> (8 * k)) & 0x7F; };
    t.rule = static_cast<int32_t>(unzigzag(byte(0)));
    t.epoch = byte(2);
    t.unlessEvent = static_cast<int32_t>(unzigzag(byte(4)));
    t.unlessArg = static_cast<int32_t>(unzigzag(byte(5)));
    p += 6;
  } else {
    t.rule = static_cast<int32_t>(unzigzag(getVarint(p)));
    getVarint(p);  // action
    t.epoch = getVarint(p);
    getVarint(p);  // event
    t.unlessEvent = static_cast<int32_t>(unzigzag(getVarint(p)));
    t.unlessArg = static_cast<int32_t>(unzigzag(getVarint(p)));
  }
  t.task = unzigzag(getVarint(p));
  if (tail) *tail = p;
  return t;
}

size_t TimerTable::sizeFrom(uint32_t pos, const char* tail) const {
  const char* start = arena_.at(slots_[pos].blob);
  const char* p = tail;
  if (static_cast<uint8_t>(*start) & kHasScheduledAt) getVarint(p);
  for (int i = 0; i < 2; ++i) p += getVarint(p);
  return static_cast<size_t>(p - start);
}

TimerRecord TimerTable::decode(uint32_t pos) const {
  const Slot& s = slots_[pos];
  TimerRecord t;
  t.id = s.id;
  t.due = dueOf(pos);
  t.deal = dealNames_[s.deal];
  const char* p = arena_.at(s.blob);
  auto head = static_cast<uint8_t>(*p++);
  t.kind = static_cast<TimerKind>(head & ~kHasScheduledAt);
  t.rule = static_cast<int32_t>(unzigzag(getVarint(p)));
  t.action = static_cast<int32_t>(unzigzag(getVarint(p)));
  t.epoch = getVarint(p);
  t.event = static_cast<int32_t>(unzigzag(getVarint(p)));
  t.unlessEvent = static_cast<int32_t>(unzigzag(getVarint(p)));
  t.unlessArg = static_cast<int32_t>(unzigzag(getVarint(p)));
  t.task = unzigzag(getVarint(p));
  if (head & kHasScheduledAt)
    t.scheduledAt = static_cast<int64_t>(static_cast<uint64_t>(t.due) - static_cast<uint64_t>(unzigzag(getVarint(p))));
  t.cause = getText(p);
  t.payload = getText(p);
  return t;
}

// ───────────────────────────── deals ──────────────────────────────────────

std::optional<uint32_t> TimerTable::findDeal(std::string_view deal) const {
  // An event cancels and schedules several timers of its one deal.
  if (lastDeal_ < dealNames_.size() && sameText(dealNames_[lastDeal_], deal)) return lastDeal_;
  if (dealIndex_.empty()) return std::nullopt;
  size_t mask = dealIndex_.size() - 1;
  for (size_t i = hashText(deal) & mask;; i = (i + 1) & mask) {
    uint32_t d = dealIndex_[i];
    if (d == 0) return std::nullopt;
    if (sameText(dealNames_[d - 1], deal)) {
      lastDeal_ = d - 1;
      return d - 1;
    }
  }
}

uint32_t TimerTable::internDeal(std::string_view deal) {
  if (auto d = findDeal(deal)) return *d;
  if ((dealNames_.size() + 1) * 2 > dealIndex_.size()) {  // at most half full
    std::vector<uint32_t> grown(std::max<size_t>(16, dealIndex_.size() * 2), 0);
    size_t mask = grown.size() - 1;
    for (uint32_t d = 0; d < dealNames_.size(); ++d) {
      size_t i = hashText(dealNames_[d]) & mask;
      while (grown[i] != 0) i = (i + 1) & mask;
      grown[i] = d + 1;
    }
    dealIndex_ = std::move(grown);
  }
  auto d = static_cast<uint32_t>(dealNames_.size());
  dealNames_.emplace_back(deal);
  dealHead_.push_back(kNone);
  size_t mask = dealIndex_.size() - 1;
  size_t i = hashText(deal) & mask;
  while (dealIndex_[i] != 0) i = (i + 1) & mask;
  dealIndex_[i] = d + 1;
  return d;
}

// A deal's list runs from its newest timer to its oldest.
void TimerTable::link(uint32_t pos) {
  Slot& s = slots_[pos];
  uint32_t* at = &dealHead_[s.deal];
  while (*at != kNone && slots_[*at].id > s.id) at = &slots_[*at].nextInDeal;
  s.nextInDeal = *at;
  *at = pos;
}

void TimerTable::unlink(uint32_t pos) {
  uint32_t* at = &dealHead_[slots_[pos].deal];
  while (*at != pos) at = &slots_[*at].nextInDeal;
  *at = slots_[pos].nextInDeal;
  slots_[pos].nextInDeal = kNone;
}

// ───────────────────────────── the due order ──────────────────────────────

void TimerTable::heapSet(size_t i, int64_t due, uint32_t pos) {
  heapDue_[i] = due;
  heapSlot_[i] = pos;
  slots_[pos].heapPos = static_cast<uint32_t>(i);
}

void TimerTable::heapFix(size_t i) {
  const int64_t due = heapDue_[i];
  const uint32_t pos = heapSlot_[i];
  // Node j is due before the timer being placed.
  auto ahead = [&](size_t j) { return heapDue_[j] != due ? heapDue_[j] < due : heapSlot_[j] < pos; };
  while (i > 0 && !ahead((i - 1) / kArity)) {
    size_t parent = (i - 1) / kArity;
    heapSet(i, heapDue_[parent], heapSlot_[parent]);
    i = parent;
  }
  const size_t n = heapDue_.size();
  for (;;) {
    size_t first = kArity * i + 1;
    if (first >= n) break;
    size_t earliest = first;
    for (size_t c = first + 1; c < std::min(first + kArity, n); ++c) {
      if (before(c, earliest)) earliest = c;
    }
    if (!ahead(earliest)) break;
    heapSet(i, heapDue_[earliest], heapSlot_[earliest]);
    i = earliest;
  }
  heapSet(i, due, pos);
}

void TimerTable::heapPush(uint32_t pos, int64_t due) {
  heapDue_.push_back(due);
  heapSlot_.push_back(pos);
  slots_[pos].heapPos = static_cast<uint32_t>(heapSlot_.size() - 1);
  heapFix(heapSlot_.size() - 1);
}

void TimerTable::heapErase(uint32_t pos) {
  size_t i = slots_[pos].heapPos;
  int64_t lastDue = heapDue_.back();
  uint32_t last = heapSlot_.back();
  heapDue_.pop_back();
  heapSlot_.pop_back();
  slots_[pos].heapPos = kNone;
  if (i == heapSlot_.size()) return;  // it was the last node
  heapSet(i, lastDue, last);
  heapFix(i);
}

// ───────────────────────────── changes ────────────────────────────────────

std::optional<uint32_t> TimerTable::position(int64_t id) const {
  size_t low = 0, high = slots_.size();  // the first slot of id >= `id` is in [low, high]
  while (low < high) {
    size_t mid = low + (high - low) / 2;
    if (static_cast<int64_t>(slots_[mid].id) < id) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  if (low == slots_.size() || slots_[low].id != id) return std::nullopt;
  return static_cast<uint32_t>(low);
}

void TimerTable::add(int64_t id, const TimerView& timer) {
  if (id <= 0 || id > UINT32_MAX) throw std::length_error("the memory store numbers at most 2^32 timers");
  if (!slots_.empty() && id <= slots_.back().id) throw std::logic_error("timer ids must grow");
  if (slots_.size() >= kNone - 1) throw std::length_error("the memory store keeps at most 2^32 timers");
  Slot s{};
  s.id = static_cast<uint32_t>(id);
  s.deal = internDeal(timer.deal);
  auto [blob, bytes] = encode(timer);
  s.blob = blob;
  push(s, timer.due, bytes);
}

void TimerTable::push(Slot s, int64_t due, size_t bytes) {
  s.nextInDeal = kNone;
  s.heapPos = kNone;
  liveBlobBytes_ += bytes;
  slots_.push_back(s);
  auto pos = static_cast<uint32_t>(slots_.size() - 1);
  link(pos);
  heapPush(pos, due);
}

void TimerTable::dropLast(int64_t id) {
  if (slots_.empty() || slots_.back().id != id) throw std::logic_error("dropLast: not the last timer");
  auto pos = static_cast<uint32_t>(slots_.size() - 1);
  if (slots_[pos].heapPos != kNone) {
    liveBlobBytes_ -= blobSize(pos);
    heapErase(pos);
    unlink(pos);
  } else {
    --dead_;
  }
  slots_.pop_back();
}

bool TimerTable::remove(int64_t id, TimerRecord* removed) {
  // The timer that fires is the earliest: found at the heap's top without a
  // search through the slots (with millions, a cache miss per step).
  std::optional<uint32_t> pos = !heapSlot_.empty() && slots_[heapSlot_[0]].id == id ? heapSlot_[0] : position(id);
  if (!pos || slots_[*pos].heapPos == kNone) return false;
  if (removed) *removed = decode(*pos);
  removeAt(*pos, blobSize(*pos));
  return true;
}

void TimerTable::removeAt(uint32_t pos, size_t bytes) {
  int64_t due = dueOf(pos);
  liveBlobBytes_ -= bytes;
  heapErase(pos);
  unlink(pos);
  // Its due time, for restore(), where a removed slot has no list to be in.
  slots_[pos].nextInDeal = static_cast<uint32_t>(removedDue_.size());
  removedDue_.push_back(due);
  ++dead_;
}

void TimerTable::restore(int64_t id) {
  std::optional<uint32_t> pos = position(id);
  if (!pos || slots_[*pos].heapPos != kNone) throw std::logic_error("restore: no removed timer with that id");
  int64_t due = removedDue_[slots_[*pos].nextInDeal];
  liveBlobBytes_ += blobSize(*pos);
  --dead_;
  link(*pos);
  heapPush(*pos, due);
}

bool TimerTable::replace(const TimerRecord& timer, TimerRecord* old) {
  std::optional<uint32_t> pos = position(timer.id);
  if (!pos || slots_[*pos].heapPos == kNone) return false;
  if (old) *old = decode(*pos);
  size_t oldBytes = blobSize(*pos);
  auto [blob, bytes] = encode(TimerView::of(timer));
  liveBlobBytes_ = liveBlobBytes_ - oldBytes + bytes;
  Slot& s = slots_[*pos];
  s.blob = blob;
  heapDue_[s.heapPos] = timer.due;
  heapFix(s.heapPos);
  return true;
}

// ───────────────────────────── reading ────────────────────────────────────

std::vector<TimerHead> TimerTable::headsOfDeal(std::string_view deal) const {
  std::vector<TimerHead> out;
  std::optional<uint32_t> d = findDeal(deal);
  if (!d) return out;
  for (uint32_t pos = dealHead_[*d]; pos != kNone; pos = slots_[pos].nextInDeal) out.push_back(decodeHead(pos));
  std::reverse(out.begin(), out.end());  // oldest first
  return out;
}

void TimerTable::removeOfDeal(std::string_view deal, FunctionRef<bool(const TimerHead&)> pick,
                              FunctionRef<void(int64_t)> removed) {
  std::optional<uint32_t> d = findDeal(deal);
  if (!d) return;
  // The deal's list runs newest first and removing unlinks: its positions
  // are read whole first, into room on the stack for the usual few. A
  // removed slot stays put until compact().
  constexpr size_t kFew = 32;
  std::array<uint32_t, kFew> few;
  std::vector<uint32_t> many;
  size_t n = 0;
  for (uint32_t pos = dealHead_[*d]; pos != kNone; pos = slots_[pos].nextInDeal) {
    if (n < kFew) {
      few[n] = pos;
    } else {
      if (n == kFew) many.assign(few.begin(), few.end());
      many.push_back(pos);
    }
    ++n;
  }
  const uint32_t* newestFirst = n > kFew ? many.data() : few.data();
  for (size_t i = n; i-- > 0;) {
    uint32_t pos = newestFirst[i];
    const char* tail = nullptr;
    if (slots_[pos].heapPos == kNone || !pick(decodeHead(pos, &tail))) continue;
    removeAt(pos, sizeFrom(pos, tail));
    removed(slots_[pos].id);
  }
}

std::vector<TimerRecord> TimerTable::ofDeal(std::string_view deal) const {
  std::vector<TimerRecord> out;
  std::optional<uint32_t> d = findDeal(deal);
  if (!d) return out;
  for (uint32_t pos = dealHead_[*d]; pos != kNone; pos = slots_[pos].nextInDeal) out.push_back(decode(pos));
  std::reverse(out.begin(), out.end());  // oldest first
  return out;
}

std::vector<TimerRecord> TimerTable::due(int64_t until, size_t limit) const {
  std::vector<TimerRecord> out;
  if (heapSlot_.empty() || limit == 0 || heapDue_[0] > until) return out;
  out.push_back(decode(heapSlot_[0]));
  if (limit == 1) return out;  // the engine's usual question (the earliest), asked once per timer fired
  // Best first through the rest of the heap: a node is due no earlier than its parent.
  auto later = [this](size_t a, size_t b) { return before(b, a); };
  std::priority_queue<size_t, std::vector<size_t>, decltype(later)> frontier(later);
  auto children = [&](size_t i) {
    for (size_t c = kArity * i + 1; c <= kArity * i + kArity && c < heapSlot_.size(); ++c) frontier.push(c);
  };
  children(0);
  while (!frontier.empty() && out.size() < limit) {
    size_t i = frontier.top();
    frontier.pop();
    if (heapDue_[i] > until) break;
    out.push_back(decode(heapSlot_[i]));
    children(i);
  }
  return out;
}

size_t TimerTable::measuredBlobBytes() const {
  size_t bytes = 0;
  for (uint32_t pos : heapSlot_) bytes += blobSize(pos);
  return bytes;
}

std::optional<int64_t> TimerTable::nextDue() const {
  if (heapSlot_.empty()) return std::nullopt;
  return heapDue_[0];
}

void TimerTable::compact() {
  bool manyDead = dead_ >= compactAfter_ && dead_ >= heapSlot_.size();
  if (!manyDead && arena_.bytes() - liveBlobBytes_ < 256 * compactAfter_ + liveBlobBytes_) return;
  // The living slots move down, in order, and their bytes go to a fresh
  // arena as they are (nothing decoded or encoded again). Order among them
  // is unchanged, so the heap and each deal's list stay as they are, their
  // positions renamed: no heap rebuilt, no list walked, no deal looked up.
  std::vector<uint32_t> moved(slots_.size(), kNone);  // old position -> new
  ChunkedVector<Slot> slots;
  Arena arena;
  for (uint32_t pos = 0; pos < slots_.size(); ++pos) {
    Slot s = slots_[pos];
    if (s.heapPos == kNone) continue;
    s.blob = arena.append(std::string_view(arena_.at(s.blob), blobSize(pos)));
    moved[pos] = static_cast<uint32_t>(slots.size());
    slots.push_back(s);
  }
  for (size_t pos = 0; pos < slots.size(); ++pos) {
    uint32_t& next = slots[pos].nextInDeal;
    if (next != kNone) next = moved[next];  // a list holds living slots only
  }
  for (uint32_t& pos : heapSlot_) pos = moved[pos];
  for (uint32_t& head : dealHead_) {
    if (head != kNone) head = moved[head];
  }
  slots_ = std::move(slots);
  arena_ = std::move(arena);
  removedDue_ = {};
  dead_ = 0;
  forgetDealsWithoutTimers();
}

void TimerTable::forgetDealsWithoutTimers() {
  // A deal is interned while it has a timer; the names of deals whose
  // timers are all gone are dropped once they are half of all names.
  size_t without = static_cast<size_t>(std::count(dealHead_.begin(), dealHead_.end(), kNone));
  if (without < compactAfter_ || 2 * without < dealNames_.size()) return;
  std::vector<std::string> names = std::move(dealNames_);
  std::vector<uint32_t> heads = std::move(dealHead_);
  dealNames_.clear();
  dealHead_.clear();
  dealIndex_.clear();
  std::vector<uint32_t> renamed(names.size(), kNone);
  for (size_t d = 0; d < names.size(); ++d) {
    if (heads[d] == kNone) continue;
    renamed[d] = internDeal(names[d]);
    dealHead_[renamed[d]] = heads[d];
  }
  for (size_t pos = 0; pos < slots_.size(); ++pos) slots_[pos].deal = renamed[slots_[pos].deal];
}

}  // namespace voronka::store
