// The in-memory Store: for tests, `voronka test` and `voronka run`. A
// transaction applies changes as it goes and keeps an undo log; destroying
// it without commit() undoes everything, so a failed event leaves no trace.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/store/chunked_vector.h"
#include "runtime/store/interned_texts.h"
#include "runtime/store/row_index.h"
#include "runtime/store/store.h"
#include "runtime/store/timer_table.h"

namespace voronka::store {

struct MemoryStoreOptions {
  // Keep what the engine writes only for people and other tools to read back:
  // effects (the outbox), processed events, stage history and notes. Off for
  // `voronka sim`, which reads deals, tasks and timers only; then event ids
  // are not remembered either, so a repeated id is not taken for a duplicate.
  bool keepRecords = true;
};

class MemoryStore : public Store {
 public:
  explicit MemoryStore(MemoryStoreOptions options = {}) : options_(options) {}
  std::unique_ptr<Transaction> begin() override;
  std::optional<int64_t> nextDue() override;
  std::optional<TimerRecord> firstDueTimer(int64_t until) override;
  bool keepsRecords() const override { return options_.keepRecords; }

  size_t timerCount() const { return timers_.size(); }

 private:
  friend class MemoryTransaction;
  MemoryStoreOptions options_;
  // A deal as a blob (deal_blob.h): about 300 bytes where a DealRecord takes
  // 2 KB, which is what lets `voronka sim` hold a million deals; while its
  // decoded slot is dirty, the slot's record is the deal and the blob is
  // stale. What scans read is kept beside it, always current.
  struct StoredDeal {
    int32_t pipeline = -1, stage = -1, responsible = -1;
    int32_t cached = -1;  // its slot in decoded_, or -1
    std::string blob;
    // Its list of task ids once it has one: in taskLists_, or in
    // tasksByDeal_ when its tasks came before it. Reached from the row, a
    // deal's tasks cost no second lookup, which with a million deals is a
    // cache miss.
    std::vector<int64_t>* tasks = nullptr;
    std::string id{};
  };
  // The deals in creation order (rows never move: the decoded slots and
  // undo entries point to them), found by id through dealIndex_.
  ChunkedVector<StoredDeal> dealRows_;
  RowIndex dealIndex_;
  // The last deals saved, decoded: a transaction reads a deal and saves it
  // back, and the next event is often for a deal seen lately, so the record
  // saved is handed to the next read instead of decoding the blob again.
  // A saved deal is not encoded when it is saved: its slot is dirty, and
  // its record, not its blob, is the deal until the slot is given to
  // another deal (then the record is encoded into the blob: writeBack()).
  // An undo needs the deal as it was, and the blob as it was or the record
  // as it was is moved aside for it, not copied. A read of a dirty slot
  // gets a copy (the record stays the deal); of a clean one, the record
  // itself. A deal that is not cached is decoded into a spare record, so
  // the strings and lists of records are reused, not reallocated.
  using DealPtr = Transaction::DealPtr;
  struct DecodedDeal {
    StoredDeal* owner = nullptr;
    bool full = false;   // `record` is the deal
    bool dirty = false;  // and the owner's blob is not: only when full
    // The deal when full; else room for the next decode or save (what it
    // says is never read), or null once lent by dealToChange().
    DealPtr record;
  };
  static constexpr size_t kDecodedDeals = 1024;  // about 1 MB
  std::vector<DecodedDeal> decoded_;
  size_t nextDecoded_ = 0;     // slots are reused in turn
  std::string encodeScratch_;  // blob::encodeDealIn()'s room, kept at its largest
  // The rows whose blobs the open transaction's saves replaced, as they
  // were, oldest first, for its undo (kept, with their room, from one
  // transaction to the next).
  std::vector<StoredDeal> replaced_;
  size_t replacedUsed_ = 0;
  // The records of dirty slots the open transaction's saves replaced, as
  // they were, oldest first, for its undo; spare records to decode or copy
  // into (kept from one transaction to the next).
  std::vector<DealPtr> replacedRecords_;
  std::vector<DealPtr> spareRecords_;
  // The open transaction's undo log, kept here so its room is reused. The
  // steps an event takes are typed: nothing to construct, call through or
  // destroy per step. The rarer ones are closures, kept in undoClosures_.
  struct UndoStep {
    enum class Kind : uint8_t {
      Closure,             // number: its index in undoClosures_
      DealAdded,           // number: the row added (the last)
      DealReplaced,        // place: the row; as it was: replaced_'s last used
      DealRecordReplaced,  // place: the row; as it was: replacedRecords_'s last
      TaskAdded,           // place: the deal's list of task ids
      TaskListAdded,       // place: the row given the last of taskLists_
      TaskListAdopted,     // place: the new row that took the transaction's list of a new deal's tasks
      TaskChanged,         // number: the task's index; as it was: replacedTasks_'s last used
      TimerAdded,          // number: its id
      TimerRemoved,        // number: its id
      EventKept,           // number: its row in events_ (the last)
      EffectAdded,         // place: the deal's list in effectsByDeal_
      HistoryAdded,        // place: the deal's history
      NoteAdded,           // place: the deal's notes
      CounterTaken,        // place: the counter
    };
    Kind kind;
    int64_t number;
    void* place;
  };
  // Appending a step is a compare and a store, inlined where the change is
  // made (a vector's push_back was a call of its own, a few per event); the
  // room only grows, out of line.
  class UndoLog {
   public:
    void add(const UndoStep& step) {
      if (used_ == room_.size()) [[unlikely]]
        grow();
      room_[used_++] = step;
    }
    void clear() { used_ = 0; }
    // The steps, newest first.
    template <typename F>
    void forEachNewestFirst(F f) const {
      for (size_t i = used_; i-- > 0;) f(room_[i]);
    }

   private:
    [[gnu::noinline]] void grow() { room_.resize(std::max<size_t>(64, 2 * room_.size())); }
    std::vector<UndoStep> room_;
    size_t used_ = 0;
  };
  UndoLog undo_;
  std::vector<std::function<void()>> undoClosures_;
  void forgetDecoded(StoredDeal& deal);  // frees its slot, not written back (the deal is going)
  void emptyDecoded(StoredDeal& deal);   // its slot no longer holds the deal (its blob does)
  void letGo(DecodedDeal& slot);         // frees the slot for another deal, written back when dirty
  void writeBack(DecodedDeal& slot);     // encodes a dirty slot's record into its owner's blob
  // Gives the deal `record`, in its slot (found or freed), dirty; the record
  // the slot held is kept as a spare.
  void keepDirty(StoredDeal& deal, DealPtr record);
  // The deal's record when it is decoded (dirty or not), else null.
  const DealRecord* decodedOf(const StoredDeal& deal) const;
  DealPtr spareRecord();    // a record whose room is reused; what it says is never read
  DealPtr roomForDecode();  // a record to decode into
  // Tasks by id - 1 (ids are given in order and tasks stay), as fixed-size
  // typed records: no heap block per task, nothing to decode. The texts are
  // interned (most are the same few sentences); a task's deal is not kept:
  // the task is in its deal's list (see StoredDeal::tasks).
  struct StoredTask {
    int64_t due = 0, createdAt = 0, completedAt = 0;
    uint64_t epoch = 0;
    int32_t type = -1, responsible = -1;
    uint32_t text = 0, comment = 0;  // in taskTexts_
    bool done = false;
  };
  ChunkedVector<StoredTask> tasks_;
  // Whether each task is done, by id - 1 as tasks_: a bit each, so the
  // engine's looks at a deal's open tasks skip its done ones without reading
  // them (with millions of tasks, a cache miss each).
  std::vector<bool> taskDone_;
  InternedTexts taskTexts_;
  ChunkedVector<std::vector<int64_t>> taskLists_;                      // of stored deals: no key, no node, no hash
  std::unordered_map<std::string, std::vector<int64_t>> tasksByDeal_;  // of deals not stored (yet)
  std::vector<StoredTask> replacedTasks_;                              // as replaced_, for tasks
  size_t replacedTasksUsed_ = 0;
  TimerTable timers_;
  ChunkedVector<EffectRecord, 6> effects_;  // by id - 1; in chunks: adding one moves none of the others
  std::unordered_map<std::string, std::vector<size_t>> effectsByDeal_;
  std::unordered_map<std::string, std::vector<AttemptRecord>> attempts_;  // by deal, in the order recorded
  // An event as kept: its record without its fired rules, which are the
  // rows firedRules_[firstFired, firstFired + firedCount) (events are added
  // and undone in order, so their rows are too), with interned names.
  struct FiredEntry {
    int32_t rule = -1, line = 0;
    uint32_t name = 0, file = 0;  // in firedNames_
  };
  struct KeptEvent {
    EventRecord record;  // its `fired` is empty
    size_t firstFired = 0;
    uint32_t firedCount = 0;
  };
  // In seq order (row = seq - 1), found by id through eventIndex_: the id is
  // kept once, in its record, and finding one is a slot and a row.
  ChunkedVector<KeptEvent, 6> events_;
  RowIndex eventIndex_;
  ChunkedVector<FiredEntry> firedRules_;
  InternedTexts firedNames_;
  std::unordered_map<std::string, std::vector<HistoryRecord>> history_;
  std::unordered_map<std::string, std::vector<NoteRecord>> notes_;
  std::map<std::string, int64_t> counters_;
  std::map<std::string, std::string> meta_;
  std::vector<ModuleRecord> modules_;          // oldest first
  std::vector<DeploymentRecord> deployments_;  // by id - 1
  int64_t nextTaskId_ = 1;
  int64_t nextTimerId_ = 1;
  int64_t nextEffectId_ = 1;
  bool open_ = false;
  // Where the open transaction lives (memory_store.cpp checks its size).
  struct alignas(16) TransactionRoom {
    std::byte bytes[160];
  };
  TransactionRoom transactionRoom_;
};

}  // namespace voronka::store
