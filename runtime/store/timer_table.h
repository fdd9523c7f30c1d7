// The pending timers of the in-memory store, kept compact (issue 16: at most
// 64 bytes per pending timer with a million pending). A timer is a 20-byte
// slot (id, deal index, links), its due time and slot in the heap (12
// bytes), plus a few bytes of varints in a chunked byte arena (kind, rule,
// epoch, … and the cause and payload texts); deal ids are interned once per
// deal. Removed timers leave a dead slot that compact() drops once the dead
// outnumber the living.
//
// The heap has four children a node and keeps the due times in itself:
// taking the earliest timer of a million compares due times side by side
// in ten levels, instead of reading two slots (two cache misses) in each of
// twenty.
//
// Ids are given by the caller, each greater than every id given before, so
// the slots stay in id order and a lookup by id is a binary search.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/store/chunked_vector.h"
#include "runtime/store/function_ref.h"
#include "runtime/store/records.h"

namespace voronka::store {

class TimerTable {
 public:
  // compact() works once at least `compactAfter` slots are dead (and as many
  // as are alive), or the arena holds 256 × that many bytes of dead texts.
  explicit TimerTable(size_t compactAfter = 4096) : compactAfter_(compactAfter) {}

  // Adds a timer; its id must be greater than every id added before.
  void add(int64_t id, const TimerView& timer);
  void add(const TimerRecord& timer) { add(timer.id, TimerView::of(timer)); }
  // Undoes the last add() (the timer with the greatest id).
  void dropLast(int64_t id);
  // Removes a timer (and gives it, when `removed` is set); false when there is none with that id.
  bool remove(int64_t id, TimerRecord* removed);
  // Brings back a timer remove() took (before any compact()).
  void restore(int64_t id);
  // Rewrites everything of a timer but its id and deal; false when there is none.
  bool replace(const TimerRecord& timer, TimerRecord* old);

  std::vector<TimerRecord> ofDeal(std::string_view deal) const;  // oldest first
  std::vector<TimerHead> headsOfDeal(std::string_view deal) const;
  // Removes the deal's pending timers that `pick` picks, asking it of each
  // (oldest first) without listing them; `removed` hears each id removed.
  void removeOfDeal(std::string_view deal, FunctionRef<bool(const TimerHead&)> pick,
                    FunctionRef<void(int64_t)> removed);
  // Due at or before `until`, earliest first (ties by id), at most `limit`.
  std::vector<TimerRecord> due(int64_t until, size_t limit) const;
  std::optional<int64_t> nextDue() const;
  size_t size() const { return heapSlot_.size(); }
  // The bytes of the pending timers' blobs as counted on every change (what
  // decides a compaction), and as measured by reading each blob: the same,
  // unless the count is wrong (for the tests).
  size_t countedBlobBytes() const { return liveBlobBytes_; }
  size_t measuredBlobBytes() const;
  // Calls f(kind, rule) for every pending timer.
  template <typename F>
  void forEachRule(F f) const {
    for (uint32_t pos : heapSlot_) {
      TimerRecord t = decode(pos);
      f(t.kind, t.rule);
    }
  }

  // Drops dead slots and their texts when they are many; only between
  // transactions (restore() needs the dead slot).
  void compact();

 private:
  void forgetDealsWithoutTimers();  // compact()'s second half
  static constexpr uint32_t kNone = UINT32_MAX;
  // A pending timer's due time is in the heap; a removed one's, kept for
  // restore(), is in removedDue_, where nextInDeal then points.
  struct Slot {
    uint32_t id;
    uint32_t deal;
    uint32_t blob;        // where its varints start in the arena
    uint32_t nextInDeal;  // pending: the deal's next older timer, or kNone; removed: its due time in removedDue_
    uint32_t heapPos;     // kNone once removed
  };
  static_assert(sizeof(Slot) == 20);

  // Bytes in chunks that never move: a blob reference is (chunk << 16 | offset).
  class Arena {
   public:
    uint32_t append(std::string_view bytes);
    // Room for `most` bytes in one piece, to write a blob straight into;
    // take() then keeps the first `used` of them and gives the blob's reference.
    char* room(size_t most);
    uint32_t take(size_t used);
    const char* at(uint32_t ref) const { return chunks_[ref >> 16].get() + (ref & 0xFFFF); }
    size_t bytes() const { return bytes_; }

   private:
    static constexpr size_t kChunk = 1 << 16;
    std::vector<std::unique_ptr<char[]>> chunks_;
    size_t used_ = kChunk;  // in the last chunk: a new arena starts a chunk first
    size_t bytes_ = 0;
  };

  uint32_t internDeal(std::string_view deal);
  std::optional<uint32_t> findDeal(std::string_view deal) const;
  std::optional<uint32_t> position(int64_t id) const;
  // A pending timer, whose blob takes `bytes` (blobSize(), when not known).
  void removeAt(uint32_t pos, size_t bytes);
  // Adds slot `s` (id, deal and blob set), whose blob takes `bytes`.
  void push(Slot s, int64_t due, size_t bytes);
  int64_t dueOf(uint32_t pos) const { return heapDue_[slots_[pos].heapPos]; }  // a pending timer's
  // The timer's varints and texts, written into the arena: its reference and size.
  std::pair<uint32_t, size_t> encode(const TimerView& t);
  TimerRecord decode(uint32_t pos) const;
  // What picking a timer reads; `tail`, when set, is where the head ends in
  // the blob, for sizeFrom(): cheaper than blobSize() after a head is read.
  TimerHead decodeHead(uint32_t pos, const char** tail = nullptr) const;
  size_t blobSize(uint32_t pos) const;
  size_t sizeFrom(uint32_t pos, const char* tail) const;
  // Heap node i is due before node j: earlier, or as early and added first
  // (slots are in id order).
  bool before(size_t i, size_t j) const {
    return heapDue_[i] != heapDue_[j] ? heapDue_[i] < heapDue_[j] : heapSlot_[i] < heapSlot_[j];
  }
  void heapPush(uint32_t pos, int64_t due);
  void heapErase(uint32_t pos);
  void heapFix(size_t i);
  void heapSet(size_t i, int64_t due, uint32_t pos);
  void link(uint32_t pos);
  void unlink(uint32_t pos);

  size_t compactAfter_;
  ChunkedVector<Slot> slots_;  // by id
  static constexpr size_t kArity = 4;
  // The heap of pending timers, earliest due first: due times, and the slot
  // of each, side by side.
  std::vector<int64_t> heapDue_;
  std::vector<uint32_t> heapSlot_;
  Arena arena_;
  // Removed timers' due times, until compact() drops their slots (an undo
  // brings them back before that).
  ChunkedVector<int64_t> removedDue_;
  size_t liveBlobBytes_ = 0;
  size_t dead_ = 0;
  // Deal ids, interned: names, the newest timer of each, an open-addressing index.
  std::vector<std::string> dealNames_;
  std::vector<uint32_t> dealHead_;
  std::vector<uint32_t> dealIndex_;    // deal + 1, 0 for empty; size a power of two
  mutable uint32_t lastDeal_ = kNone;  // findDeal()'s last answer (checked against the name before use)
};

}  // namespace voronka::store
